"""The Scrapy settings a site's crawl runs with follow its registry entry (govpub.crawl.runner)."""

from dataclasses import replace

from govpub.crawl.runner import crawl_options, scrapy_command
from govpub.registry import load_sites
from govpub.settings import REPO_ROOT

SITE = load_sites(REPO_ROOT / "sites", environ={})["longwan-jyj"]


def test_depth_limit_is_beyond_the_limits_the_spider_reports_itself():
    # Scrapy drops requests deeper than DEPTH_LIMIT without a word: a column of 300 list pages
    # must reach its last article page (list depth + the article's pages) before that happens.
    long_column = replace(SITE, links=replace(SITE.links, max_list_pages=300))
    options = crawl_options(long_column, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert options["DEPTH_LIMIT"] > 300 + 50


def test_autothrottle_aims_at_the_site_concurrency():
    options = crawl_options(SITE, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert options["AUTOTHROTTLE_TARGET_CONCURRENCY"] == SITE.concurrency == options["CONCURRENT_REQUESTS_PER_DOMAIN"]
    command = scrapy_command(SITE, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert f"DEPTH_LIMIT={options['DEPTH_LIMIT']}" in command
