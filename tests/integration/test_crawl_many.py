"""Several sites crawled in one Scrapy process (crawl_step.crawl_sites): each site's crawl is what it
would be alone — every manifest page fetched, its own WARC under raw/{site}/, its own report and
crawl record — and its documents parse and archive as usual."""

import json

import pytest

from govpub.archive import Archive
from govpub.pipeline.context import RunContext
from govpub.pipeline.crawl_step import crawl_sites
from govpub.pipeline.context import record_key
from govpub.pipeline.steps import archive_site, parse_site
from govpub.pipeline.results import CrawlResult
from govpub.settings import REPO_ROOT

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITES = sorted({a["site"] for a in MANIFEST["articles"]})


def test_every_sample_site_crawled_in_one_process_is_complete_and_archived(module_settings):
    context = RunContext(module_settings, echo=lambda line: None)
    crawls = crawl_sites(context, SITES, "test-many-1", "2026-11-23", full_sweep=True)
    assert sorted(crawls) == SITES
    archive = Archive(module_settings)
    for site_id, crawl in crawls.items():
        assert isinstance(crawl, CrawlResult), f"{site_id}: {crawl}"
        expected = [a for a in MANIFEST["articles"] if a["site"] == site_id]
        fetched = {r["url"] for r in crawl.records if r["status"] == 200}
        for article in expected:
            for page in article["pages"] + article["attachments"]:
                assert module_settings.sample_site_url + page in fetched, f"{site_id}: not fetched: {page}"
        assert crawl.column_complete and crawl.errors == []
        assert crawl.warc_keys and all(f"raw/{site_id}/" in key for key in crawl.warc_keys)
        assert archive.get_json_or_none(record_key(context, "test-many-1", site_id, "crawl"))["site"] == site_id
        parsed = parse_site(context, crawl)
        archived = archive_site(context, parsed, crawl)
        assert archived.documents_new == len(expected), site_id
