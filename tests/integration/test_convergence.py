"""The index converges to the archive (issue 14), on real services: `govpub crawl` while
Elasticsearch is unreachable, then the next run; `govpub reconcile` repairing an index that
lacks documents, holds a deleted one as active or has stale cluster fields; the clusters
outbox; the index_behind quality check. Elasticsearch "goes away" behind a TCP proxy of this
test (never the shared server). Everything is counted against the archive, not the run stats.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from elasticsearch import helpers

from govpub import cli, index
from govpub.archive import Archive
from govpub.archive.clusters import cluster_fields, load_clusters, load_pending, standalone
from govpub.archive.keys import clusters_key
from govpub.archive.versions import DocumentVersions
from govpub.index import IndexUnavailable
from govpub.ops.stats import record_site_run
from govpub.pipeline.clusters import update_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.crawl_step import crawl_site
from govpub.pipeline.steps import archive_site, index_site, parse_site
from govpub.schema import ATTRIBUTED_FROM, resolve_attribution
from govpub.settings import REPO_ROOT

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITES = sorted({a["site"] for a in MANIFEST["articles"]})
CLUSTER = ("cluster", "canonical_id", "is_canonical", "cluster_size")


def quiet(_line: str) -> None:
    pass


def run_cli(settings, *argv) -> tuple[int, str, str]:
    """`govpub …` in this process with `settings` as its environment: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.to_env().items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def indexed_sources(es, alias: str) -> dict[str, list[dict]]:
    """doc id → every `_source` the alias holds for it (a list, so a duplicate would show)."""
    index.refresh(es, alias)
    found: dict[str, list[dict]] = {}
    for hit in helpers.scan(es, index=alias, query={"query": {"match_all": {}}}):
        found.setdefault(hit["_id"], []).append(hit["_source"])
    return found


def assert_index_matches_archive(settings, es) -> int:
    """Every archived document in the index exactly once, at its version, with its status and
    cluster fields as the archive has them; returns the count."""
    archive = Archive(settings)
    versions = DocumentVersions.listed(archive)
    expected = versions.overlays()
    held = indexed_sources(es, settings.es_alias)
    assert sorted(held) == sorted(expected), "index ids differ from the archive's"
    assert all(len(sources) == 1 for sources in held.values())
    assert index.count(es, settings.es_alias) == len(expected)
    fields = cluster_fields(load_clusters(archive))
    for doc_id, overlay in expected.items():
        source = held[doc_id][0]
        # an attributed field the archive leaves None is the document's own value
        wanted = resolve_attribution({**{own: source.get(own) for own in ATTRIBUTED_FROM.values()}, **overlay})
        assert {k: source.get(k) for k in wanted} == wanted, doc_id
        assert {k: source[k] for k in CLUSTER} == {k: fields.get(doc_id, standalone(doc_id))[k] for k in CLUSTER}
    return len(expected)


@pytest.fixture(scope="module")
def cli_outage(module_settings, es_proxy, es):
    """(b) `govpub crawl` of every sample site with Elasticsearch unreachable, then again with it back."""
    settings = module_settings.with_overrides(es_url=es_proxy.url)
    figures = {}
    es_proxy.stop()
    failed = [run_cli(settings, "crawl", site, "--run-id", "c1") for site in SITES]
    figures["archive_after_c1"] = len(Archive(module_settings).document_entries())
    figures["index_after_c1"] = index.count(es, module_settings.es_alias)
    es_proxy.restart()
    recovered = [run_cli(settings, "crawl", site, "--run-id", "c2", "--json") for site in SITES]
    return settings, failed, recovered, figures


def test_crawl_with_elasticsearch_down_fails_at_the_index_step(cli_outage):
    settings, failed, _, figures = cli_outage
    for code, _out, err in failed:
        assert code == 2 and f"Elasticsearch not reachable at {settings.es_url}" in err
    assert figures == {"archive_after_c1": len(MANIFEST["articles"]), "index_after_c1": 0}


def test_the_next_crawl_indexes_everything_the_failed_one_archived(cli_outage, module_settings, es):
    _, _, recovered, _ = cli_outage
    summaries = [json.loads(out) for code, out, _ in recovered]
    assert [code for code, _, _ in recovered] == [0] * len(SITES)
    assert sum(s["documents_written"] for s in summaries) == 0  # nothing new: every article is unchanged
    assert sum(s["documents_indexed"] for s in summaries) == len(MANIFEST["articles"])
    assert assert_index_matches_archive(module_settings, es) == len(MANIFEST["articles"])
    held = indexed_sources(es, module_settings.es_alias).values()
    assert any(sources[0]["cluster_size"] > 1 for sources in held)  # the reposts are clustered


def test_status_shows_archive_and_index_figures_per_site(cli_outage, module_settings):
    code, out, _ = run_cli(module_settings, "status", "--json")
    sites = {s["site"]: s for s in json.loads(out)["sites"]}
    for site in SITES:
        wanted = sum(1 for a in MANIFEST["articles"] if a["site"] == site)
        last = sites[site]["last"]
        assert (last["archive_documents"], last["index_documents"], last["index_behind"]) == (wanted, wanted, 0)
        assert sites[site]["health"] == "ok", sites[site]
    assert code == 0


