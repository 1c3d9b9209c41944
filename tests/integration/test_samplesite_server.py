"""The sample site server, for real over HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from govpub.settings import REPO_ROOT
from govpub_dev.samplesite import make_server
from govpub_dev.serving import serving

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
GBK_ARTICLE = next(a for a in MANIFEST["articles"] if a["encoding"] == "gbk")
PDF = next(p for a in MANIFEST["articles"] for p in a["attachments"] if p.endswith(".pdf"))


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    with serving(make_server("127.0.0.1", 0, quiet=True)) as srv:
        yield srv.server_address[:2]


def fetch(server: tuple[str, int], path: str, headers: dict[str, str] | None = None):
    """GET with the path sent exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_robots_txt(server) -> None:
    host, port = server
    with urllib.request.urlopen(f"http://{host}:{port}/robots.txt", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        body = resp.read().decode("utf-8")
    assert "Disallow: /longwan/search/" in body
    assert "Disallow: /fanwen/member/" in body


def test_gbk_page_without_charset(server) -> None:
    host, port = server
    with urllib.request.urlopen(f"http://{host}:{port}{GBK_ARTICLE['url']}", timeout=10) as resp:
        ctype = resp.headers["Content-Type"]
        body = resp.read()
    assert ctype == "text/html"
    assert "charset" not in ctype
    text = body.decode("gbk")
    assert GBK_ARTICLE["title"] in text
    assert "charset=gb2312" in text


def test_utf8_page_and_pdf_content_types(server) -> None:
    status, headers, _ = fetch(server, "/longwan/xxgk/jhzj/index.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    status, headers, body = fetch(server, PDF)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF")


def test_validators_and_304(server) -> None:
    path = MANIFEST["articles"][0]["url"]
    status, headers, body = fetch(server, path)
    assert status == 200
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert last_modified == MANIFEST["files"][path]["last_modified"]
    # Deterministic: the same validators on a second request.
    assert fetch(server, path)[1]["ETag"] == etag

    status, headers, body = fetch(server, path, {"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, _ = fetch(server, path, {"If-None-Match": '"something-else"'})
    assert status == 200
    status, _, _ = fetch(server, path, {"If-Modified-Since": last_modified})
    assert status == 304
    status, _, _ = fetch(server, path, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert status == 200
    # If-None-Match wins over If-Modified-Since.
    status, _, _ = fetch(server, path, {"If-None-Match": '"other"', "If-Modified-Since": last_modified})
    assert status == 200

    with pytest.raises(urllib.error.HTTPError) as exc:
        host, port = server
        urllib.request.urlopen(
            urllib.request.Request(f"http://{host}:{port}{path}", headers={"If-None-Match": etag}), timeout=10
        )
    assert exc.value.code == 304


def test_404(server) -> None:
    host, port = server
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"http://{host}:{port}/longwan/xxgk/jhzj/nope.html", timeout=10)
    assert exc.value.code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/%2E%2E/pyproject.toml",
        "/longwan/../../pyproject.toml",
        "/longwan/%2e%2e/%2e%2e/pyproject.toml",
        "/..%2fpyproject.toml",
        "/%2e%2e%2fmanifest.json",
        "/../manifest.json",
        "/.%2e/pyproject.toml",
        "/longwan/..%5c..%5cpyproject.toml",
    ],
)
def test_traversal_refused(server, path: str) -> None:
    status, _, body = fetch(server, path)
    assert status == 404
    assert b"[project]" not in body and b"articles" not in body


def test_no_directory_listing(server) -> None:
    # A directory with an index.html is answered with it; one without gets 404, never a listing.
    status, _, body = fetch(server, "/longwan/xxgk/jhzj/")
    assert status == 200 and b'<ul class="list">' in body
    status, _, body = fetch(server, "/longwan/xxgk/jhzj/202403/")
    assert status == 404
    assert b"P0202403" not in body


def test_robots_disallowed_page_exists(server) -> None:
    for link in MANIFEST["robots_disallowed"]:
        status, _, _ = fetch(server, link["url"])
        assert status == 200
