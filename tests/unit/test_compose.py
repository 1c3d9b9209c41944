"""infra/docker-compose.yml: the scale-out stack is well formed and wired for CeleryExecutor.

Always checked by parsing (tests/integration/test_services.py checks the env wiring too).
When a Compose CLI is available (`docker compose`, `docker-compose`, or the binary named by
GOVPUB_DOCKER_COMPOSE) the file is also rendered by `… config`, Compose's own validation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import yaml

from govpub.settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "infra" / "docker-compose.yml"
AIRFLOW_COMPONENTS = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                      "airflow-worker"}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _compose_cli() -> list[str] | None:
    explicit = os.environ.get("GOVPUB_DOCKER_COMPOSE")
    if explicit:
        return [explicit]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_celery_stack_components():
    svc = _compose()["services"]
    assert AIRFLOW_COMPONENTS <= set(svc)
    for name in AIRFLOW_COMPONENTS:
        assert svc[name]["image"] == svc["airflow-worker"]["image"], name
        env = svc[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert svc[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
        assert svc[name]["depends_on"]["minio"]["condition"] == "service_healthy"
    # Queues as the DAG names them (govpub.airflow.tasks): crawls may run on either worker, the rest on `process`.
    assert svc["airflow-worker"]["command"] == "celery worker --queues process,crawl"
    assert svc["airflow-worker-crawl"]["command"] == "celery worker --queues crawl"
    assert svc["airflow-worker"]["environment"]["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "process"
    assert "WORKER_CONCURRENCY" in svc["airflow-worker"]["environment"]["AIRFLOW__CELERY__WORKER_CONCURRENCY"]
    assert "pools set crawl" in " ".join(svc["airflow-init"]["command"])


def test_every_backing_service_has_a_healthcheck_its_image_can_run():
    svc = _compose()["services"]
    for name in ("postgres", "redis", "elasticsearch", "minio"):
        assert svc[name]["healthcheck"]["test"], name
    # MinIO images ship no curl since 2023: the probe must be MinIO's own `mc ready`.
    assert svc["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]


def test_secrets_are_overridable_and_never_hardcoded_only():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for variable in ("S3_SECRET_KEY", "POSTGRES_PASSWORD", "JWT_SECRET", "API_SECRET_KEY", "FERNET_KEY"):
        assert "${" + variable in text, variable


def test_compose_config_renders_when_a_compose_cli_exists(tmp_path):
    cli = _compose_cli()
    parsed = _compose()
    if cli is None:
        # No Compose CLI on this machine: the parse above is the validation (said in infra/README.md).
        assert parsed["services"] and parsed["volumes"]
        return
    result = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
                            capture_output=True, text=True, cwd=str(COMPOSE_FILE.parent),
                            env={**os.environ, "DOCKER_CONFIG": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = json.loads(result.stdout)
    assert set(rendered["services"]) == set(parsed["services"])
    worker = rendered["services"]["airflow-worker"]
    assert worker["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker["environment"]["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "8"


def test_python_one_liners_in_the_stack_import_what_exists():
    # a renamed module breaks a container's `python -c` only when the stack runs; catch it here
    import importlib
    import re

    one_liners = re.findall(r'python -c "([^"]+)"', COMPOSE_FILE.read_text(encoding="utf-8"))
    assert one_liners
    for code in one_liners:
        compile(code, "docker-compose.yml", "exec")
        for module, names in re.findall(r"from ([\w.]+) import ([\w, ]+)", code):
            loaded = importlib.import_module(module)
            for name in names.split(","):
                assert hasattr(loaded, name.strip()), f"{module}.{name.strip()} (docker-compose.yml)"
