"""The search API and page against the real Elasticsearch and S3, loaded with the sample site by the
real pipeline (spider over HTTP → WARC in S3 → parse → archive → index → duplicate clusters), once
for this package.

The site is this package's own copy, crawled twice: after the first crawl one longwan article is
edited (so it has two versions) and one is taken down (so it is deleted), as on a real site."""

from __future__ import annotations

import json
import threading
import time

import pytest

from govpub.settings import REPO_ROOT, Settings
from govpub_dev import sampleedit
from tests.ports import free_port

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SAMPLE_SITES = sorted({a["site"] for a in MANIFEST["articles"]})


#: edited between the two crawls (two versions) and taken down (deleted)
EDITED = sampleedit.LONGWAN_FIRST
TAKEN_DOWN = "longwan/xxgk/jhzj/202309/t20230905_1230544.html"
# Past the head of its column a known article is revalidated only when due (adaptive schedule,
# at most ceil(1.25 × revalidate_max_days) = 38 days: docs/archive.md): 44 days apart, the
# second crawl revalidates every article, so it sees the takedown's 404.
FIRST_CRAWL, SECOND_CRAWL = "2026-10-10", "2026-11-23"


@pytest.fixture(scope="package")
def site_copy(tmp_path_factory):
    """This package's own copy of the sample site (edited between crawls), served on a free port."""
    from govpub_dev.samplesite import make_server
    from govpub_dev.serving import serving

    root = sampleedit.copy_sample_site(tmp_path_factory.mktemp("api-sample"))
    with serving(make_server("127.0.0.1", 0, root, quiet=True), name="api-sample-site") as server:
        yield root, server.url


@pytest.fixture(scope="package")
def api_settings(scoped_settings, site_copy) -> Settings:
    """A bucket and alias of this package's own (deleted when the session ends)."""
    return scoped_settings("api").with_overrides(sample_site_url=site_copy[1])


@pytest.fixture(scope="package")
def loaded(api_settings: Settings, site_copy) -> Settings:
    """Every sample site crawled, archived and indexed into this package's alias; then longwan
    crawled again after one article changed and one was taken down."""
    from govpub.pipeline.clusters import update_clusters
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.crawl_step import crawl_site
    from govpub.pipeline.steps import archive_site, index_site, parse_site

    quiet = lambda line: None  # noqa: E731

    def run(site_id: str, run_id: str, day: str, **options) -> None:
        context = RunContext(api_settings, echo=quiet)
        crawl = crawl_site(context, site_id, run_id, day, **options)
        parsed = parse_site(context, crawl)
        archived = archive_site(context, parsed, crawl)
        indexed = index_site(context, archived)
        assert indexed.errors == [], indexed.errors

    for site_id in SAMPLE_SITES:
        run(site_id, "api-test-run", FIRST_CRAWL)
    root = site_copy[0]
    sampleedit.change_article(root, EDITED)
    sampleedit.delete_article(root, TAKEN_DOWN)
    run("longwan-jyj", "api-test-run-2", SECOND_CRAWL, full_sweep=True)
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
