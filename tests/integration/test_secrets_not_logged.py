"""Credentials come only from the environment or Airflow connections and are never logged.

A private S3Proxy is started with random credentials (the shared one uses the defaults);
Elasticsearch gets a random basic-auth password (the local server has security off and
ignores it, but every client sends it). Then a crawl runs through the CLI (successfully
and against a dead endpoint, with --debug tracebacks) and through Airflow (`airflow dags
test`, credentials only in the connections); every byte of output and every file the run
left in AIRFLOW_HOME (task logs included) is searched for the secrets.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]

S3_SECRET = "s3secret-" + secrets.token_urlsafe(18)
ES_PASSWORD = "espass-" + secrets.token_urlsafe(18)
SECRETS = (S3_SECRET, ES_PASSWORD)
SITE = "jintan-jyj"


@pytest.fixture(scope="module")
def settings(module_settings, private_s3_factory):
    return private_s3_factory(
        module_settings, "secrets", s3_bucket="govpub-secrets-test",
        s3_access_key="key-" + secrets.token_hex(4), s3_secret_key=S3_SECRET,
        es_username="elastic", es_password=ES_PASSWORD,
    )


def _assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a credential appears in {where}"


def _govpub(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "govpub"), *args], env=env, capture_output=True,
                          text=True, timeout=300, cwd=str(REPO_ROOT))


def test_cli_crawl_never_prints_credentials(settings):
    env = {**os.environ, **settings.to_env(), "GOVPUB_SCRAPY_LOG_LEVEL": "DEBUG"}
    assert env["AWS_SECRET_ACCESS_KEY"] == S3_SECRET and env["GOVPUB_ES_PASSWORD"] == ES_PASSWORD
    ok = _govpub(env, "--debug", "crawl", SITE, "--run-id", "secrets-cli")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert f"[{SITE}] indexed" in ok.stdout + ok.stderr
    _assert_no_secret(ok.stdout + ok.stderr, "`govpub crawl` output")
    # A failing path prints the endpoint and the reason, with a traceback under --debug, never credentials.
    failed = _govpub({**env, "GOVPUB_S3_ENDPOINT": "http://127.0.0.1:1"}, "--debug", "crawl", SITE)
    assert failed.returncode != 0 and "127.0.0.1:1" in failed.stderr and "Traceback" in failed.stderr
    _assert_no_secret(failed.stdout + failed.stderr, "`govpub crawl` output with S3 down")


def test_airflow_run_never_logs_credentials(settings, tmp_path_factory, es):
    home = tmp_path_factory.mktemp("airflow-secrets")
    env = airflow_test_env(
        settings, home,
        # Only the connections hold the working credentials and endpoints.
        GOVPUB_ES_URL="http://127.0.0.1:1", GOVPUB_S3_ENDPOINT="http://127.0.0.1:1",
        AWS_ACCESS_KEY_ID="not-the-key", AWS_SECRET_ACCESS_KEY="not-the-secret", GOVPUB_ES_PASSWORD="",
        AIRFLOW_CONN_GOVPUB_ES=json.dumps({"conn_type": "http", "host": settings.es_url,
                                           "login": settings.es_username, "password": ES_PASSWORD}),
        AIRFLOW_CONN_GOVPUB_S3=json.dumps({"conn_type": "aws", "login": settings.s3_access_key,
                                           "password": S3_SECRET, "extra": {"endpoint_url": settings.s3_endpoint,
                                                                           "bucket": settings.s3_bucket}}),
    )
    result = run_dag_test(env, conf={"sites": [SITE]})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert list(Archive(settings).iter_documents(SITE)), "the run did not archive through the connection"
    _assert_no_secret(output, "`airflow dags test` output")
    # `airflow dags test` logs tasks to its output (checked above); the home holds the metadata DB
    # (task instances, rendered fields, XComs) and whatever else the run wrote.
    files = [p for p in Path(home).rglob("*") if p.is_file()]
    assert any(p.name == "airflow.db" for p in files)
    for path in files:
        _assert_no_secret(path.read_bytes().decode("utf-8", "replace"), str(path.relative_to(home)))
