"""Local services (govpub_dev.services) against the real Elasticsearch and S3Proxy.

The shared services are started (or reused) through the same code path as
`python -m govpub_dev services up`; these tests never stop them. Error cases use other ports.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from govpub.settings import REPO_ROOT, Settings
from govpub_dev import services
from govpub_dev.serving import serving
from govpub_dev.services import ServiceError
from tests.ports import free_port

pytestmark = pytest.mark.services


@pytest.fixture
def not_a_service():
    """A plain HTTP server (neither Elasticsearch nor S3) on a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    server.RequestHandlerClass.log_message = lambda *args: None  # type: ignore[method-assign]
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def _by_name(settings: Settings) -> dict[str, services.ServiceStatus]:
    return {s.name: s for s in services.status(settings)}


# --------------------------------------------------------------------------- the shared services


def test_ensure_up_is_idempotent(services_up: Settings):
    before = _by_name(services_up)
    services.ensure_up(services_up, ("elasticsearch", "s3"))
    services.up(services_up)  # the CLI's `python -m govpub_dev services up`
    after = _by_name(services_up)
    for name in ("elasticsearch", "s3"):
        assert before[name].running and after[name].running, after[name]
        assert before[name].pid == after[name].pid, f"{name} was restarted"


def test_status_reports_both_healthy_with_versions(services_up: Settings):
    statuses = _by_name(services_up)
    assert set(statuses) == {"elasticsearch", "s3", "airflow", "celery", "redis", "postgres"}
    es, s3 = statuses["elasticsearch"], statuses["s3"]
    assert es.running and es.url == services_up.es_url
    assert es.version and es.version.startswith("9."), es
    assert es.pid and Path(f"/proc/{es.pid}").exists()
    assert s3.running and s3.url == services_up.s3_endpoint and s3.version, s3
    for s in (es, s3):
        assert s.detail and "\n" not in s.detail


def test_elasticsearch_health(services_up: Settings):
    with urllib.request.urlopen(services_up.es_url + "/_cluster/health", timeout=10) as response:
        health = json.load(response)
        assert response.headers["X-elastic-product"] == "Elasticsearch"
    assert health["status"] in ("green", "yellow")


def test_s3_put_get_through_boto3(services_up: Settings):
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=services_up.s3_endpoint,
        region_name=services_up.s3_region,
        aws_access_key_id=services_up.s3_access_key,
        aws_secret_access_key=services_up.s3_secret_key,
        config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"),
    )
    bucket = f"govpub-svc-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    try:
        body = "公开 government publication".encode()
        s3.put_object(Bucket=bucket, Key="raw/x/y.warc.gz", Body=body, ContentType="application/warc")
        got = s3.get_object(Bucket=bucket, Key="raw/x/y.warc.gz")
        assert got["Body"].read() == body
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if not o["Key"].endswith("/")]
        assert keys == ["raw/x/y.warc.gz"]
    finally:
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)


