"""(issue 14, a) Elasticsearch unreachable for a whole DAG run — every index task fails after
its retries — then reachable again: the next DAG run leaves every archived document
searchable exactly once with its cluster fields, although no article changed in between.
Elasticsearch "goes away" behind a TCP proxy of this test; counted against the archive."""

import json

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.archive.clusters import load_pending
from govpub.settings import REPO_ROOT
from tests.dags.airflow_cli import airflow_test_env, run_dag_test
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.test_convergence import assert_index_matches_archive

pytestmark = [pytest.mark.services, pytest.mark.airflow]

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITES = ["fanwen", "jintan-jyj"]  # fanwen reposts a jintan article: a cross-site cluster
WANTED = sum(1 for a in MANIFEST["articles"] if a["site"] in SITES)


@pytest.fixture(scope="module")
def two_runs(module_settings, tmp_path_factory, es):
    proxy = TcpProxy.in_front_of(module_settings.es_url)
    try:
        env = airflow_test_env(module_settings.with_overrides(es_url=proxy.url), tmp_path_factory.mktemp("airflow"))
        proxy.stop()
        first = run_dag_test(env, conf={"sites": SITES})
        figures = {"archive": len(Archive(module_settings).document_entries()),
                   "index": index.count(es, module_settings.es_alias),
                   "pending": len(load_pending(Archive(module_settings)))}
        proxy.restart()
        second = run_dag_test(env, conf={"sites": SITES})
    finally:
        proxy.stop()
    return first, figures, second


def test_every_index_task_fails_while_elasticsearch_is_away(two_runs):
    first, figures, _ = two_runs
    output = first.stdout + first.stderr
    assert first.returncode != 0
    for site in SITES:
        assert output.count(f"[{site}] archived") == 1 and f"[{site}] indexed" not in output
    assert "Elasticsearch not reachable at" in output
    assert figures["archive"] == WANTED and figures["index"] == 0
    assert figures["pending"] > 0  # the clusters task stored clusters it could not write to the index


def test_the_next_run_makes_every_archived_document_searchable_once(two_runs, module_settings, es):
    _, _, second = two_runs
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-4000:]
    for site in SITES:
        assert f"[{site}] archived 0 new, 0 changed documents" in output  # nothing new to index …
    assert assert_index_matches_archive(module_settings, es) == WANTED  # … yet all of it is in the index
    assert load_pending(Archive(module_settings)) == []
    assert f"reconcile: [all sites] archive {WANTED}, index {WANTED} → {WANTED}" in output
