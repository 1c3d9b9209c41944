"""Network faults, traps, unsafe redirects and anti-bot pages, against a real fault-injecting
HTTP server (govpub_dev.faultsite) — crawled by the real spider, archived in real S3, indexed in
real Elasticsearch, with the same four functions the DAG runs.

Each test proves by counting against sample_site/manifest.json and against the requests the
server saw: no crash, bounded retries, no duplicate, no lost document, every failure reported
with its kind.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from govpub_dev import faultsite
from govpub import index
from govpub.archive import Archive, run_key
from govpub.crawl.runner import CrawlFailed
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_steps
from govpub.pipeline.crawl_step import crawl_site
from govpub.schema import doc_id_for

pytestmark = pytest.mark.services

RUN_ID = "faults-run-1"
TIMEOUT = 1.5  # DOWNLOAD_TIMEOUT for these crawls (GOVPUB_HTTP_TIMEOUT); the slow paths take 3 s


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def servers():
    # Another loopback host is another domain: the target of the offsite redirect.
    elsewhere = _serve(faultsite.make_fault_server("127.0.0.2", 0))
    main = _serve(faultsite.make_fault_server(
        "127.0.0.1", 0, slow_seconds=3.0, offsite_url=f"{elsewhere.url}/faults/elsewhere.html"))
    yield main, elsewhere
    for server in (main, elsewhere):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def settings(module_settings, servers, tmp_path_factory):
    main, _ = servers
    registry = tmp_path_factory.mktemp("fault-sites")
    (registry / "faults.toml").write_text(faultsite.site_toml(main.url), encoding="utf-8")
    return module_settings.with_overrides(sites_dir=registry, http_timeout=TIMEOUT)


@pytest.fixture(scope="module")
def run(settings, servers, es):
    quiet = lambda line: None  # noqa: E731
    steps = run_steps(RunContext(settings, echo=quiet), faultsite.SITE_ID, RUN_ID, "2026-11-23")
    # the tasks' XComs
    return {name: getattr(steps, name).to_dict() for name in ("crawl", "parse", "archive", "index")}


def _url(server, path: str) -> str:
    return path if "://" in path else server.url + path


def test_crawl_survives_every_fault(run):
    # crawl_site raises when the scrapy process fails; every failure has a named kind.
    assert run["crawl"]["pages_fetched"] > 0
    assert [e for e in run["crawl"]["errors"] if e["kind"].startswith("fetch:") or e["kind"] == "ignored"] == []


def test_no_document_lost_and_none_duplicated(settings, servers, run, es):
    main, _ = servers
    expected = {main.url + a["url"]: a for a in faultsite.fault_articles()}
    documents = list(Archive(settings).iter_documents(faultsite.SITE_ID))
    assert sorted(d.url for d in documents) == sorted(expected)  # transient faults recovered, nothing extra
    assert len({d.id for d in documents}) == len(documents)
    for doc in documents:
        assert doc.id == doc_id_for(doc.url)
        article = expected[doc.url]
        assert article["phrase"] in doc.body.replace("\n", "") or article["phrase"] in doc.title or any(
            article["phrase"] in (a.text or "") for a in doc.attachments), doc.url
    assert run["index"]["documents_indexed"] == len(expected)
    assert index.count(es, settings.es_alias) == len(expected)


def test_the_wrongly_declared_charset_is_decoded_from_the_bytes(settings, servers, run):
    main, _ = servers
    article = faultsite.fault_articles()[5]
    doc = Archive(settings).get_document(faultsite.SITE_ID, doc_id_for(main.url + article["url"]))
    assert doc is not None and article["title"] in doc.title


def test_every_permanent_fault_is_reported_with_its_kind(servers, run):
    main, _ = servers
    errors = run["crawl"]["errors"]
    for path, kind in faultsite.EXPECTED_KINDS.items():
        url = _url(main, path)
        # A redirect's failure is reported at the URL it was refused at, naming the link it came from.
        hits = [e for e in errors if e["url"] == url or f"(from {url})" in e["message"]
                or f"(redirected from {url})" in e["message"]]
        assert [e["kind"] for e in hits] == [kind], f"{path}: expected [{kind}], reported {hits}"
    assert {"kind": "robots_disallowed"}.items() <= next(
        s for s in run["crawl"]["skipped"] if s["url"].endswith("/faults/private/secret.html")).items()
    traps = [e for e in run["crawl"]["errors"] if e["kind"] == "trap"]
    assert len(traps) == 1 and "/faults/col/cal/" in traps[0]["url"]


def test_retries_are_bounded_by_what_the_server_saw(servers, run):
    main, elsewhere = servers
    seen = main.counts
    for path in ("/faults/always-500.html", "/faults/always-503.html", "/faults/always-timeout.html",
                 "/faults/always-truncated.html"):
        assert seen[path] == 3, f"{path}: {seen[path]} requests (1 try + RETRY_TIMES=2 retries)"
    # Twisted's connection pool re-sends a request once by itself when a *reused* keep-alive
    # connection dies before answering, so a reset can cost up to 2 connections per attempt.
    assert 3 <= seen["/faults/always-reset.html"] <= 6
    articles = [a["url"] for a in faultsite.fault_articles()]
    for index_no, (fails, fault) in faultsite.TRANSIENT.items():
        expected = 1 if fails is None else fails + 1
        assert seen[articles[index_no]] == expected, f"{fault} article: {seen[articles[index_no]]} requests"
    assert seen["/faults/huge.html"] == 1  # refused on its Content-Length, not retried
    assert seen["/faults/loop-a.html"] == 1 and seen["/faults/loop-b.html"] == 1
    assert sum(n for p, n in seen.items() if p.startswith("/faults/chain/")) <= 6  # REDIRECT_MAX_TIMES=5
    for path in ("/faults/challenge-jsl.html", "/faults/challenge-ruishu.html", "/faults/challenge-cf.html"):
        assert seen[path] == 1, f"{path}: a challenge is not retried"
    assert seen["/faults/private/secret.html"] == 0  # robots.txt
    calendar = [p for p in seen if p.startswith("/faults/col/cal/")]
    # No count bound: the first calendar month links a next month but no article, so it is a trap.
    assert calendar == ["/faults/col/cal/2024-01.html"]
    assert sum(elsewhere.counts.values()) == 0  # the offsite redirect was never followed
    assert max(n for p, n in seen.items() if p in articles) <= 3


def test_refused_and_blocked_pages_are_not_archived(settings, run):
    archive = Archive(settings)
    records = archive.get_json_or_none(run_key(archive.prefix, RUN_ID, faultsite.SITE_ID, "crawl.json"))["records"]
    archived = {r["url"] for r in records}
    for path in ("challenge", "huge", "metadata", "file.html", "loop-", "chain/", "offsite", "169.254"):
        assert not [u for u in archived if path in u], path
    assert max(Counter(r["url"] for r in records).values()) == 1


def test_a_default_user_agent_refused_is_reported_as_blocked(settings, tmp_path):
    """A site that refuses library User-Agents: the crawl fails naming the block, and archives nothing as a document."""
    server = _serve(faultsite.make_fault_server("127.0.0.1", 0, refuse_default_user_agent=True))
    try:
        (tmp_path / "faults.toml").write_text(faultsite.site_toml(server.url), encoding="utf-8")
        scoped = settings.with_overrides(sites_dir=tmp_path, user_agent="Scrapy/2.19.0 (+https://scrapy.org)")
        with pytest.raises(CrawlFailed, match="blocked:user_agent"):
            crawl_site(RunContext(scoped, echo=lambda line: None), faultsite.SITE_ID, "faults-ua-run", "2026-11-23")
        archive = Archive(scoped)
        crawl = archive.get_json_or_none(run_key(archive.prefix, "faults-ua-run", faultsite.SITE_ID, "crawl.json"))
        assert [e["kind"] for e in crawl["errors"]] == ["blocked:user_agent"]
        assert crawl["records"] == [] and crawl["warc_keys"] == []
        assert server.counts["/faults/col/index.html"] == 1  # a refusal is not retried
    finally:
        server.shutdown()
        server.server_close()
