"""A fault-injecting variant of the sample site, for the fault tests (real HTTP on 127.0.0.1).

It serves everything the sample site serves, plus a column `/faults/col/index.html`
that lists every article of the sample bureau `longwan-jyj` (sample_site/manifest.json
is the ground truth) and a set of faulty links. Some real articles fail *transiently*
(they must still become documents), the extra links fail *permanently* (they must be
reported with their error kind, and never become documents):

| path | fault |
|---|---|
| article #0 | 503 with `Retry-After: 1`, twice, then the page |
| article #2 | answers after the client's timeout, once |
| article #3 | connection reset (TCP RST), once |
| article #4 | body shorter than its Content-Length, once |
| article #5 | served as `text/html; charset=iso-8859-1` (the bytes are UTF-8), always |
| article #6 | 500, once |
| /faults/always-500.html, /faults/always-503.html | 500 / 503 (Retry-After: 1) forever |
| /faults/always-timeout.html, /faults/always-reset.html, /faults/always-truncated.html | forever |
| /faults/huge.html | a 20 MB "HTML page" |
| /faults/loop-a.html ↔ loop-b.html, /faults/chain/N.html | redirect loop; endless redirect chain |
| /faults/offsite.html | 302 to another host (`offsite_url`, e.g. 127.0.0.2) |
| /faults/metadata.html, /faults/file.html | 302 to 169.254.169.254 / file:///etc/passwd |
| http://169.254.169.254/faults/… | a link straight at the cloud metadata address |
| /faults/private/secret.html | disallowed by robots.txt |
| /faults/challenge-jsl.html | 521 + 加速乐 (Jiasule) cookie challenge |
| /faults/challenge-ruishu.html | 412 + 瑞数 `$_ts` bootstrap page |
| /faults/challenge-cf.html | 200 + Cloudflare managed challenge ("Just a moment...") |
| /faults/col/cal/YYYY-MM.html | an endless calendar: each month links the next (pagination trap) |

With `refuse_default_user_agent`, any request whose User-Agent is a library default
(Scrapy/, python-requests/ …) gets 403 — a site refusing unconfigured crawlers.

The server counts every request by path (`server.counts`), so tests prove bounded
retries by what the server saw. `FAULT_SITE_TOML` is the registry entry for it.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import struct
import sys
import threading
import time
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from govpub.crawl.blocking import LIBRARY_DEFAULT_USER_AGENT
from govpub_dev.samplesite import DEFAULT_ROOT, SampleSiteHandler, SampleSiteServer, load_manifest
from govpub_dev.serving import serve_until_interrupted

log = logging.getLogger("govpub_dev.faultsite")

SITE_ID = "faulty-longwan"
ARTICLE_SITE = "longwan-jyj"  #: whose articles the fault column lists
HUGE_BYTES = 20 * 1024 * 1024

FAULT_SITE_TOML = """
[[site]]
id = "faulty-longwan"
name = "故障注入样例站（测试用）"
agency = "温州市龙湾区教育局"
region = "浙江省温州市龙湾区"
kind = "official"
allowed_domains = ["127.0.0.1"]
start_urls = ["{base_url}/faults/col/index.html"]
download_delay = 0
concurrency = 8
[site.links]
article = "ul.list li a"
next_page = "a.next"
article_next = "a.next-page"
allow = ["^/longwan/xxgk/", "^/faults/"]
"""

#: (first N requests fail, fault) for articles of the column, by their index in the manifest order.
TRANSIENT = {0: (2, "503"), 2: (1, "timeout"), 3: (1, "reset"), 4: (1, "truncated"), 5: (None, "charset"),
             6: (1, "500")}
PERMANENT = {
    "/faults/always-500.html": "500",
    "/faults/always-503.html": "503",
    "/faults/always-timeout.html": "timeout",
    "/faults/always-reset.html": "reset",
    "/faults/always-truncated.html": "truncated",
    "/faults/huge.html": "huge",
    "/faults/loop-a.html": "loop",
    "/faults/loop-b.html": "loop",
    "/faults/offsite.html": "offsite",
    "/faults/metadata.html": "metadata",
    "/faults/file.html": "file",
    "/faults/challenge-jsl.html": "jiasule",
    "/faults/challenge-ruishu.html": "ruishu",
    "/faults/challenge-cf.html": "cloudflare",
}
#: Links the column page lists besides the articles (the chain start and robots/metadata links included).
EXTRA_LINKS = [*(p for p in PERMANENT if p != "/faults/loop-b.html"), "/faults/chain/1.html", "/faults/private/secret.html",
               "http://169.254.169.254/faults/latest/meta-data.html"]
#: What the crawl must report for each permanently faulty link (kind of the error).
EXPECTED_KINDS = {
    "/faults/always-500.html": "http:500",
    "/faults/always-503.html": "http:503",
    "/faults/always-timeout.html": "timeout",
    "/faults/always-reset.html": "reset",
    "/faults/always-truncated.html": "truncated",
    "/faults/huge.html": "too_large",
    "/faults/loop-a.html": "redirect_loop",
    "/faults/chain/1.html": "redirect_loop",
    "/faults/offsite.html": "offsite",
    "/faults/metadata.html": "unsafe_url",
    "/faults/file.html": "unsafe_url",
    "/faults/challenge-jsl.html": "blocked:jiasule",
    "/faults/challenge-ruishu.html": "blocked:ruishu",
    "/faults/challenge-cf.html": "blocked:cloudflare",
    "http://169.254.169.254/faults/latest/meta-data.html": "unsafe_url",
}

JIASULE_PAGE = (
    b"<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
    b"+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+('6')+('9')+('9')+('|')+('-1')"
    b"+';max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>"
)
RUISHU_PAGE = (
    b"<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
    b"<meta id=\"9DhefwqGPrzGxEp9hPaoag\" content=\"aGVsbG8gd29ybGQ\" r='m'>"
    b"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=60732;"
    b"$_ts.cd=\"qxrrrrQlqqqq\";</script><script type=\"text/javascript\" charset=\"utf-8\" "
    b"src=\"/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js\" r='m'></script></head><body></body></html>"
)
CLOUDFLARE_PAGE = (
    b"<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body>"
    b"<noscript>Enable JavaScript and cookies to continue</noscript>"
    b"<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'example.gov.cn',cType: 'managed'};"
    b"var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';"
    b"document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"
)


def fault_articles(root: Path | None = None) -> list[dict]:
    """The articles the fault column lists, in order (manifest entries of ARTICLE_SITE)."""
    return [a for a in load_manifest(root).get("articles", []) if a["site"] == ARTICLE_SITE]


class FaultSiteServer(SampleSiteServer):
    def __init__(self, address, root: Path, *, quiet: bool = True, slow_seconds: float = 3.0,
                 offsite_url: str = "http://127.0.0.2:9/faults/elsewhere.html",
                 refuse_default_user_agent: bool = False, transient_faults: bool = True) -> None:
        super().__init__(address, root, quiet=quiet)
        self.RequestHandlerClass = FaultSiteHandler
        self.slow_seconds = slow_seconds
        self.offsite_url = offsite_url
        self.refuse_default_user_agent = refuse_default_user_agent
        self.counts: Counter[str] = Counter()
        self.user_agents: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        articles = fault_articles(self.root)
        self.article_paths = [a["url"] for a in articles]
        self.transient = {articles[i]["url"]: fault for i, fault in TRANSIENT.items()
                          if i < len(articles) and transient_faults}

    def seen(self, path: str) -> int:
        return self.counts[path]

    def handle_error(self, request, client_address) -> None:  # resets and slow clients are the point here
        if not self.quiet:
            super().handle_error(request, client_address)


class FaultSiteHandler(SampleSiteHandler):
    server: FaultSiteServer

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, OSError, ValueError):
            pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        user_agent = self.headers.get("User-Agent", "")
        with self.server._count_lock:
            self.server.counts[path] += 1
            attempt = self.server.counts[path]
            self.server.user_agents[user_agent] += 1
        if self.server.refuse_default_user_agent and LIBRARY_DEFAULT_USER_AGENT.search(user_agent):
            return self._send(403, b"<html><body><h1>403 Forbidden</h1></body></html>")
        if path == "/robots.txt":
            robots = (self.server.root / "robots.txt").read_bytes() + b"Disallow: /faults/private/\n"
            return self._send(200, robots, "text/plain; charset=utf-8")
        if path == "/faults/col/index.html":
            return self._send(200, self._column_page())
        if path.startswith("/faults/col/cal/"):
            return self._send(200, self._calendar_page(path))
        if path.startswith("/faults/chain/"):
            number = int(path.rsplit("/", 1)[1].split(".")[0] or 0)
            return self._redirect(f"/faults/chain/{number + 1}.html")
        fault = PERMANENT.get(path)
        if fault is None and path in self.server.transient:
            limit, transient_fault = self.server.transient[path]
            if limit is None or attempt <= limit:
                fault = transient_fault
        if fault is None:
            return self._serve(head=False)
        return self._inject(fault, path)

    # -- faults ---------------------------------------------------------------------------
    def _inject(self, fault: str, path: str) -> None:
        if fault in ("500", "503"):
            headers = {"Retry-After": "1"} if fault == "503" else {}
            return self._send(int(fault), f"<html><body>{fault} 服务暂时不可用</body></html>".encode(), headers=headers)
        if fault == "timeout":
            time.sleep(self.server.slow_seconds)
            return self._serve(head=False) if path in self.server.transient else self._send(200, b"<html>late</html>")
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if fault == "truncated":
            data = self._file_bytes(path) if path in self.server.transient else b"<html>" + b"x" * 4000
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data) + 10000))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return None
        if fault == "charset":
            return self._send(200, self._file_bytes(path), "text/html; charset=iso-8859-1")
        if fault == "huge":
            return self._send_huge()
        if fault == "loop":
            return self._redirect("/faults/loop-b.html" if path.endswith("loop-a.html") else "/faults/loop-a.html")
        if fault == "offsite":
            return self._redirect(self.server.offsite_url)
        if fault == "metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
        if fault == "file":
            return self._redirect("file:///etc/passwd")
        if fault == "jiasule":
            return self._send(521, JIASULE_PAGE, headers={"Set-Cookie": "__jsluid_h=5b1c2e8f0a; max-age=31536000; path=/"})
        if fault == "ruishu":
            return self._send(412, RUISHU_PAGE)
        if fault == "cloudflare":
            return self._send(200, CLOUDFLARE_PAGE)
        raise AssertionError(f"unknown fault {fault}")

    def _file_bytes(self, path: str) -> bytes:
        resolved = self._resolve(path)
        assert resolved is not None, path
        return resolved[1].read_bytes()

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = ("<p>" + "巨型页面" * 250 + "</p>\n").encode()
        sent = 0
        while sent < HUGE_BYTES:
            piece = chunk[: HUGE_BYTES - sent]
            self.wfile.write(piece)  # raises once the client gives up: handled in handle()
            sent += len(piece)

    # -- generated pages ------------------------------------------------------------------
    def _column_page(self) -> bytes:
        links = [*self.server.article_paths, *EXTRA_LINKS]
        items = "\n".join(f'<li><a href="{href}">{i:03d} 条目</a></li>' for i, href in enumerate(links))
        return (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>计划总结（故障注入）</title></head><body>"
            f"<ul class=\"list\">\n{items}\n</ul>"
            "<div class=\"page\"><a class=\"next\" href=\"/faults/col/cal/2024-01.html\">下一页</a></div>"
            "</body></html>"
        ).encode()

    def _calendar_page(self, path: str) -> bytes:
        year, month = (int(x) for x in path.rsplit("/", 1)[1].split(".")[0].split("-"))
        nxt = f"{year + month // 12}-{month % 12 + 1:02d}"
        return (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>日历</title></head><body>"
            f"<h1>{year}年{month}月</h1><ul class=\"list\"></ul>"
            f"<a class=\"next\" href=\"/faults/col/cal/{nxt}.html\">下个月</a></body></html>"
        ).encode()


def make_fault_server(host: str = "127.0.0.1", port: int = 0, root: str | Path | None = None,
                      **options) -> FaultSiteServer:
    """A fault server bound to host:port (0 = any free port); run serve_forever() in a thread."""
    root = Path(root) if root else DEFAULT_ROOT
    return FaultSiteServer((host, port), root, **options)


def site_toml(base_url: str, max_list_pages: int | None = None) -> str:
    """The fault site's registry entry; no list-page bound unless given (the calendar is caught by behaviour)."""
    entry = FAULT_SITE_TOML.format(base_url=base_url.rstrip("/"))
    return entry + (f"max_list_pages = {max_list_pages}\n" if max_list_pages else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m govpub_dev.faultsite",
        description="Serve the sample site with injected faults (see the module docstring); prints the "
        "registry entry for it. Ctrl-C stops it and prints how often each path was requested.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--refuse-default-user-agent", action="store_true")
    args = parser.parse_args(argv)
    server = make_fault_server(args.host, args.port, refuse_default_user_agent=args.refuse_default_user_agent)
    print(site_toml(server.url), flush=True)
    try:
        serve_until_interrupted(server)
    finally:
        print(json.dumps(dict(server.counts), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
