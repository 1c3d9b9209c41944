"""Scrapy settings for govpub crawls.

Per-site values (delay, concurrency, crawl id) are passed by govpub.pipeline.crawl_step.crawl_site
as `-s NAME=value` options, from the site registry; these are the defaults. The values
that come from govpub's configuration (User-Agent, timeouts, budgets, log level) are read
through govpub.settings, the one place that reads the environment.
"""

from govpub.settings import Settings

_govpub = Settings.from_env()  # this module is loaded in the crawl process, at run time

BOT_NAME = "govpub"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Politeness on by default.
ROBOTSTXT_OBEY = True
USER_AGENT = _govpub.user_agent
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Scrapy starts this many asyncio workers for EVERY response's output (scrapy.utils.asyncio
# parallel_asyncio), default 100: ~100 tasks per page for the 1–30 requests/records a callback
# yields. The item pipeline writes WARC records synchronously, so more than a few buys nothing.
CONCURRENT_ITEMS = 4

# Fault tolerance and safety (spiders/middlewares.py; docs/faults.md).
DOWNLOAD_TIMEOUT = _govpub.http_timeout
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # attachments (scanned PDFs can be large)
GOVPUB_PAGE_MAXSIZE = 8 * 1024 * 1024  # any other page: a bigger "HTML page" is refused as too_large
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2  # 3 attempts in all
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
GOVPUB_RETRY_AFTER_MAX = _govpub.retry_after_max  # cap on a server's Retry-After
GOVPUB_RETRY_BACKOFF = 1.0  # seconds before the 1st retry without Retry-After; doubles each time
REDIRECT_MAX_TIMES = 5
# Scrapy's DEPTH_LIMIT drops deeper requests silently and counts list pages too, so a column of
# more than 50 list pages lost its tail without a word: off. TrapGuardMiddleware bounds the depth
# below the column instead (reported); column walks stop by behaviour (govpub.crawl.paging).
DEPTH_LIMIT = 0
GOVPUB_DEPTH_LIMIT = 50  # requests away from the column: article → further pages → attachments
GOVPUB_MAX_ARTICLE_PAGES = 50  # pages of one multi-page article
GOVPUB_MAX_REQUESTS = _govpub.max_requests  # per crawl
# Only http(s): no file://, data:, ftp:// or s3:// fetches, whatever a page or redirect says.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DOWNLOADER_MIDDLEWARES = {
    # UrlGuard replaces Scrapy's OffsiteMiddleware, which drops offsite redirects silently at
    # scheduling time; ours refuses them (and unsafe addresses) with a reported error.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "spiders.middlewares.UrlGuardMiddleware": 45,
    "spiders.middlewares.BlockDetectMiddleware": 585,
    "spiders.middlewares.RedirectGuardMiddleware": 610,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.PoliteRetryMiddleware": 550,
}
SPIDER_MIDDLEWARES = {"spiders.middlewares.TrapGuardMiddleware": 800}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports on workers

ITEM_PIPELINES = {"spiders.pipelines.WarcArchivePipeline": 300}

LOG_LEVEL = _govpub.scrapy_log_level
FEED_EXPORT_ENCODING = "utf-8"

# Per-crawl plumbing, not configuration: govpub.crawl.runner.scrapy_command passes these as -s options.
GOVPUB_CRAWL_ID = "manual"
GOVPUB_CRAWL_DATE = ""  # YYYY-MM-DD; empty = today (UTC)
GOVPUB_CRAWL_REPORT = ""  # local path the crawl writes its JSON report to
GOVPUB_WARC_MAX_BYTES = 256 * 1024 * 1024  # start a new WARC part after this many bytes
