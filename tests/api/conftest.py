"""The search API and page against the real Elasticsearch and S3, loaded with the sample site by the
real pipeline (spider over HTTP → WARC in S3 → parse → archive → index → duplicate clusters), once
for this package."""

from __future__ import annotations

import json
import threading
import time

import pytest

from govpub.settings import REPO_ROOT, Settings
from tests.ports import free_port

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SAMPLE_SITES = sorted({a["site"] for a in MANIFEST["articles"]})


@pytest.fixture(scope="package")
def api_settings(scoped_settings) -> Settings:
    """A bucket and alias of this package's own (deleted when the session ends)."""
    return scoped_settings("api")


@pytest.fixture(scope="package")
def loaded(api_settings: Settings) -> Settings:
    """Every sample site crawled, archived and indexed into this package's alias."""
    from govpub.pipeline.clusters import update_clusters
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.steps import archive_site, crawl_site, index_site, parse_site

    quiet = lambda line: None  # noqa: E731
    for site_id in SAMPLE_SITES:
        context = RunContext(api_settings, echo=quiet)
        crawl = crawl_site(context, site_id, "api-test-run", "2026-11-23")
        parsed = parse_site(context, crawl)
        archived = archive_site(context, parsed, crawl)
        indexed = index_site(context, archived)
        assert indexed.errors == [], indexed.errors
    # duplicate clusters over the whole archive, as a pipeline run ends (reposts join their originals)
    clusters = update_clusters(RunContext(api_settings, echo=quiet))
    assert clusters.clusters > 0
    return api_settings


@pytest.fixture(scope="package")
def api_url(loaded: Settings):
    """The app served by a real uvicorn on a free port (thread in this process)."""
    import uvicorn

    from govpub.search.api import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(loaded), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def url_of(path: str, settings: Settings) -> str:
    return settings.sample_site_url + path
