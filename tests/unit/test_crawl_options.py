"""The Scrapy settings a site's crawl runs with follow its registry entry (govpub.crawl.runner)."""

from govpub.crawl.runner import crawl_options, scrapy_command
from govpub.registry import load_sites
from govpub.settings import REPO_ROOT

SITE = load_sites(REPO_ROOT / "sites", environ={})["longwan-jyj"]


def test_no_crawl_sets_scrapys_silent_depth_limit():
    # Scrapy drops requests deeper than DEPTH_LIMIT without a word, and counts list pages too:
    # it stays off (spiders/settings.py) for every site; the reported bound is GOVPUB_DEPTH_LIMIT.
    from spiders import settings as spider_settings

    options = crawl_options(SITE, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert "DEPTH_LIMIT" not in options
    assert spider_settings.DEPTH_LIMIT == 0 and spider_settings.GOVPUB_DEPTH_LIMIT > 0


def test_autothrottle_aims_at_the_site_concurrency():
    options = crawl_options(SITE, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert options["AUTOTHROTTLE_TARGET_CONCURRENCY"] == SITE.concurrency == options["CONCURRENT_REQUESTS_PER_DOMAIN"]
    command = scrapy_command(SITE, "run", "2026-11-23", REPO_ROOT / "report.json")
    assert f"AUTOTHROTTLE_TARGET_CONCURRENCY={SITE.concurrency}" in command
