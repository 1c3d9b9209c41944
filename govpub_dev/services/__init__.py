"""Local services without Docker: Elasticsearch, S3Proxy and (opt-in) the Airflow UI and the Celery stack.

Everything lives under ``Settings.home`` (default ``<repo>/.services``, env ``GOVPUB_HOME``):

    <home>/run/<service>.json      what `up` started (pid, port, version, where its files are)
    <home>/logs/                   S3Proxy, Airflow and Elasticsearch launcher logs
    <home>/downloads/              the Elasticsearch zip, fetched through Maven
    <home>/s3proxy/                S3Proxy jars (lib/), config, data/ (the buckets)
    <home>/elasticsearch/          Elasticsearch install, data/ and logs/ (non-root runs; see service_user)
    <home>/airflow/                AIRFLOW_HOME: sqlite metadata DB, task logs, secrets
    <home>/airflow-celery/         AIRFLOW_HOME of the CeleryExecutor stack (metadata in its PostgreSQL)
    <service_base>/redis|postgres  Redis and PostgreSQL files (as root: /var/lib/govpub/…, owned by `govpub`)

One module per service (elasticsearch, s3proxy, airflow, celery_stack, redis, postgres), each a
`base.Service` (install / start / probe / status / stop); processes, network, java and daemon
hold what they share. `celery` brings up `redis` and `postgres` first; `down` stops it before them.

Public API (used by `python -m govpub_dev services`, the demo and the test suite):
``up``, ``ensure_up``, ``down``, ``status``, ``reset``, ``airflow_env``, ``ensure_airflow_db``;
errors are ``ServiceError`` with a one-line message.
"""

from __future__ import annotations

import shutil
from typing import Iterable

from govpub.settings import Settings
from govpub_dev.services.airflow import Airflow, airflow_env, ensure_airflow_db
from govpub_dev.services.base import Service, ServiceError, ServiceStatus, say
from govpub_dev.services.celery_stack import CeleryStack
from govpub_dev.services.elasticsearch import Elasticsearch
from govpub_dev.services.postgres import Postgres
from govpub_dev.services.processes import locked, make_dirs
from govpub_dev.services.redis import Redis
from govpub_dev.services.s3proxy import S3Proxy

__all__ = [
    "ALL_SERVICES", "DEFAULT_SERVICES", "STOP_ORDER", "ServiceError", "ServiceStatus", "airflow_env", "down", "ensure_airflow_db",
    "ensure_up", "reset", "status", "up",
]

SERVICES: dict[str, type[Service]] = {
    cls.name: cls for cls in (Elasticsearch, S3Proxy, Airflow, CeleryStack, Redis, Postgres)
}
# `down` stops a service's users before it: Airflow's components before the servers their tasks use.
STOP_ORDER = ("airflow", "celery", "redis", "postgres", "elasticsearch", "s3")
DEFAULT_SERVICES = ("elasticsearch", "s3")
ALL_SERVICES = tuple(SERVICES)
_ALIASES = {"es": "elasticsearch", "elastic": "elasticsearch", "s3proxy": "s3", "minio": "s3", "airflow-ui": "airflow",
            "celery-stack": "celery", "postgresql": "postgres"}


def up(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES, *, start: bool | None = None) -> None:
    """Make the named services run and answer; install missing pieces first. Idempotent.

    A healthy server already on the configured port is reused, whoever started it. With
    ``start=False`` (or env ``GOVPUB_MANAGE_SERVICES=0``) nothing is installed or started:
    a service that does not answer is an error. Servers on non-local hosts are never started.
    """
    wanted = _normalise_names(names)
    if start is None:
        start = Settings.from_env().manage_services  # the operator's switch as it is now, not as `settings` was built
    make_dirs(settings)
    with locked(settings):
        for name in wanted:
            SERVICES[name](settings).up(start)


def ensure_up(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES, *, start: bool | None = None) -> None:
    """Same as `up`: reuse what runs and is healthy, start what is missing."""
    up(settings, names, start=start)


def down(settings: Settings, names: Iterable[str] = ALL_SERVICES) -> None:
    """Stop what `up` started (SIGTERM, wait, then SIGKILL). Servers govpub did not start are left alone."""
    wanted = _normalise_names(names)
    make_dirs(settings)
    with locked(settings):
        for name in sorted(wanted, key=STOP_ORDER.index):
            SERVICES[name](settings).stop()


def status(settings: Settings) -> list[ServiceStatus]:
    """One ServiceStatus per service (elasticsearch, s3, airflow, celery, redis, postgres); never raises for a down one."""
    return [service(settings).status() for service in SERVICES.values()]


def reset(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES) -> None:
    """Stop the named services and delete their data (not the downloaded binaries)."""
    wanted = _normalise_names(names)
    down(settings, wanted)
    for name in wanted:
        target = SERVICES[name](settings).data_dir()
        if target.exists():
            say(f"deleting {target}")
            shutil.rmtree(target)


def _normalise_names(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    out: list[str] = []
    for raw in names:
        name = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if name not in SERVICES:
            raise ServiceError(f"unknown service {raw!r} (choose from {', '.join(ALL_SERVICES)})")
        if name not in out:
            out.append(name)
    return tuple(out)
