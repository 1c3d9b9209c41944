"""The typed step results: XCom round trip, step records against the archive contract, status rules."""

import json

from govpub_dev.contract import validate
from govpub.pipeline.results import ArchiveResult, CrawlResult, IndexResult, ParseResult, SiteSummary
from govpub.pipeline.statuses import deleted_articles, seen_again

LIST = {"url": "http://x/col/index.html", "kind": "list", "status": 200, "links": ["http://x/a.html"], "next": None,
        "key": "raw/s/2026-11-23/r1-00000.warc.gz", "offset": 0, "length": 10, "record_id": "<urn:uuid:1>"}


def crawl(**changes) -> CrawlResult:
    values = dict(
        site="s", run_id="r1", crawl_date="2026-11-23", pages_fetched=2, bytes_fetched=100, articles_found=1,
        warc_keys=["raw/s/2026-11-23/r1-00000.warc.gz"], errors=[], skipped=[], finish_reason="finished",
        seconds=1.5, full_sweep=True, column_complete=True, not_modified=0, requests=2, wire_bytes=120, gone=[],
        records=[LIST], listed=["http://x/a.html"], stopped_paging=[],
        objects=[{"key": "raw/s/2026-11-23/r1-00000.warc.gz", "size": 10, "sha256": "0" * 64}],
    )
    values.update(changes)
    return CrawlResult(**values)


def test_the_xcom_holds_keys_and_counts_and_round_trips_as_json():
    result = crawl(state={"articles": {}})
    data = json.loads(json.dumps(result.to_dict()))
    assert not {"records", "listed", "objects", "state"} & set(data)
    again = CrawlResult.from_dict(data)
    assert again.to_dict() == data and again.records is None
    assert CrawlResult.from_dict({**data, "added_later": 1}).to_dict() == data  # unknown keys are ignored


def test_step_records_follow_the_archive_contract():
    record = crawl().to_record()
    validate(record, "run-crawl.schema.json")
    assert CrawlResult.from_record(record).to_record() == record
    parsed = ParseResult(site="s", run_id="r1", parsed_key="runs/r1/s/parsed.jsonl.gz", articles_found=1,
                         documents_parsed=1, documents_not_modified=0, errors=[], seconds=0.1, objects=[])
    validate(parsed.to_record(), "run-parse.schema.json")
    archived = ArchiveResult(
        site="s", run_id="r1", documents_new=1, documents_changed=0, documents_written=1, documents_unchanged=0,
        documents_not_modified=0, documents_deleted=0, documents_restored=0, documents_failed=0, seconds=0.2,
        manifest_key="runs/r1/s/archive.json", document_keys=["documents/s/abc/latest.json"], objects=[],
    )
    record = archived.to_record()
    validate(record, "run-archive.schema.json")
    assert "manifest_key" not in record and "document_keys" not in archived.to_dict()
    assert ArchiveResult.from_record(record, archived.manifest_key).to_record() == record
    validate(IndexResult(site="s", run_id="r1", documents_indexed=1, errors=[], seconds=0.3).to_record(),
             "run-index.schema.json")


def test_a_crawl_succeeded_when_some_column_page_answered():
    assert crawl().succeeded
    assert crawl(records=[{**LIST, "status": 304}]).succeeded
    assert not crawl(records=[{**LIST, "status": 503}, {"url": "http://x/a.html", "kind": "article", "status": 200}]).succeeded
    assert CrawlResult.from_dict(crawl(records=[]).to_dict()).succeeded  # only the XCom known: a finished crawl


def test_deleted_and_seen_again_rules():
    known = {u: {"id": u[-6:], "status": s} for u, s in
             [("http://x/gone.html", "active"), ("http://x/left.html", "active"), ("http://x/back.html", "deleted"),
              ("http://x/a.html", "active")]}
    result = crawl(gone=[{"url": "http://x/gone.html", "status": 410}],
                   records=[LIST, {**LIST, "url": "http://x/back.html", "kind": "article", "status": 304}])
    # a.html: stored this run; back.html: already deleted
    assert deleted_articles(result, known, stored={"http://x/a.html": {}}) == [
        ("http://x/gone.html", "http:410"), ("http://x/left.html", "vanished")]
    # an incremental crawl sees only part of the column: nothing vanishes
    assert deleted_articles(crawl(full_sweep=False, gone=[]), known, {}) == []
    assert seen_again(result, known, stored={}) == ["http://x/back.html"]


def test_the_site_summary_has_quality_issues_only_when_checked():
    summary = SiteSummary(site="s", run_id="r1", pages_fetched=1, bytes_fetched=1, articles_found=1,
                          documents_parsed=1, documents_written=1, documents_unchanged=0, documents_new=1,
                          documents_changed=0, documents_not_modified=0, documents_deleted=0, documents_indexed=1,
                          errors=[])
    assert "quality_issues" not in summary.to_dict()
    summary.quality_issues = []
    assert summary.to_dict()["quality_issues"] == []
