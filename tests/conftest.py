"""Shared fixtures: real services, never mocks.

The suite starts what it needs (Elasticsearch, S3Proxy, the sample site) through the
same code paths as `python -m govpub_dev services up`; already-running healthy services are reused.
Each test session gets its own S3 bucket and Elasticsearch alias, so a test run never
touches the demo's data and two runs never see each other's documents.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from govpub.settings import Settings

SESSION_TAG = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def services_up(base_settings: Settings) -> Settings:
    from govpub_dev import services

    services.ensure_up(base_settings, ("elasticsearch", "s3"))
    return base_settings


@pytest.fixture(scope="session")
def session_settings(services_up: Settings, sample_site_url: str) -> Settings:
    """Settings for this test session: unique bucket and alias; services are up."""
    scoped = services_up.with_overrides(
        s3_bucket=f"govpub-test-{SESSION_TAG}",
        es_alias=f"govpub-test-{SESSION_TAG}",
        sample_site_url=sample_site_url,
    )
    _ALIASES_USED.add(scoped.es_alias)
    _BUCKETS_USED.add(scoped.s3_bucket)
    return scoped


@pytest.fixture(scope="session")
def settings(session_settings: Settings) -> Settings:
    return session_settings


@pytest.fixture(scope="session")
def settings_env(session_settings: Settings) -> dict[str, str]:
    """Environment variables that make a subprocess (scrapy, airflow, govpub CLI) use `settings`."""
    pass  # (import removed by migration)

    return {**os.environ, **session_settings.to_env()}


@pytest.fixture(scope="session")
def es(session_settings: Settings):
    from govpub import index

    client = index.client(session_settings)
    yield client
    for alias in _ALIASES_USED:
        index.delete_alias_and_indices(client, alias)
        index.delete_alias_and_indices(client, f"{alias}-stats")  # govpub.ops.stats.stats_alias of a test alias


@pytest.fixture(scope="session")
def s3(session_settings: Settings):
    from govpub.archive import Archive

    Archive(session_settings).ensure_bucket()
    yield Archive(session_settings).s3
    for bucket in _BUCKETS_USED:
        Archive(session_settings.with_overrides(s3_bucket=bucket)).delete_bucket_contents_and_bucket()


_ALIASES_USED: set[str] = set()
_BUCKETS_USED: set[str] = set()


@pytest.fixture(scope="module")
def module_settings(request, session_settings: Settings, s3, es) -> Settings:
    """`settings` with a bucket and alias of this test module's own, so modules never see each other's data."""
    from govpub.archive import Archive

    name = request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")[:30].strip("-")
    scoped = session_settings.with_overrides(
        s3_bucket=f"{session_settings.s3_bucket}-{name}", es_alias=f"{session_settings.es_alias}-{name}"
    )
    _ALIASES_USED.add(scoped.es_alias)
    _BUCKETS_USED.add(scoped.s3_bucket)
    Archive(scoped).ensure_bucket()
    return scoped


@pytest.fixture(scope="session")
def sample_site_url() -> str:
    from govpub_dev.samplesite import make_server

    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
