"""Through real Airflow: the crawl DAG run twice over an unchanged site gives identical document
objects and index counts (the second run is incremental and writes no document), and
`airflow dags test govpub_export` writes a Parquet snapshot that follows the contract, and
`airflow dags test govpub_reindex` rebuilds the index from S3 into a new index behind the alias."""

import pytest

from govpub import index
from govpub.archive import Archive
from govpub_dev.contract import validate_archive
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]

SITE = "jintan-jyj"


def documents(archive):
    return {k: archive.get_bytes(k) for k in archive.list_keys("documents/")}


@pytest.fixture(scope="module")
def runs(module_settings, es, tmp_path_factory):
    archive = Archive(module_settings)
    env = airflow_test_env(module_settings, tmp_path_factory.mktemp("airflow"))
    first = run_dag_test(env, conf={"sites": [SITE]})
    after_first = (documents(archive), index.count(es, module_settings.es_alias))
    second = run_dag_test(env, conf={"sites": [SITE]})
    after_second = (documents(archive), index.count(es, module_settings.es_alias))
    export = run_dag_test(env, dag_id="govpub_export")
    before_reindex = index.alias_indices(es, module_settings.es_alias)
    reindex = run_dag_test(env, dag_id="govpub_reindex")
    after_reindex = (index.alias_indices(es, module_settings.es_alias), index.count(es, module_settings.es_alias))
    return {"first": first, "second": second, "export": export, "after_first": after_first,
            "after_second": after_second, "reindex": reindex, "before_reindex": before_reindex,
            "after_reindex": after_reindex}


def test_both_crawl_runs_succeed(runs):
    for name in ("first", "second"):
        result = runs[name]
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "incremental" in runs["second"].stdout + runs["second"].stderr


def test_second_run_gives_identical_objects_and_index_counts(runs):
    docs_first, count_first = runs["after_first"]
    docs_second, count_second = runs["after_second"]
    assert count_first == count_second == sum(1 for k in docs_first if k.endswith("/latest.json")) > 0
    assert docs_second == docs_first


def test_run_manifests_count_the_second_run_as_unchanged(module_settings, runs):
    archive = Archive(module_settings)
    manifests = sorted(k for k in archive.list_keys("runs/") if k.endswith(f"/{SITE}/manifest.json"))
    assert len(manifests) == 2
    counts = [archive.get_json_or_none(k)["counts"] for k in manifests]
    new_counts = sorted(c["new"] for c in counts)
    assert new_counts[0] == 0 and new_counts[1] > 0
    assert any(c["unchanged"] > 0 and c["new"] == c["changed"] == 0 for c in counts)


def test_export_dag_writes_a_snapshot_following_the_contract(module_settings, runs):
    result = runs["export"]
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    archive = Archive(module_settings)
    keys = list(archive.list_keys("exports/"))
    assert any(k.endswith(".parquet") and f"/site={SITE}/" in k for k in keys)
    checked = validate_archive(archive)
    assert checked["exports/latest.json"] == 1 and checked["runs/*/*/manifest.json"] == 2


def test_reindex_dag_moves_the_alias_to_a_rebuilt_index_with_every_document(module_settings, runs):
    result = runs["reindex"]
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    indices, count = runs["after_reindex"]
    assert len(indices) == 1 and indices != runs["before_reindex"]  # a new index, the old one dropped
    latest = [k for k in Archive(module_settings).list_keys("documents/") if k.endswith("/latest.json")]
    assert count == len(latest) == runs["after_second"][1] > 0
