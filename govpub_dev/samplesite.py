"""HTTP server for the bundled sample bureau sites (sample_site/www).

Serves static files — and the pages of the big generated column (/longwan/xxgk/lnwj/, 3,000
articles: too many to check in), rendered on request by sample_site/sitegen/bigcolumn.py, the same
bytes every time — with content type by extension, the /jintan/ HTML (GBK bytes)
as bare `text/html` without a charset (as such sites do), a deterministic
`Last-Modified` (from sample_site/manifest.json, else a fixed date) and a strong
`ETag` (sha256 of the bytes), with 304 answers to conditional requests. No
directory listings, no path traversal outside the root, no dotfiles.

A URL with a query string is served from the file "<path>@<query>" when the build wrote
one (index.html?page=2 → index.html@page=2), else from <path> (a cache-buster changes
nothing). Files without an extension holding JSON (the gkmlpt API) are sent as JSON.

One dynamic endpoint, as Hanweb jcms has it: POST …/module/web/jpage/dataproxy.jsp
(`startrecord`, `endrecord`, `perpage` in the query or the form; `columnid` in the form)
answers the records startrecord..endrecord of records/<columnid>.json beside it as a
<datastore> XML document.

    python -m govpub_dev.samplesite --port 8765
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import posixpath
import sys
import threading
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from govpub.settings import REPO_ROOT
from govpub_dev.serving import serve_until_interrupted

log = logging.getLogger("govpub_dev.samplesite")

DEFAULT_ROOT = REPO_ROOT / "sample_site" / "www"
DEFAULT_PORT = 8765
#: Last-Modified for files the manifest does not list.
FALLBACK_LAST_MODIFIED = datetime(2024, 7, 20, 0, 0, 0, tzinfo=timezone.utc)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".wps": "application/vnd.ms-works",
    ".ofd": "application/ofd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
}
#: Path prefixes whose HTML is sent as bare text/html (the bytes are GBK; the page says so in a <meta>).
NO_CHARSET_PREFIXES = ("/jintan/",)


#: Hanweb's list endpoint (POST), answered from records/<columnid>.json in the same directory.
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def dataproxy_answer(records: list[str], start: int, end: int, per_page: int) -> bytes:
    """What dataproxy.jsp answers: records start..end (1-based, inclusive) and the totals."""
    chosen = records[max(start, 1) - 1 : max(end, 0)]
    body = "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in chosen)
    pages = -(-len(records) // per_page) if per_page > 0 else 1
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{len(records)}</totalrecord>\n'
            f"<totalpage>{pages}</totalpage>\n<recordset>\n{body}</recordset>\n</datastore>\n").encode("utf-8")


def content_type_for(url_path: str) -> str:
    suffix = posixpath.splitext(url_path.split("@")[0])[1].lower()
    ctype = CONTENT_TYPES.get(suffix, "application/octet-stream")
    if ctype.startswith("text/html") and url_path.startswith(NO_CHARSET_PREFIXES):
        return "text/html"
    return ctype


def generated_page(url_path: str) -> tuple[bytes, datetime] | None:
    """(bytes, last modified) of a page of a generated column, None for any other path."""
    if not url_path.startswith(GENERATED_PREFIXES):
        return None
    return _bigcolumn().render(url_path)


GENERATED_PREFIXES = ("/longwan/xxgk/lnwj/",)


def _bigcolumn():
    # sample_site/ is a directory of scripts (build.py imports `sitegen` beside it), not a package.
    generators = str(REPO_ROOT / "sample_site")
    if generators not in sys.path:
        sys.path.insert(0, generators)
    return importlib.import_module("sitegen.bigcolumn")


def load_manifest(root: Path | None = None) -> dict[str, Any]:
    """The manifest written by sample_site/build.py (articles, list pages, files)."""
    root = Path(root) if root else DEFAULT_ROOT
    path = root.parent / "manifest.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


class SampleSiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, quiet: bool = False) -> None:
        self.root = Path(root).resolve()
        self.quiet = quiet
        files = load_manifest(self.root).get("files", {})
        self.last_modified: dict[str, datetime] = {
            path: parsedate_to_datetime(info["last_modified"]) for path, info in files.items()
        }
        self._etags: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()
        super().__init__(address, SampleSiteHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def etag_for(self, path: Path, data: bytes) -> str:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            tag = self._etags.get(key)
            if tag is None:
                tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
                self._etags[key] = tag
        return tag


class SampleSiteHandler(BaseHTTPRequestHandler):
    server: SampleSiteServer
    server_version = "govpub-samplesite/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"))) if length else {}
        parts = urlsplit(self.path)
        params = {**dict(parse_qsl(parts.query)), **form}
        resolved = None
        if parts.path.endswith(DATAPROXY) and params.get("columnid", "").isdigit():
            records_path = parts.path[: -len("dataproxy.jsp")] + f"records/{params['columnid']}.json"
            resolved = self._resolve(records_path)
        if resolved is None:
            self._send(HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain; charset=utf-8")
            return
        records = json.loads(resolved[1].read_text(encoding="utf-8"))["records"]
        try:
            start, end = int(params.get("startrecord", 1)), int(params.get("endrecord", len(records)))
            per = int(params.get("perpage", 15))
        except ValueError:
            self._send(HTTPStatus.BAD_REQUEST, b"bad startrecord/endrecord/perpage\n", "text/plain; charset=utf-8")
            return
        self._send(HTTPStatus.OK, dataproxy_answer(records, start, end, per), "text/xml;charset=UTF-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _resolve(self, raw_path: str) -> tuple[str, Path] | None:
        """URL path -> (clean url path, file) or None when it must not be served."""
        query = urlsplit(raw_path).query
        if query:
            found = self._resolve_path(unquote(urlsplit(raw_path).path) + "@" + query)
            if found is not None:
                return found
        return self._resolve_path(unquote(urlsplit(raw_path).path))

    def _resolve_path(self, path: str) -> tuple[str, Path] | None:
        if not path.startswith("/") or "\x00" in path or "\\" in path:
            return None
        segments = path.split("/")
        if any(seg in ("..", ".") or seg.startswith(".") for seg in segments if seg):
            return None
        clean = posixpath.normpath(path)
        if path.endswith("/") or clean == "/":
            clean = clean.rstrip("/") + "/index.html"
        target = (self.server.root / clean.lstrip("/")).resolve()
        if not target.is_relative_to(self.server.root):
            return None
        if target.is_dir():
            target = target / "index.html"
            clean = clean.rstrip("/") + "/index.html"
        if not target.is_file():
            return None
        return clean, target

    def _serve(self, head: bool) -> None:
        # A generated column's page, unless a file in the root stands in for it (an edited copy)
        generated = None if self._resolve(self.path) else generated_page(unquote(urlsplit(self.path).path))
        if generated is not None:
            data, modified = generated
            return self._send_page(head, urlsplit(self.path).path, data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"',
                                   modified)
        resolved = self._resolve(self.path)
        if resolved is None:
            body = b"404 Not Found\n"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        url_path, file = resolved
        data = file.read_bytes()
        etag = self.server.etag_for(file, data)
        modified = self.server.last_modified.get(url_path, FALLBACK_LAST_MODIFIED)
        self._send_page(head, url_path, data, etag, modified)

    def _send_page(self, head: bool, url_path: str, data: bytes, etag: str, modified: datetime) -> None:
        if self._not_modified(etag, modified):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", format_datetime(modified, usegmt=True))
            self.end_headers()
            return
        content_type = content_type_for(url_path)
        if content_type == "application/octet-stream" and data[:1] in (b"{", b"["):
            content_type = "application/json; charset=utf-8"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", format_datetime(modified, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=timezone.utc)
            return modified <= since
        return False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature from the base class)
        if not self.server.quiet:
            log.info("%s - %s", self.address_string(), format % args)


def make_server(
    host: str = "127.0.0.1", port: int = 0, root: str | Path | None = None, *, quiet: bool = False
) -> SampleSiteServer:
    """A server bound to host:port (port 0 = any free port); call serve_forever() to run it."""
    root = Path(root) if root else DEFAULT_ROOT
    if not (root / "robots.txt").is_file():
        raise FileNotFoundError(f"{root} is not a built sample site (run sample_site/build.py)")
    return SampleSiteServer((host, port), root, quiet=quiet)


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, root: str | Path | None = None) -> None:
    """Serve until interrupted, logging one line per request."""
    server = make_server(host, port, root)
    log.info("serving %s at %s/", server.root, server.url)
    serve_until_interrupted(server)


DESCRIPTION = ("Serve the bundled sample bureau sites (sample_site/www): /longwan/ (TRS, UTF-8), "
               "/jintan/ (Hanweb, GBK), /fanwen/ (content farm), /nanhu/ (TRS script pager), /liyang/ (Hanweb jpage "
               "+ dataproxy.jsp), /huadu/ (gkmlpt JSON API), /keqiao/ (zfxxgk ?page=N), plus /robots.txt.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m govpub_dev sample-site` and `python -m govpub_dev.samplesite`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to bind (default: {DEFAULT_PORT})")
    parser.add_argument("--root", type=Path, default=None, help="site root (default: sample_site/www)")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C, one log line per request on stderr."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    serve(args.host, args.port, args.root)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govpub_dev.samplesite", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
