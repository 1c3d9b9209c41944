"""The archive over several crawls of a private, edited copy of the sample site (real HTTP,
real S3, real Elasticsearch): versions, deletions, incremental re-crawls, duplicate clusters,
run manifests, JSON Schemas, reindex, reparse and the Parquet export."""

from __future__ import annotations

import json
import threading

import pytest

from govpub import index
from govpub.search import engine
from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from govpub_dev.contract import validate_archive
from govpub.archive.clusters import load_clusters
from govpub.pipeline.clusters import update_clusters
from govpub.archive import manifest_key
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_steps
from govpub_dev.samplesite import make_server
from govpub.schema import Document, doc_id_for
from govpub_dev import sampleedit

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
# The three original bureaus: the lifecycle is the same for every list mechanism, and four runs
# over all seven would double this module's time (tests/integration/test_onboarding.py recrawls
# one bureau per mechanism).
SITES = ["fanwen", "jintan-jyj", "longwan-jyj"]
TOTAL = sum(a["site"] in SITES for a in MANIFEST["articles"])
QUERIES = ["课后服务", '"工作要点"', "龙湾 教育", "安全 -食品", "金坛"]
GONE = "longwan/xxgk/jhzj/202405/t20240508_1234567.html"  # on longwan list page 1
VANISHING = "fanwen/jihua/2019/0410/12788.html"  # on fanwen list page 2


