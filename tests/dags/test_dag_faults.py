"""A dead site in the registry: its own task group fails after bounded retries, the run is
marked failed (so alerting sees it), and every document of the healthy sites is still
archived and indexed."""

import json
import shutil

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))

DEAD_SITE = """
[[site]]
id = "dead-bureau"
name = "一个已经下线的教育局网站"
agency = "某县教育局"
kind = "official"
allowed_domains = ["127.0.0.1"]
start_urls = ["http://127.0.0.1:9/xxgk/index.html"]   # discard port: nothing listens
download_delay = 0
[site.links]
article = "ul.list a"
"""


@pytest.fixture(scope="module")
def faulty_run(module_settings, tmp_path_factory):
    registry = tmp_path_factory.mktemp("sites")
    shutil.copy(REPO_ROOT / "sites" / "sample.toml", registry / "sample.toml")
    (registry / "dead.toml").write_text(DEAD_SITE, encoding="utf-8")
    settings = module_settings.with_overrides(sites_dir=registry)
    env = airflow_test_env(settings, tmp_path_factory.mktemp("airflow"))
    return settings, run_dag_test(env, conf={"sites": ["dead-bureau", "longwan-jyj", "jintan-jyj"]})


def test_run_fails_and_names_the_dead_site(faulty_run):
    _, result = faulty_run
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "dead-bureau: no column page could be fetched" in output
    assert "1 of 3 sites failed: dead-bureau" in output


def test_crawl_of_the_dead_site_was_retried_a_bounded_number_of_times(faulty_run):
    _, result = faulty_run
    output = result.stdout + result.stderr
    attempts = output.count("[dead-bureau] crawling")
    assert attempts == 3, f"expected 1 try + 2 retries, saw {attempts}"


def test_healthy_sites_lose_nothing(faulty_run, es):
    settings, _ = faulty_run
    wanted = [a for a in MANIFEST["articles"] if a["site"] in ("longwan-jyj", "jintan-jyj")]
    documents = list(Archive(settings).iter_documents())
    assert sorted(d.url for d in documents) == sorted(settings.sample_site_url + a["url"] for a in wanted)
    assert index.count(es, settings.es_alias) == len(wanted)
