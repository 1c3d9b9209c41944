"""The whole pipeline for every sample site, in-process (the same functions the DAG calls):
the spider crawls the sample site over HTTP, raw WARC lands in real S3, documents are
parsed, archived and indexed in real Elasticsearch. Counted against sample_site/manifest.json.
"""

import json
from collections import Counter

import pytest

from govpub import index
from govpub.search import engine
from govpub.archive import Archive, run_key
from govpub.settings import REPO_ROOT
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_steps
from govpub.pipeline.crawl_step import crawl_site
from govpub.pipeline.steps import archive_site, index_site, parse_site
from govpub.pipeline.run import summarize_site
from govpub.schema import doc_id_for
from govpub.registry import load_sites

pytestmark = pytest.mark.services

@pytest.fixture(scope="module")
def settings(module_settings):
    return module_settings


MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SAMPLE_SITES = sorted({article["site"] for article in MANIFEST["articles"]})
RUN_ID = "test-run-1"


def expected_articles(site_id: str, base_url: str) -> dict[str, dict]:
    return {base_url + a["url"]: a for a in MANIFEST["articles"] if a["site"] == site_id}


def as_tasks(settings, site_id: str) -> dict:
    """The four steps as Airflow runs them: a fresh context per task, the XCom through JSON."""
    xcom = lambda result: type(result).from_dict(json.loads(json.dumps(result.to_dict())))  # noqa: E731
    task = lambda: RunContext(settings, echo=lambda line: None)  # noqa: E731
    crawl = xcom(crawl_site(task(), site_id, RUN_ID, "2026-11-23"))
    parsed = xcom(parse_site(task(), crawl))
    archived = xcom(archive_site(task(), parsed))
    index_task, reads = task(), []
    index_task.archive.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: reads.append(params["Key"]))
    indexed = xcom(index_site(index_task, archived))
    # the documents the run wrote come from its parsed batch (one GET), not one GET each
    assert [k for k in reads if k.endswith("latest.json")] == [] and archived.documents_written > 0
    return {"crawl": crawl, "parse": parsed, "archive": archived, "index": indexed}


def in_one_process(settings, site_id: str) -> dict:
    """The four steps as `govpub crawl` runs them: one context, each result handed on."""
    steps = run_steps(RunContext(settings, echo=lambda line: None), site_id, RUN_ID, "2026-11-23")
    return {"crawl": steps.crawl, "parse": steps.parse, "archive": steps.archive, "index": steps.index}


#: run as separate tasks; the other sites in one process (the tests below hold for both)
TASK_SITE = SAMPLE_SITES[0]


@pytest.fixture(scope="module")
def runs(settings, s3, es):
    """Run all four steps once for every sample site; keep every step's output."""
    return {site_id: (as_tasks if site_id == TASK_SITE else in_one_process)(settings, site_id)
            for site_id in SAMPLE_SITES}


def test_a_step_result_round_trips_through_its_xcom(runs):
    for site_id in SAMPLE_SITES:
        for step, result in runs[site_id].items():
            data = json.loads(json.dumps(result.to_dict()))
            assert type(result).from_dict(data).to_dict() == data, (site_id, step)
            assert "documents" not in data and "records" not in data  # keys and counts, never data


def test_sample_registry_matches_the_manifest(settings):
    assert set(SAMPLE_SITES) <= set(load_sites(settings.sites_dir))
    assert len(MANIFEST["articles"]) >= 30


@pytest.mark.parametrize("site_id", SAMPLE_SITES)
def test_every_crawl_ran_to_its_end_and_says_so(runs, site_id):
    # a crawl closed by a limit (closespider_*, a shutdown) names it; the sample columns end by themselves
    crawl = runs[site_id]["crawl"]
    assert crawl.finish_reason == "finished" and crawl.column_complete and not crawl.stopped_paging


