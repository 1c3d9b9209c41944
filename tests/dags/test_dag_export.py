"""`airflow dags test govpub_export` against real S3: the Parquet snapshot and its pointer appear
and follow their schemas; a second run writes nothing new."""

import pytest

from govpub.archive import Archive
from govpub.contract import validate_archive
from govpub.pipeline import archive_site, crawl_site, index_site, parse_site
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]


@pytest.fixture(scope="module")
def exported(module_settings, tmp_path_factory):
    crawl = crawl_site(module_settings, "jintan-jyj", "export-test", "2026-11-23", echo=lambda line: None)
    index_site(module_settings, archive_site(module_settings, parse_site(module_settings, crawl, echo=lambda l: None),
                                             echo=lambda l: None), echo=lambda l: None)
    env = airflow_test_env(module_settings, tmp_path_factory.mktemp("airflow"))
    first = run_dag_test(env, dag_id="govpub_export")
    keys = sorted(Archive(module_settings).list_keys("exports/"))
    second = run_dag_test(env, dag_id="govpub_export")
    return first, second, keys


def test_export_dag_writes_a_snapshot(module_settings, exported):
    first, _, keys = exported
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    assert "exports/latest.json" in keys
    assert any(k.endswith(".parquet") and "/site=jintan-jyj/" in k for k in keys)
    assert validate_archive(Archive(module_settings))["exports/latest.json"] == 1


def test_second_export_run_writes_nothing(module_settings, exported):
    _, second, keys = exported
    assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
    assert sorted(Archive(module_settings).list_keys("exports/")) == keys
