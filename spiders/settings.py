"""Scrapy settings for govpub crawls.

Per-site values (delay, concurrency, crawl id) are passed by govpub.pipeline.crawl_site
as `-s NAME=value` options, from the site registry; these are the defaults.
"""

import os

BOT_NAME = "govpub"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Politeness on by default.
ROBOTSTXT_OBEY = True
USER_AGENT = os.environ.get(
    "GOVPUB_USER_AGENT",
    "govpub/0.1 (+https://github.com/govpub/govpub; archive of public government documents)",
)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 50
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports on workers

ITEM_PIPELINES = {"spiders.pipelines.WarcArchivePipeline": 300}

LOG_LEVEL = os.environ.get("GOVPUB_SCRAPY_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"

# govpub settings (overridden per crawl by govpub.pipeline.crawl_site).
GOVPUB_CRAWL_ID = "manual"
GOVPUB_CRAWL_DATE = ""  # YYYY-MM-DD; empty = today (UTC)
GOVPUB_CRAWL_REPORT = ""  # local path the crawl writes its JSON report to
GOVPUB_WARC_MAX_BYTES = 256 * 1024 * 1024  # start a new WARC part after this many bytes
