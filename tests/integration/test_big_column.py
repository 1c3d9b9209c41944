"""The 3,000-article column (longwan-lnwj, 150 list pages; sample_site/sitegen/bigcolumn.py) through
the whole pipeline — crawl over HTTP → WARC in S3 → parse → archive → index in Elasticsearch — then
re-crawled the next day. Counted against the generator's truth (its digest is in manifest.json).

It proves there is no silent cap on a long column (Scrapy's DEPTH_LIMIT used to drop every list
page past the 50th) and that an incremental re-crawl of the unchanged column stays cheap.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from govpub import index
from govpub.archive import Archive, run_key
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_steps
from govpub.schema import doc_id_for
from govpub_dev.samplesite import _bigcolumn

pytestmark = pytest.mark.services

SITE = "longwan-lnwj"


def run_once(settings, run_id: str, day: str) -> dict:
    started = time.monotonic()
    steps = run_steps(RunContext(settings, echo=lambda line: None), SITE, run_id, day)
    return {"crawl": steps.crawl, "parse": steps.parse, "archive": steps.archive, "index": steps.index,
            "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def truth(module_settings):
    return {module_settings.sample_site_url + t["url"]: t for t in _bigcolumn().truth()}


@pytest.fixture(scope="module")
def runs(module_settings, s3, es):
    first = run_once(module_settings, "big-run-1", "2026-11-23")
    second = run_once(module_settings, "big-run-2", "2026-11-24")
    for name, run in (("first", first), ("second", second)):
        steps = ", ".join(f"{step} {run[step].seconds:.1f}s" for step in ("crawl", "parse", "archive", "index"))
        print(f"\nbig column, {name} run: {run['seconds']:.1f}s ({steps}), {run['crawl'].requests} requests")
    print(f"second / first requests: {second['crawl'].requests / first['crawl'].requests:.4f}")
    return first, second


def test_the_first_crawl_walks_all_150_list_pages_and_says_the_column_is_complete(module_settings, runs):
    first, _ = runs
    crawl = first["crawl"]
    assert crawl.errors == [] and crawl.walk_stops == []
    assert crawl.column_status == "complete" and crawl.column_complete and crawl.finish_reason == "finished"
    lists = [r["url"] for r in crawl.records if r["kind"] == "list"]
    expected_lists = [module_settings.sample_site_url + p for p in _bigcolumn().list_pages()]
    assert sorted(lists) == sorted(expected_lists) and len(lists) >= 150


def test_every_article_is_archived_and_indexed_exactly_once(module_settings, runs, truth, es):
    first, _ = runs
    archive = Archive(module_settings)
    records = archive.get_json_or_none(run_key(archive.prefix, "big-run-1", SITE, "crawl.json"))["records"]
    assert max(Counter(r["url"] for r in records).values()) == 1  # nothing fetched twice
    docs = list(archive.iter_documents(SITE))
    assert sorted(d.url for d in docs) == sorted(truth) and len(docs) == len(truth) >= 3000
    for doc in docs:
        expected = truth[doc.url]
        assert doc.id == doc_id_for(doc.url)
        assert (doc.title, doc.publish_date, doc.doc_number) == (
            expected["title"], expected["publish_date"], expected["doc_number"]), doc.url
        assert doc.body == expected["body"], doc.url
    assert first["parse"].errors == [] and first["archive"].documents_new == len(truth)
    assert first["index"].documents_indexed == len(truth)
    assert index.count(es, module_settings.es_alias) == len(truth)


def test_the_next_days_incremental_crawl_of_the_unchanged_column_sends_at_most_a_tenth_of_the_requests(runs):
    first, second = runs
    crawl = second["crawl"]
    assert not crawl.full_sweep and crawl.column_status == "stopped_at_known" and crawl.errors == []
    assert crawl.requests <= 0.10 * first["crawl"].requests, (crawl.requests, first["crawl"].requests)
    assert second["archive"].documents_written == 0 and second["parse"].errors == []
