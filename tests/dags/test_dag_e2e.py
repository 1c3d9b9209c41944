"""End to end through real Airflow: `airflow dags test govpub_crawl` against the sample site,
real S3 and real Elasticsearch; then a Chinese phrase search finds a document of every site."""

import json
import os
import subprocess

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.config import REPO_ROOT
from govpub.pipeline import settings_to_env
from govpub.schema import doc_id_for

pytestmark = [pytest.mark.services, pytest.mark.airflow]

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITES = sorted({a["site"] for a in MANIFEST["articles"]})


@pytest.fixture(scope="module")
def airflow_run(module_settings, tmp_path_factory):
    from govpub import services

    home = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        **services.airflow_env(module_settings),
        **settings_to_env(module_settings),
        # A home of the test's own: the demo's Airflow database never sees test runs.
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
    }
    migrate = subprocess.run(["airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    result = subprocess.run(
        ["airflow", "dags", "test", "govpub_crawl"],
        env=env, capture_output=True, text=True, timeout=900, cwd=str(REPO_ROOT),
    )
    return result


def test_dag_run_succeeds(airflow_run):
    output = airflow_run.stdout + airflow_run.stderr
    assert airflow_run.returncode == 0, output[-4000:]
    assert "state=failed" not in output.replace("state=failed\n", "") or "DagRun Finished" in output
    assert "success" in output


def test_every_task_of_every_site_ran(airflow_run):
    output = airflow_run.stdout + airflow_run.stderr
    # Each site's crawl ran Scrapy in a child process and logged through the task.
    for site in SITES:
        assert f"[{site}] fetched" in output, f"no crawl log for {site}"
        assert f"[{site}] indexed" in output, f"no index log for {site}"


def test_archive_and_index_hold_every_sample_article(module_settings, airflow_run, es):
    archive = Archive(module_settings)
    documents = list(archive.iter_documents())
    assert len(documents) == len(MANIFEST["articles"])
    assert index.count(es, module_settings.es_alias) == len(MANIFEST["articles"])
    raw = list(archive.list_keys("raw/"))
    assert {key.split("/")[1] for key in raw} == set(SITES)


@pytest.mark.parametrize("site_id", SITES)
def test_phrase_search_finds_a_document_of_each_site(module_settings, airflow_run, es, site_id):
    article = next(a for a in MANIFEST["articles"] if a["site"] == site_id and not a.get("attachments"))
    result = index.search(es, module_settings.es_alias, f'"{article["phrase"]}"')
    expected = doc_id_for(module_settings.sample_site_url + article["url"])
    assert expected in [hit.id for hit in result.hits], f'"{article["phrase"]}" did not find {article["url"]}'
    hit = next(h for h in result.hits if h.id == expected)
    assert any("<em>" in h for h in hit.highlights)
