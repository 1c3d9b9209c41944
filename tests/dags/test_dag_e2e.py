"""End to end through real Airflow: `airflow dags test govpub_crawl` against the sample site,
real S3 and real Elasticsearch; then a Chinese phrase search finds a document of every site."""

import json

import pytest

from govpub import index
from govpub.search import engine
from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from govpub.schema import doc_id_for
from govpub_dev.sample_truth import manifest_articles, mismatches
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITES = sorted({a["site"] for a in MANIFEST["articles"]})


@pytest.fixture(scope="module")
def airflow_run(module_settings, tmp_path_factory):
    s = module_settings
    # A home of the test's own: the demo's Airflow database never sees test runs.
    env = airflow_test_env(
        s,
        tmp_path_factory.mktemp("airflow"),
        # The environment points at dead endpoints; the Airflow connections name the real ones,
        # so the run only succeeds if tasks take their endpoints from the connections.
        GOVPUB_ES_URL="http://127.0.0.1:1",
        GOVPUB_S3_ENDPOINT="http://127.0.0.1:1",
        AIRFLOW_CONN_GOVPUB_ES=json.dumps({"conn_type": "http", "host": s.es_url}),
        AIRFLOW_CONN_GOVPUB_S3=json.dumps(
            {"conn_type": "aws", "login": s.s3_access_key, "password": s.s3_secret_key,
             "extra": {"endpoint_url": s.s3_endpoint, "bucket": s.s3_bucket}}
        ),
    )
    # Every site of the manifest's articles: the registry's 3,000-article column (tagged large)
    # has its own test (tests/integration/test_big_column.py).
    return run_dag_test(env, conf={"sites": SITES})


def test_dag_run_succeeds(airflow_run):
    output = airflow_run.stdout + airflow_run.stderr
    assert airflow_run.returncode == 0, output[-4000:]
    finished = [line for line in output.splitlines() if "DagRun Finished" in line]
    assert finished and "state=success" in finished[-1], output[-4000:]


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
    result = engine.search(es, module_settings.es_alias, f'"{article["phrase"]}"')
    expected = doc_id_for(module_settings.sample_site_url + article["url"])
    assert expected in [hit.id for hit in result.hits], f'"{article["phrase"]}" did not find {article["url"]}'
    hit = next(h for h in result.hits if h.id == expected)
    assert any("<em>" in h for h in hit.highlights)


def test_every_indexed_document_matches_the_manifest_line_by_line(module_settings, airflow_run, es):
    """Title, date, source, 发文字号, 索引号 exact and the body line by line, for every manifest article:
    what the pipeline indexed, not what `govpub parse` gives on one page (template learning runs over
    the whole crawl, so only this sees a watermark half-removed by the template)."""
    articles = manifest_articles()
    reports = mismatches(es, module_settings.es_alias, module_settings.sample_site_url, articles)
    assert not reports, f"{len(reports)} of {len(articles)} documents differ from the manifest:\n" + "\n".join(reports)
