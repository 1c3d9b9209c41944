"""Shared fixtures: real services, never mocks.

The suite starts what it needs (Elasticsearch, S3Proxy, the sample site) through the
same code paths as `python -m govpub_dev services up`; already-running healthy services are reused.
Each test session gets its own S3 bucket and Elasticsearch alias, so a test run never
touches the demo's data and two runs never see each other's documents.
"""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from hypothesis import settings as hypothesis_settings

from govpub.settings import Settings

# The property tests (tests/unit/test_parsers_robustness.py …) draw the same examples on every run
# of the suite, so a CI failure reproduces here; `HYPOTHESIS_PROFILE=explore` draws fresh random
# examples on each run to look for new failures. No example database: nothing is written.
hypothesis_settings.register_profile("suite", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

SESSION_TAG = uuid.uuid4().hex[:8]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """Before the session fixtures' teardown: drop log handlers bound to a test's captured stream,
    now closed (Airflow's logging config installs some when a test imports it). Each log line of
    the teardown would otherwise print a "--- Logging error ---" traceback, and those pages of
    noise push the failure summary out of a CI log's tail."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in list(getattr(logger, "handlers", ())):
            stream = getattr(handler, "stream", None)
            if getattr(stream, "closed", False):
                logger.removeHandler(handler)


class Cleanup:
    """The Elasticsearch aliases and S3 buckets this session creates; `es` and `s3` delete them at its end."""

    def __init__(self) -> None:
        self.aliases: set[str] = set()
        self.buckets: set[str] = set()

    def add(self, settings: Settings) -> Settings:
        """Delete settings' bucket and alias (with its stats alias) at the end; returns settings."""
        self.aliases.add(settings.es_alias)
        self.buckets.add(settings.s3_bucket)
        return settings

    def add_alias(self, alias: str) -> str:
        self.aliases.add(alias)
        return alias


@pytest.fixture(scope="session")
def cleanup() -> Cleanup:
    return Cleanup()


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def services_up(base_settings: Settings) -> Settings:
    from govpub_dev import services

    services.ensure_up(base_settings, ("elasticsearch", "s3"))
    return base_settings


@pytest.fixture(scope="session")
def session_settings(services_up: Settings, sample_site_url: str, cleanup: Cleanup) -> Settings:
    """Settings for this test session: unique bucket and alias; services are up."""
    return cleanup.add(services_up.with_overrides(
        s3_bucket=f"govpub-test-{SESSION_TAG}",
        es_alias=f"govpub-test-{SESSION_TAG}",
        sample_site_url=sample_site_url,
    ))


@pytest.fixture(scope="session")
def settings(session_settings: Settings) -> Settings:
    return session_settings


@pytest.fixture(scope="session")
def settings_env(session_settings: Settings) -> dict[str, str]:
    """Environment variables that make a subprocess (scrapy, airflow, govpub CLI) use `settings`."""
    return {**os.environ, **session_settings.to_env()}


@pytest.fixture(scope="session")
def es(session_settings: Settings, cleanup: Cleanup):
    from govpub import index

    client = index.client(session_settings)
    yield client
    for alias in cleanup.aliases:
        index.delete_alias_and_indices(client, alias)
        index.delete_alias_and_indices(client, f"{alias}-stats")  # govpub.ops.stats.stats_alias of a test alias


@pytest.fixture(scope="session")
def s3(session_settings: Settings, cleanup: Cleanup):
    from govpub.archive import Archive

    Archive(session_settings).ensure_bucket()
    yield Archive(session_settings).s3
    for bucket in cleanup.buckets:
        Archive(session_settings.with_overrides(s3_bucket=bucket)).delete_bucket_contents_and_bucket()


@pytest.fixture(scope="session")
def scoped_settings(session_settings: Settings, s3, es, cleanup: Cleanup):
    """scoped_settings(suffix) -> the session's settings with a bucket (created now) and an alias of their
    own, `<bucket>-<suffix>` and `<alias>-<suffix>`; both are deleted when the session ends."""
    from govpub.archive import Archive

    def scope(suffix: str) -> Settings:
        scoped = cleanup.add(session_settings.with_overrides(
            s3_bucket=f"{session_settings.s3_bucket}-{suffix}", es_alias=f"{session_settings.es_alias}-{suffix}"
        ))
        Archive(scoped).ensure_bucket()
        return scoped

    return scope


@pytest.fixture(scope="module")
def module_settings(request, scoped_settings) -> Settings:
    """`settings` with a bucket and alias of this test module's own, so modules never see each other's data."""
    return scoped_settings(request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")[:30].strip("-"))


@pytest.fixture(scope="session")
def sample_site_url() -> str:
    from govpub_dev.samplesite import make_server
    from govpub_dev.serving import serving

    with serving(make_server("127.0.0.1", 0, quiet=True), name="sample-site") as server:
        yield server.url