@pytest.fixture(scope="module")
def site_copy(tmp_path_factory):
    root = sampleedit.copy_sample_site(tmp_path_factory.mktemp("sample"))
    server = make_server("127.0.0.1", 0, root, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, server.url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def settings(module_settings, site_copy):
    return module_settings.with_overrides(sample_site_url=site_copy[1])


def run_all(settings, run_id, day, full_sweep=None):
    rows = {}
    for site_id in SITES:
        steps = run_steps(RunContext(settings, echo=lambda line: None), site_id, run_id, day, full_sweep)
        rows[site_id] = {**steps.summary().to_dict(), "requests": steps.crawl.requests}
    update_clusters(RunContext(settings, echo=lambda line: None))
    return rows


def search_ids(es, settings, ordered=False):
    """Query → (total, hit ids). Unordered by default: the live index's BM25 statistics still count
    overwritten (deleted) copies, a freshly built one does not, so close scores may swap places."""
    return {q: (r.total, [h.id for h in r.hits] if ordered else sorted(h.id for h in r.hits)) for q in QUERIES
            for r in [engine.search(es, settings.es_alias, q, size=50)]}


@pytest.fixture(scope="module")
def history(settings, site_copy, s3, es):
    root, url = site_copy
    archive = Archive(settings)
    first = run_all(settings, "run-1", "2026-11-20")
    docs_after_first = {k: archive.get_bytes(k) for k in archive.list_keys("documents/")}
    second = run_all(settings, "run-2", "2026-11-21")
    docs_after_second = {k: archive.get_bytes(k) for k in archive.list_keys("documents/")}
    sampleedit.change_article(root)
    new_path = sampleedit.add_article(root)
    sampleedit.delete_article(root, GONE)
    third = run_all(settings, "run-3", "2026-11-22")
    sampleedit.drop_list_link(root, "fanwen/jihua/list_2.html", VANISHING.rsplit("/", 1)[-1])
    fourth = run_all(settings, "run-4", "2026-11-23", full_sweep=True)
    return {"url": url, "runs": [first, second, third, fourth], "new_path": new_path,
            "docs_after_first": docs_after_first, "docs_after_second": docs_after_second}


def test_first_crawl_archives_every_article_as_version_1(settings, history):
    archive = Archive(settings)
    first = history["runs"][0]
    assert sum(r["documents_new"] for r in first.values()) == TOTAL
    entries = archive.document_entries()
    assert len(entries) >= TOTAL
    some = next(iter(entries.values()))
    assert archive.exists(f"documents/{some.site}/{some.id}/v1.json")


def test_unchanged_recrawl_is_incremental_and_writes_no_document(settings, history):
    first, second = history["runs"][0], history["runs"][1]
    assert history["docs_after_second"] == history["docs_after_first"]
    for site_id in SITES:
        assert second[site_id]["documents_written"] == 0
        assert second[site_id]["documents_not_modified"] > 0
        assert second[site_id]["errors"] == []
        assert second[site_id]["requests"] < first[site_id]["requests"]
    assert sum(r["bytes_fetched"] for r in second.values()) < 0.1 * sum(r["bytes_fetched"] for r in first.values())


def test_changed_and_new_articles_are_picked_up(settings, history, es):
    archive = Archive(settings)
    third = history["runs"][2]["longwan-jyj"]
    assert third["documents_new"] == 1 and third["documents_changed"] == 1
    changed_id = doc_id_for(history["url"] + "/" + sampleedit.LONGWAN_FIRST)
    assert archive.versions_of("longwan-jyj", changed_id) == [1, 2]
    v1, latest = archive.get_version("longwan-jyj", changed_id, 1), archive.get_document("longwan-jyj", changed_id)
    assert "更正" in latest.body and "更正" not in v1.body
    source = es.get(index=settings.es_alias, id=changed_id)["_source"]
    assert source["version"] == 2
    result = engine.search(es, settings.es_alias, f'"{sampleedit.NEW_PHRASE}"')
    assert [h.id for h in result.hits] == [doc_id_for(history["url"] + "/" + history["new_path"])]


def test_a_404_is_recorded_as_deleted_and_stays_searchable(settings, history, es):
    archive = Archive(settings)
    gone_id = doc_id_for(history["url"] + "/" + GONE)
    status = archive.get_status("longwan-jyj", gone_id)
    assert status["status"] == "deleted" and status["status_date"] == "2026-11-22" and status["reason"] == "http:404"
    assert history["runs"][2]["longwan-jyj"]["documents_deleted"] == 1
    assert archive.get_document("longwan-jyj", gone_id) is not None  # never dropped
    source = es.get(index=settings.es_alias, id=gone_id)["_source"]
    assert source["status"] == "deleted" and source["status_date"] == "2026-11-22"
    # A 404 of a known article is a fact, not a crawl error.
    assert history["runs"][2]["longwan-jyj"]["errors"] == []


def test_an_article_that_left_its_column_is_deleted_on_a_full_sweep(settings, history, es):
    archive = Archive(settings)
    vanished_id = doc_id_for(history["url"] + "/" + VANISHING)
    status = archive.get_status("fanwen", vanished_id)
    assert status["status"] == "deleted" and status["reason"] == "vanished"
    assert status["status_date"] == "2026-11-23"
    assert es.get(index=settings.es_alias, id=vanished_id)["_source"]["status"] == "deleted"


def test_duplicate_clusters_name_the_official_source(settings, history, es):
    clusters = load_clusters(Archive(settings))["clusters"]
    expected = {
        (doc_id_for(history["url"] + a["url"]), doc_id_for(history["url"] + a["repost_of"]))
        for a in MANIFEST["articles"] if a.get("repost_of") and not a["repost_of"].endswith(GONE.rsplit("/", 1)[-1])
    }
    found = {(m["id"], c["canonical_id"]) for c in clusters for m in c["members"] if m["id"] != c["canonical_id"]}
    assert expected <= found
    for repost, canonical in expected:
        source = es.get(index=settings.es_alias, id=repost)["_source"]
        assert source["canonical_id"] == canonical and source["is_canonical"] is False
        assert es.get(index=settings.es_alias, id=canonical)["_source"]["is_canonical"] is True


def test_run_manifests_list_every_object_with_checksums(settings, history):
    import hashlib

    archive = Archive(settings)
    manifest = archive.get_json_or_none(manifest_key("", "run-3", "longwan-jyj"))
    # List page 1 now holds a new article, so page 2 is walked too (14 known links: 1 changed,
    # 1 gone, 12 unchanged); page 2 holds only known articles, so page 3 is not fetched.
    assert manifest["counts"] == {"new": 1, "changed": 1, "unchanged": 12, "deleted": 1, "failed": 0}
    keys = {o["key"] for o in manifest["objects"]}
    assert any(k.startswith("raw/longwan-jyj/2026-11-22/") for k in keys)
    assert any(k.endswith("/v2.json") for k in keys)
    for obj in manifest["objects"]:
        if obj["key"].startswith(("documents/", "raw/")) and not obj["key"].endswith(("latest.json", "status.json")):
            data = archive.get_bytes(obj["key"])
            assert (len(data), hashlib.sha256(data).hexdigest()) == (obj["size"], obj["sha256"])


def test_every_json_object_matches_its_schema(settings, history):
    checked = validate_archive(Archive(settings))
    assert checked["documents/*/*/v*.json"] >= TOTAL
    assert checked["runs/*/*/manifest.json"] == 4 * len(SITES)


def test_rerunning_a_run_writes_no_new_object(settings, history, es):
    archive = Archive(settings)
    before = sorted(archive.list_keys(""))
    docs_before = {k: archive.get_bytes(k) for k in before if k.startswith(("documents/", "clusters/", "state/"))}
    count = index.count(es, settings.es_alias)
    run_all(settings, "run-4", "2026-11-23", full_sweep=True)
    assert sorted(archive.list_keys("")) == before
    assert {k: archive.get_bytes(k) for k in docs_before} == docs_before
    assert index.count(es, settings.es_alias) == count


def test_reindex_from_s3_gives_identical_results(settings, history, es):
    from govpub.pipeline.rebuild import rebuild_index

    archive = Archive(settings)
    before = search_ids(es, settings)
    assert any(total for total, _ in before.values())
    index.delete_alias_and_indices(es, settings.es_alias)
    result = rebuild_index(settings, echo=lambda line: None, rebuild_id="t1")
    assert result["index"] == f"{settings.es_alias}-v{index.mapping_version()}-t1"
    assert index.count(es, settings.es_alias) == len(archive.document_entries())
    assert search_ids(es, settings) == before
    rebuilt = search_ids(es, settings, ordered=True)
    # A second rebuild swaps the alias to a new index and drops the old one; same ranking.
    second = rebuild_index(settings, echo=lambda line: None, rebuild_id="t2")
    assert index.alias_indices(es, settings.es_alias) == [second["index"]] and second["previous"] == [result["index"]]
    assert search_ids(es, settings, ordered=True) == rebuilt


def test_an_index_of_an_older_mapping_is_refused_before_any_write_then_rebuilt(settings, history, es):
    """An alias left at an older mapping version (an upgrade): writes refuse with a one-line
    `govpub reindex` hint, `govpub status` says so, and the rebuild from S3 moves the alias."""
    from govpub.ops import health
    from govpub.pipeline.rebuild import rebuild_index

    alias, current = settings.es_alias, index.load_mapping()
    old_version = index.mapping_version(current) - 1
    old = {**current, "_meta": {**current["_meta"], "version": old_version},
           "mappings": {**current["mappings"], "properties": {
               k: v for k, v in current["mappings"]["properties"].items() if not k.startswith("attributed_")}}}
    index.delete_alias_and_indices(es, alias)
    assert index.ensure_index(es, alias, old) == f"{alias}-v{old_version}"
    doc = Document.from_json(Archive(settings).get_bytes(next(
        k for k in Archive(settings).list_keys("documents/") if k.endswith("/latest.json"))))

    with pytest.raises(index.IndexOutdated, match=rf"mapping v{old_version}, this govpub writes v{old_version + 1}: "
                                                  r"run `govpub reindex`"):
        index.bulk_index(es, alias, [doc], refresh=True)
    with pytest.raises(index.IndexOutdated):
        index.update_overlays(es, alias, {doc.id: {"cluster": "x"}})
    assert index.count(es, alias) == 0  # nothing was written
    assert "run `govpub reindex`" in health.collect(settings)[2]

    rebuild_index(settings, echo=lambda line: None, rebuild_id="upgrade")
    assert index.outdated(es, alias) is None
    assert index.alias_indices(es, alias) == [f"{alias}-v{old_version + 1}-upgrade"]
    assert index.count(es, alias) == len(Archive(settings).document_entries())
    assert index.bulk_index(es, alias, [doc], refresh=True).indexed == 1


def test_reparse_without_parser_change_writes_nothing(settings, history):
    from govpub.pipeline.rebuild import reparse

    archive = Archive(settings)
    before = sorted(archive.list_keys("documents/"))
    result = reparse(settings, echo=lambda line: None)
    assert result["new"] == 0 and result["changed"] == 0 and result["unchanged"] == result["documents"] > TOTAL - 1
    assert sorted(archive.list_keys("documents/")) == before


def test_parquet_export_reads_with_pyarrow_and_duckdb(settings, history, tmp_path):
    import duckdb
    import pyarrow.dataset as ds

    from govpub.archive.export import download_snapshot, export_snapshot

    archive = Archive(settings)
    first = export_snapshot(settings, echo=lambda line: None)
    assert first["written"]
    keys = sorted(archive.list_keys("exports/"))
    assert export_snapshot(settings, echo=lambda line: None)["written"] is False
    assert sorted(archive.list_keys("exports/")) == keys
    manifest = download_snapshot(archive, tmp_path)
    total = len(archive.document_entries())
    table = ds.dataset(tmp_path / "documents", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == manifest["documents"] == total
    assert set(table.column("site").to_pylist()) == set(SITES)
    rows = duckdb.sql(
        f"select site, count(*) n, sum(case when status = 'deleted' then 1 else 0 end) d "
        f"from read_parquet('{tmp_path}/documents/*/*.parquet', hive_partitioning = true) group by site order by site"
    ).fetchall()
    assert sum(n for _, n, _ in rows) == total and sum(d for _, _, d in rows) == 2
    assert [site for site, _, _ in rows] == SITES
    # the appended attribution columns: the fanwen reposts of official documents carry their issuer
    attributed = duckdb.sql(
        f"select count(*) from read_parquet('{tmp_path}/documents/*/*.parquet', hive_partitioning = true) "
        f"where site = 'fanwen' and not is_canonical and attributed_agency <> agency").fetchall()[0][0]
    reposts = sum(1 for c in load_clusters(archive)["clusters"] if c.get("attribution")
                  for m in c["members"] if m["site"] == "fanwen" and m["id"] != c["canonical_id"])
    assert attributed == reposts > 0
    assert manifest["columns"][-4:] == ["attributed_agency", "attributed_region", "attributed_doc_number", "site"]