def test_reconcile_repairs_missing_deleted_and_stale_cluster_fields(cli_outage, module_settings, es):
    """(c) an index holding a document the archive marks deleted, one it lost, one with stale
    cluster fields → `govpub reconcile` fixes exactly those, and a second pass finds nothing."""
    settings, alias = module_settings, module_settings.es_alias
    archive = Archive(settings)
    versions = DocumentVersions.listed(archive)
    active = sorted(i for i, e in versions.entries.items() if not e.has_status)
    deleted_id, lost_id = active[0], active[1]
    # a repost attributed to its official copy: its attributed fields converge with the cluster fields
    clustered, attributed = next((i, f) for i, f in sorted(cluster_fields(load_clusters(archive)).items())
                                 if i not in (deleted_id, lost_id) and f["attributed_agency"])
    entry = versions.entries[deleted_id]
    assert versions.set_status(entry.site, deleted_id, "deleted", "2026-11-30", "gone (404)", "test-reconcile")
    es.delete(index=alias, id=lost_id, refresh=True)
    es.update(index=alias, id=clustered, doc=standalone(clustered), refresh=True)
    assert es.get(index=alias, id=deleted_id)["_source"]["status"] == "active"

    code, out, _ = run_cli(settings, "reconcile", "--dry-run", "--json")
    dry = json.loads(out)
    assert (dry["missing"], dry["stale"], dry["status_pending"], dry["cluster_pending"]) == (1, 0, 1, 1)
    assert dry["indexed"] == dry["overlays_updated"] == 0 and code == 0

    code, out, _ = run_cli(settings, "reconcile")
    assert code == 0
    assert "1 missing and 0 stale indexed (1), 1 status and 1 cluster fields updated (2)" in out
    source = es.get(index=alias, id=deleted_id)["_source"]
    assert (source["status"], source["status_date"]) == ("deleted", "2026-11-30")
    repost = es.get(index=alias, id=clustered)["_source"]
    assert repost["attributed_agency"] == attributed["attributed_agency"] != repost["agency"]
    assert assert_index_matches_archive(settings, es) == len(MANIFEST["articles"])

    _, out, _ = run_cli(settings, "reconcile", "--json")
    again = json.loads(out)
    assert again["behind"] == again["status_pending"] == again["cluster_pending"] == again["indexed"] == 0


def test_cluster_fields_the_clusters_step_could_not_write_reach_the_index_next_time(
    cli_outage, module_settings, es_proxy, es
):
    settings, alias = module_settings.with_overrides(es_url=es_proxy.url), module_settings.es_alias
    archive = Archive(module_settings)
    fields = cluster_fields(load_clusters(archive))
    for doc_id in fields:  # the index as if it never got the cluster fields …
        es.update(index=alias, id=doc_id, doc=standalone(doc_id))
    archive.delete(clusters_key(archive.prefix))  # … and the archive before the clusters were first stored
    es_proxy.stop()
    try:
        with pytest.raises(IndexUnavailable):
            update_clusters(RunContext(settings, echo=quiet))
    finally:
        es_proxy.restart()
    assert sorted(load_pending(archive)) == sorted(fields)
    _, out, _ = run_cli(module_settings, "status")
    assert f"cluster fields of {len(fields)} documents not yet in the index" in out

    result = update_clusters(RunContext(settings, echo=quiet))
    assert (result.changed, result.index_updated) == (0, len(fields))  # nothing changed now; the outbox applied
    assert load_pending(archive) == []
    assert assert_index_matches_archive(module_settings, es) == len(MANIFEST["articles"])


def test_a_gap_that_outlives_two_runs_fails_the_index_behind_check(scoped_settings, es_proxy, es):
    site = "jintan-jyj"
    wanted = sum(1 for a in MANIFEST["articles"] if a["site"] == site)
    base = scoped_settings("gap")
    settings = base.with_overrides(es_url=es_proxy.url)
    records = []
    for run_id in ("g1", "g2"):  # Elasticsearch down during the index step, back for the check
        context = RunContext(settings, echo=quiet)
        archived = archive_site(context, parse_site(context, crawl_site(context, site, run_id, "2026-11-23")))
        es_proxy.stop()
        try:
            with pytest.raises(IndexUnavailable):
                index_site(RunContext(settings, echo=quiet), archived)
        finally:
            es_proxy.restart()
        records.append(record_site_run(settings, site, run_id, run_date="2026-11-23", echo=quiet))
    first, second = records
    assert (first.outcome, first.failed_step, first.archive_documents, first.index_documents) == ("failed", "index", wanted, 0)
    assert first.index_behind == wanted and first.quality_issues == []  # one failed run: retries may still catch up
    assert [i["check"] for i in second.quality_issues] == ["index_behind"]
    assert f"index behind archive by {wanted} documents for 2 runs in a row" in second.quality_issues[0]["message"]
    _, out, _ = run_cli(base, "status")
    assert f"index behind archive by {wanted}" in out

    context = RunContext(settings, echo=quiet)  # the next run with Elasticsearch up converges
    archived = archive_site(context, parse_site(context, crawl_site(context, site, "g3", "2026-11-23")))
    indexed = index_site(context, archived)
    assert (indexed.documents_indexed, indexed.documents_behind, indexed.index_documents) == (wanted, wanted, wanted)
    third = record_site_run(settings, site, "g3", run_date="2026-11-23", echo=quiet)
    assert (third.index_behind, third.quality_issues) == (0, [])
    assert index.count(es, base.es_alias) == wanted
