"""Fixtures for the fault and security tests: private S3 servers this session may stop."""

from __future__ import annotations

import os
import shutil

import pytest

from govpub.settings import Settings
from govpub_dev import services
from tests.integration.tcp_proxy import TcpProxy
from tests.ports import free_port


@pytest.fixture(scope="session")
def private_s3_factory(tmp_path_factory):
    """start(settings, name, **overrides) -> Settings of a PRIVATE S3Proxy (own GOVPUB_HOME, own port).

    Never the shared server on :9000: these are the ones tests may stop and restart. The
    S3Proxy jars are installed once (or taken from the shared install) and shared by all.
    """
    started: list[Settings] = []
    jars = tmp_path_factory.mktemp("s3proxy-jars")

    def start(settings: Settings, name: str, **overrides) -> Settings:
        home = tmp_path_factory.mktemp(f"private-{name}")
        shared = Settings.from_env().home / "s3proxy" / "lib"
        lib = shared if (shared / ".govpub-complete").exists() else jars / "lib"
        if (lib / ".govpub-complete").exists():
            (home / "s3proxy").mkdir()
            os.symlink(lib, home / "s3proxy" / "lib")
        scoped = settings.with_overrides(home=home, s3_endpoint=f"http://127.0.0.1:{free_port()}", **overrides)
        services.up(scoped, ["s3"])
        if not (lib / ".govpub-complete").exists():  # first install: keep the jars for the next one
            shutil.copytree(home / "s3proxy" / "lib", jars / "lib", symlinks=True)
        started.append(scoped)
        return scoped

    yield start
    for scoped in started:
        services.down(scoped, ["s3"])  # private servers only (their own home and port)
        shutil.rmtree(scoped.home, ignore_errors=True)


@pytest.fixture(scope="module")
def es_proxy(module_settings):
    """A stoppable TCP proxy in front of the shared Elasticsearch: an outage for this module only."""
    proxy = TcpProxy.in_front_of(module_settings.es_url)
    yield proxy
    proxy.stop()