@pytest.mark.parametrize("site_id", SAMPLE_SITES)
def test_spider_fetches_every_article_page_and_attachment(settings, runs, site_id):
    archive = Archive(settings)
    records = archive.get_json_or_none(run_key(archive.prefix, RUN_ID, site_id, "crawl.json"))["records"]
    fetched_ok = {r["url"] for r in records if r["status"] == 200}
    for url, article in expected_articles(site_id, settings.sample_site_url).items():
        for page in article["pages"]:
            assert settings.sample_site_url + page in fetched_ok, f"page not fetched: {page}"
        for attachment in article.get("attachments", []):
            assert settings.sample_site_url + attachment in fetched_ok, f"attachment not fetched: {attachment}"
    # Nothing fetched twice within one crawl (Scrapy's dupefilter + no loops).
    assert max(Counter(r["url"] for r in records).values()) == 1


def test_robots_txt_is_obeyed(settings, runs):
    archive = Archive(settings)
    fetched = set()
    for site_id in SAMPLE_SITES:
        crawl = archive.get_json_or_none(run_key(archive.prefix, RUN_ID, site_id, "crawl.json"))
        fetched |= {r["url"] for r in crawl["records"]}
    disallowed = [u for u in fetched if "/search/" in u or "/member/" in u]
    assert disallowed == []


@pytest.mark.parametrize("site_id", SAMPLE_SITES)
def test_raw_warc_in_s3_holds_every_fetched_response(settings, runs, site_id):
    from govpub.archive.warc import read_records

    archive = Archive(settings)
    crawl = runs[site_id]["crawl"]
    assert crawl.warc_keys, "no WARC written"
    count = 0
    for key in crawl.warc_keys:
        assert key.startswith(f"raw/{site_id}/2026-11-23/")
        with archive.spool(key) as spool:
            count += sum(1 for _ in read_records(spool))
    assert count == crawl.pages_fetched


@pytest.mark.parametrize("site_id", SAMPLE_SITES)
def test_every_article_becomes_one_archived_document(settings, runs, site_id):
    archive = Archive(settings)
    expected = expected_articles(site_id, settings.sample_site_url)
    docs = {d.url: d for d in archive.iter_documents(site_id)}
    assert set(docs) == set(expected)
    for url, article in expected.items():
        doc = docs[url]
        assert doc.id == doc_id_for(url)
        assert doc.body and doc.title
        assert doc.raw is not None and doc.raw.key in runs[site_id]["crawl"].warc_keys
        assert len(doc.page_urls) == len(article["pages"])
        assert article["phrase"] in doc.body.replace("\n", "") or article["phrase"] in doc.title or any(
            article["phrase"] in (a.text or "") for a in doc.attachments
        ), f"{url}: distinctive phrase missing"
    assert runs[site_id]["parse"].errors == []


def test_each_site_is_found_by_a_chinese_phrase_search(settings, runs, es):
    for site_id in SAMPLE_SITES:
        article = next(a for a in MANIFEST["articles"] if a["site"] == site_id)
        result = engine.search(es, settings.es_alias, f'"{article["phrase"]}"', site=site_id)
        assert doc_id_for(settings.sample_site_url + article["url"]) in [h.id for h in result.hits]


def test_rerun_is_idempotent(settings, runs, es):
    """Same run again: same objects, same documents, same index count, nothing new written.

    The re-run is incremental (the first run left a crawl state): known articles answer 304."""
    archive = Archive(settings)
    keys_before = sorted(archive.list_keys(""))
    count_before = index.count(es, settings.es_alias)
    for site_id in SAMPLE_SITES:
        context = RunContext(settings, echo=lambda line: None)
        crawl = crawl_site(context, site_id, RUN_ID, "2026-11-23")
        parsed = parse_site(context, crawl)
        archived = archive_site(context, parsed, crawl)
        indexed = index_site(context, archived)
        summary = summarize_site(crawl, parsed, archived, indexed)
        assert summary.documents_written == 0
        assert summary.documents_unchanged == summary.documents_not_modified > 0
        assert summary.documents_parsed == 0 and summary.errors == []
    assert sorted(archive.list_keys("")) == keys_before
    assert index.count(es, settings.es_alias) == count_before == len(MANIFEST["articles"])
