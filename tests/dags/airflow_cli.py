"""Helpers for running the real Airflow CLI against the test session's services."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from govpub.settings import REPO_ROOT, Settings


def airflow_test_env(settings: Settings, home: Path, **extra: str) -> dict[str, str]:
    """Environment for `airflow …` with a home (and SQLite DB) of the test's own."""
    from govpub_dev import services

    return {
        **os.environ,
        **services.airflow_env(settings),
        **settings.to_env(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        # Retries still happen (retries=2 in the DAG); the test does not wait minutes for them.
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",
        **extra,
    }


def run_dag_test(
    env: dict[str, str], conf: dict | None = None, timeout: int = 900, dag_id: str = "govpub_crawl"
) -> subprocess.CompletedProcess:
    migrate = subprocess.run(["airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    command = ["airflow", "dags", "test", dag_id]
    if conf:
        command += ["-c", json.dumps(conf)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=str(REPO_ROOT))