def test_cli_status_exit_code(services_up: Settings):
    env = {**os.environ, "GOVPUB_HOME": str(services_up.home), "GOVPUB_ES_URL": services_up.es_url,
           "GOVPUB_S3_ENDPOINT": services_up.s3_endpoint or ""}
    result = subprocess.run([sys.executable, "-m", "govpub_dev", "services", "status"],
                            capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "running" in lines["elasticsearch"] and "running" in lines["s3"]


# --------------------------------------------------------------------------- errors: one line, naming the endpoint


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_closed_s3_endpoint_with_start_disabled(base_settings: Settings):
    endpoint = f"http://127.0.0.1:{free_port()}"
    settings = base_settings.with_overrides(s3_endpoint=endpoint)
    with pytest.raises(ServiceError) as error:
        services.ensure_up(settings, ("s3",), start=False)
    message = _one_line(error)
    assert endpoint in message and "not reachable" in message


def test_closed_es_url_with_manage_services_off(base_settings: Settings, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("GOVPUB_MANAGE_SERVICES", "0")
    with pytest.raises(ServiceError) as error:
        services.ensure_up(base_settings.with_overrides(es_url=url), ("elasticsearch",))
    assert url in _one_line(error)


def test_port_taken_by_something_else(base_settings: Settings, not_a_service: str):
    with pytest.raises(ServiceError) as error:
        services.ensure_up(base_settings.with_overrides(s3_endpoint=not_a_service), ("s3",))
    message = _one_line(error)
    assert not_a_service in message and "not an S3 server" in message
    with pytest.raises(ServiceError) as error:
        services.ensure_up(base_settings.with_overrides(es_url=not_a_service), ("elasticsearch",))
    message = _one_line(error)
    assert not_a_service in message and "not Elasticsearch" in message


def test_wrong_s3_credentials(services_up: Settings):
    settings = services_up.with_overrides(s3_secret_key="definitely-wrong")
    with pytest.raises(ServiceError) as error:
        services.ensure_up(settings, ("s3",))
    message = _one_line(error)
    assert services_up.s3_endpoint in message and "credentials" in message


def test_remote_host_is_never_started(base_settings: Settings):
    # 192.0.2.0/24 is TEST-NET-1: never routable, so the probe fails fast or times out.
    settings = base_settings.with_overrides(es_url="http://192.0.2.1:9200")
    with pytest.raises(ServiceError) as error:
        services.ensure_up(settings, ("elasticsearch",))
    assert "192.0.2.1" in _one_line(error)


def test_unknown_service_name(base_settings: Settings):
    with pytest.raises(ServiceError) as error:
        services.up(base_settings, ("memcached",))
    assert "memcached" in _one_line(error)


def test_reset_deletes_the_data_and_keeps_the_binaries(base_settings: Settings, tmp_path: Path):
    # A home of its own: nothing it records runs, so `reset` stops nothing and the shared servers stay up.
    settings = base_settings.with_overrides(home=tmp_path)
    (tmp_path / "s3proxy" / "data" / "some-bucket").mkdir(parents=True)
    (tmp_path / "s3proxy" / "lib").mkdir()
    (tmp_path / "airflow").mkdir()
    services.reset(settings, ["s3proxy", "airflow"])
    assert not (tmp_path / "s3proxy" / "data").exists() and not (tmp_path / "airflow").exists()
    assert (tmp_path / "s3proxy" / "lib").is_dir()
    assert _by_name(base_settings)["s3"].running


# --------------------------------------------------------------------------- Airflow environment (no server needed)


def test_airflow_env(base_settings: Settings):
    env = services.airflow_env(base_settings)
    home = Path(env["AIRFLOW_HOME"])
    assert home == base_settings.home / "airflow"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO_ROOT / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:////")
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "True"
    assert env["PATH"].split(os.pathsep)[0].endswith("bin")
    assert (Path(env["PATH"].split(os.pathsep)[0]) / "airflow").exists()
    assert env["GOVPUB_ES_URL"] == base_settings.es_url
    assert env["GOVPUB_HOME"] == str(base_settings.home)
    # Secrets are stable across calls (api-server and scheduler must agree).
    assert services.airflow_env(base_settings)["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API_AUTH__JWT_SECRET"]


@pytest.mark.airflow
def test_ensure_airflow_db_is_idempotent(base_settings: Settings):
    import time

    services.ensure_airflow_db(base_settings)
    started = time.monotonic()
    services.ensure_airflow_db(base_settings)
    assert time.monotonic() - started < 1.0
    assert (base_settings.home / "airflow" / "airflow.db").exists()


# --------------------------------------------------------------------------- infra files (Docker is not available here)


def test_bootstrap_script_parses():
    script = REPO_ROOT / "infra" / "bootstrap.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert "set -euo pipefail" in script.read_text()


def test_docker_compose_is_consistent():
    compose = yaml.safe_load((REPO_ROOT / "infra" / "docker-compose.yml").read_text())
    svc = compose["services"]
    expected = {"postgres", "redis", "elasticsearch", "minio", "minio-init", "airflow-init", "airflow-apiserver",
                "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker"}
    assert expected <= set(svc)
    airflow = [name for name in svc if name.startswith("airflow-")]
    for name in airflow + ["minio-init"]:
        env = svc[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["GOVPUB_ES_URL"] == "http://elasticsearch:9200", name
        assert env["GOVPUB_S3_ENDPOINT"] == "http://minio:9000", name
        assert env["GOVPUB_MANAGE_SERVICES"] == "0", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name
        assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert "../dags:/opt/airflow/dags:ro" in svc[name]["volumes"], name
        assert svc[name]["build"]["dockerfile"] == "infra/Dockerfile"
    # The S3 credentials given to govpub are MinIO's root credentials.
    worker_env = svc["airflow-worker"]["environment"]
    assert worker_env["AWS_ACCESS_KEY_ID"] == svc["minio"]["environment"]["MINIO_ROOT_USER"]
    assert worker_env["AWS_SECRET_ACCESS_KEY"] == svc["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
    # Workers scale with --scale: no fixed container name, no host port.
    assert "container_name" not in svc["airflow-worker"] and "ports" not in svc["airflow-worker"]
    # Every dependency exists; every named volume is declared; host ports do not clash.
    declared = set(compose.get("volumes") or {})
    host_ports: list[str] = []
    for name, spec in svc.items():
        for dep in spec.get("depends_on") or {}:
            assert dep in svc, f"{name} depends on unknown {dep}"
        for volume in spec.get("volumes") or []:
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: undeclared volume {source}"
            else:
                assert (REPO_ROOT / "infra" / source).resolve().exists(), f"{name}: missing {source}"
        host_ports += [p.rsplit(":", 1)[0] for p in spec.get("ports") or []]
    assert len(host_ports) == len(set(host_ports))
    es_env = svc["elasticsearch"]["environment"]
    assert es_env["discovery.type"] == "single-node" and es_env["xpack.security.enabled"] == "false"
    assert (REPO_ROOT / "infra" / "Dockerfile").exists()
