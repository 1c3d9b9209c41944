"""Storage faults: the S3 server stopped mid-run and restarted, Elasticsearch gone mid-index and back.

S3: a PRIVATE S3Proxy (own GOVPUB_HOME, own port) started and stopped through
govpub_dev.services — the shared server on :9000 is never touched. Elasticsearch: the shared
server is reached through a TCP proxy in this process that dies in the middle of the
`_bulk` request and refuses connections until restarted (tests/integration/tcp_proxy.py) —
a real outage on the real connection path; starting a private Elasticsearch would cost
~30 s of a 2-core machine shared by several test sessions.

Each step is the same function the DAG task runs: while the store is down the step fails
with a one-line error naming the endpoint (Airflow marks the task failed and retries it);
run again after the restart, it archives/indexes everything, and the counts match
sample_site/manifest.json with no duplicate.
"""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest

from govpub_dev import faultsite, services
from govpub import index
from govpub.archive import Archive, ArchiveUnavailable
from govpub.settings import REPO_ROOT
from govpub.index import IndexUnavailable
from govpub.crawl.runner import CrawlFailed
from govpub.pipeline.context import RunContext
from govpub.pipeline.crawl_step import crawl_site
from govpub.pipeline.steps import archive_site, index_site, parse_site

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SITE = "longwan-jyj"
EXPECTED = sorted(a["url"] for a in MANIFEST["articles"] if a["site"] == SITE)
RUN_ID = "storage-faults-1"
quiet = lambda line: None  # noqa: E731


@pytest.fixture(scope="module")
def site_server():
    """The sample site, counting requests (the fault server without faults on the sample pages)."""
    server = faultsite.make_fault_server("127.0.0.1", 0, transient_faults=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def private_s3(module_settings, site_server, private_s3_factory):
    """Settings whose S3 is a private S3Proxy (non-default credentials) this module may stop and start."""
    return private_s3_factory(
        module_settings, "storage", s3_bucket="govpub-storage-faults", sample_site_url=site_server.url,
        s3_access_key="faults-" + secrets.token_hex(4), s3_secret_key=secrets.token_urlsafe(24),
    )


def _stop_s3(settings):
    services.down(settings, ["s3"])
    assert services.status(settings)[1].running is False


def test_s3_down_mid_crawl_then_restarted_loses_nothing(private_s3, site_server, es):
    settings = private_s3
    Archive(settings).ensure_bucket()

    # 1. S3 goes away while the spider is fetching: the crawl task fails, naming the endpoint.
    outcome: dict = {}

    def crawl():
        try:
            outcome["stats"] = crawl_site(RunContext(settings, echo=quiet), SITE, RUN_ID, "2026-11-23")
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc

    thread = threading.Thread(target=crawl)
    thread.start()
    deadline = time.monotonic() + 60
    while sum(site_server.counts.values()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    _stop_s3(settings)
    thread.join(180)
    assert "stats" not in outcome, "the crawl must not succeed while S3 is down"
    assert isinstance(outcome["error"], CrawlFailed)
    assert f"ArchiveUnavailable: S3 not reachable at {settings.s3_endpoint}" in str(outcome["error"]).splitlines()[0]
    fetched_before = sum(site_server.counts.values())
    assert fetched_before >= 4

    # 2. While S3 is down every later step fails fast and clearly too.
    with pytest.raises(ArchiveUnavailable, match=f"S3 not reachable at {settings.s3_endpoint}"):
        crawl_site(RunContext(settings, echo=quiet), SITE, RUN_ID, "2026-11-23")
    assert sum(site_server.counts.values()) == fetched_before  # it failed before fetching anything

    # 3. S3 back: the retried crawl (same run id) and the following steps store everything once.
    services.up(settings, ["s3"])
    crawl = crawl_site(RunContext(settings, echo=quiet), SITE, RUN_ID, "2026-11-23")
    parsed = parse_site(RunContext(settings, echo=quiet), crawl)

    # 4. S3 stops again before the archive step: it fails; after the restart it writes every document.
    _stop_s3(settings)
    with pytest.raises(ArchiveUnavailable, match=settings.s3_endpoint):
        archive_site(RunContext(settings, echo=quiet), parsed)
    services.up(settings, ["s3"])
    archived = archive_site(RunContext(settings, echo=quiet), parsed)
    assert archived.documents_written + archived.documents_unchanged == len(EXPECTED)

    archive = Archive(settings)
    documents = list(archive.iter_documents(SITE))
    assert sorted(d.url for d in documents) == [settings.sample_site_url + u for u in EXPECTED]
    assert len({d.id for d in documents}) == len(EXPECTED)
    # One WARC object for the run (the retried crawl overwrote its deterministic key), no stray parts.
    assert sorted(archive.list_keys("raw/")) == sorted(crawl.warc_keys) and len(crawl.warc_keys) == 1
    # Retrying the archive step once more writes nothing new.
    again = archive_site(RunContext(settings, echo=quiet), parsed)
    assert (again.documents_written, again.documents_unchanged) == (0, len(EXPECTED))


def test_elasticsearch_down_mid_index_then_restarted_indexes_everything_once(module_settings, es_proxy, es):
    settings = module_settings.with_overrides(es_url=es_proxy.url)
    crawl = crawl_site(RunContext(settings, echo=quiet), SITE, "storage-faults-es", "2026-11-23")
    archived = archive_site(RunContext(settings, echo=quiet), parse_site(RunContext(settings, echo=quiet), crawl))

    # Elasticsearch "dies" in the middle of the bulk request and stays down.
    es_proxy.cut_when = b"/_bulk"
    with pytest.raises(IndexUnavailable, match=f"Elasticsearch not reachable at {es_proxy.url}"):
        index_site(RunContext(settings, echo=quiet), archived)
    assert es_proxy.cuts == 1 and not es_proxy.running
    index.client(module_settings).indices.refresh(index=module_settings.es_alias)
    assert index.count(es, module_settings.es_alias) < len(EXPECTED)  # the bulk never completed

    # Back up: the retried task indexes every document exactly once (_id = document id).
    es_proxy.restart()
    indexed = index_site(RunContext(settings, echo=quiet), archived)
    assert indexed.documents_indexed == len(EXPECTED) and indexed.errors == []
    assert index.count(es, module_settings.es_alias) == len(EXPECTED)
    index_site(RunContext(settings, echo=quiet), archived)  # and once more: still no duplicate
    assert index.count(es, module_settings.es_alias) == len(EXPECTED)
