"""A counting reverse proxy for S3: forwards every request to the real endpoint, counts it by operation.

    from s3_counter import start            # bench/ on sys.path (bench/s3_requests.py does this)

    proxy = start("http://127.0.0.1:9000")  # optional latency_ms=30: added to every forwarded round trip
    os.environ["GOVPUB_S3_ENDPOINT"] = proxy.url   # child processes inherit it
    ...
    proxy.counts()   # {"PutObject": 12, "GetObject": 30, ...}
    proxy.reset()
    proxy.close()

Requests are forwarded byte for byte (headers as signed, the Host header included, so SigV4
signatures stay valid); bodies are streamed, with Content-Length or chunked transfer encoding
(aws-chunked content encoding is just a body to the proxy). Client connections are kept alive
(HTTP/1.1) and each handler thread keeps its own upstream connection. `Expect: 100-continue` is
answered by the proxy itself and not forwarded (botocore does not sign it).

Only path-style addressing (`http://host/bucket/key`, what govpub.archive configures) is
classified; a virtual-host request would be counted as a bucket/service operation.

No govpub imports: this module is independent of the package layout.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

#: The operations the tables show, in this order (anything else is counted as "other:<METHOD>").
OPERATIONS = (
    "ListObjectsV2", "ListObjects", "GetObject", "HeadObject", "PutObject", "CopyObject", "DeleteObject",
    "DeleteObjects", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
    "AbortMultipartUpload", "ListParts", "ListMultipartUploads", "HeadBucket", "CreateBucket",
    "DeleteBucket", "GetBucketLocation", "ListBuckets",
)

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
               "te", "trailer", "upgrade", "expect"}


def classify(method: str, path: str, query: str = "", headers: dict | None = None) -> str:
    """The S3 operation of a path-style request (pure: method, raw path, raw query string, headers)."""
    method = method.upper()
    params = parse_qs(query, keep_blank_values=True)
    lower = {k.lower() for k in (headers or {})}
    parts = unquote(path).lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if not bucket:
        return "ListBuckets" if method == "GET" else f"other:{method}"
    if not key:  # the bucket itself
        if method == "GET":
            if params.get("list-type") == ["2"]:
                return "ListObjectsV2"
            if "uploads" in params:
                return "ListMultipartUploads"
            if "location" in params:
                return "GetBucketLocation"
            if not (set(params) - {"prefix", "delimiter", "marker", "max-keys", "encoding-type"}):
                return "ListObjects"
            return f"other:{method}"
        if method == "HEAD":
            return "HeadBucket"
        if method == "PUT" and not params:
            return "CreateBucket"
        if method == "DELETE" and not params:
            return "DeleteBucket"
        if method == "POST" and "delete" in params:
            return "DeleteObjects"
        return f"other:{method}"
    if method == "GET":
        if "uploadId" in params:
            return "ListParts"
        return "GetObject" if not (set(params) - {"versionId", "partNumber"}) or "response-content-type" in params \
            else f"other:{method}"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "uploadId" in params and "partNumber" in params:
            return "UploadPart"  # (UploadPartCopy too, rare)
        if "x-amz-copy-source" in lower:
            return "CopyObject"
        if not params:
            return "PutObject"
        return f"other:{method}"
    if method == "POST":
        if "uploads" in params:
            return "CreateMultipartUpload"
        if "uploadId" in params:
            return "CompleteMultipartUpload"
        return f"other:{method}"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in params else "DeleteObject"
    return f"other:{method}"


class Request(NamedTuple):
    """One forwarded request, as logged."""

    op: str
    method: str
    bucket: str
    key: str        # the object key; for a listing, its prefix
    status: int
    sent: int       # request body bytes
    received: int   # response body bytes
    seconds: float


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when an idle connection's socket is closed or readable (EOF or unexpected bytes pending)."""
    if conn.sock is None:
        return True
    try:
        readable, _, _ = select.select([conn.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def setup(self):
        super().setup()
        self.server.proxy._count_connection()

    def _upstream(self) -> http.client.HTTPConnection:
        conn = getattr(self, "_conn", None)
        if conn is not None and _dropped(conn):
            # A kept-alive upstream connection the server closed while idle: reconnect (as urllib3 does).
            conn.close()
            conn = None
        if conn is None:
            conn = self.server.proxy._connect()
            self._conn = conn
        return conn

    def _drop_upstream(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
        self._conn = None

    def finish(self):
        self._drop_upstream()
        super().finish()

    def _forward(self) -> None:
        proxy = self.server.proxy
        started = time.monotonic()
        split = urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        op = classify(self.command, split.path, split.query, headers)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        framing = "chunked" if chunked else ("content-length" if self.headers.get("Content-Length") else "no body")
        if "aws-chunked" in self.headers.get("Content-Encoding", "").lower():
            framing += "+aws-chunked"
        proxy._count(op, framing)  # counted on arrival, before forwarding
        if proxy.latency_ms:
            time.sleep(proxy.latency_ms / 1000)
        length = int(self.headers.get("Content-Length") or 0) if not chunked else None
        conn = self._upstream()
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                conn.putheader(name, value)
        conn.endheaders()
        sent = self._copy_chunked_body(conn) if chunked else self._copy_body(conn, length)
        response = conn.getresponse()
        self.send_response_only(response.status, response.reason)
        body_allowed = self.command != "HEAD" and response.status not in (204, 304) and response.status >= 200
        out_chunked = False
        for name, value in response.getheaders():
            lname = name.lower()
            if lname in _HOP_BY_HOP or lname == "transfer-encoding":
                if lname == "transfer-encoding" and "chunked" in value.lower():
                    out_chunked = body_allowed
                continue
            self.send_header(name, value)
        if out_chunked:
            self.send_header("Transfer-Encoding", "chunked")
        close = response.will_close and not out_chunked and response.getheader("Content-Length") is None \
            and body_allowed
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        parts = unquote(split.path).lstrip("/").split("/", 1)
        key = parts[1] if len(parts) > 1 else ""
        if op.startswith("List") and not key:
            key = parse_qs(split.query).get("prefix", [""])[0]

        def log(received: int) -> None:
            # Logged before the client can have the response's last byte: once a client's call
            # returns, its request is in requests().
            proxy._log(Request(op, self.command, parts[0], key, response.status, sent, received,
                               time.monotonic() - started))

        if not body_allowed or (response.getheader("Content-Length") == "0" and not out_chunked):
            response.read()
            log(0)
            self.end_headers()
        else:
            self.end_headers()
            received, held = 0, b""
            while True:
                chunk = response.read(1 << 16)  # (read1 would not close a drained Content-Length body)
                if not chunk:
                    break
                received += len(chunk)
                if held:
                    self._write_body(held, out_chunked)
                held = chunk  # one chunk behind, so the last one leaves after log()
            log(received)
            if held:
                self._write_body(held, out_chunked)
            if out_chunked:
                self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        if response.will_close:
            self._drop_upstream()

    def _write_body(self, chunk: bytes, chunked: bool) -> None:
        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)

    def _copy_body(self, conn: http.client.HTTPConnection, length: int) -> int:
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                raise ConnectionError("client closed the connection mid-body")
            conn.send(chunk)
            remaining -= len(chunk)
        return length

    def _copy_chunked_body(self, conn: http.client.HTTPConnection) -> int:
        """Forward a chunked request body verbatim (framing included); return the payload size."""
        total = 0
        while True:
            line = self.rfile.readline(65537)
            conn.send(line)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    trailer = self.rfile.readline(65537)
                    conn.send(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        return total
            data = self.rfile.read(size + 2)  # chunk + CRLF
            conn.send(data)
            total += size

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: "CountingProxy"


class CountingProxy:
    """A running counting proxy; see start()."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0):
        split = urlsplit(upstream)
        if split.scheme != "http":
            raise ValueError(f"only http:// upstreams are supported, not {upstream!r}")
        self.upstream = upstream
        self._upstream_host = split.hostname or "127.0.0.1"
        self._upstream_port = split.port or 80
        self.latency_ms = latency_ms
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._requests: list[Request] = []
        self._framing: Counter[str] = Counter()
        self._connections = 0
        self._server = _Server((host, port), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="s3-counter", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=120)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _count(self, op: str, framing: str) -> None:
        with self._lock:
            self._counts[op] += 1
            self._framing[framing] += 1

    def _count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def _log(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def counts(self) -> dict[str, int]:
        """Requests per operation since start or the last reset() (counted when they arrive)."""
        with self._lock:
            return dict(self._counts)

    def requests(self) -> list[Request]:
        """Every completed request since start or the last reset(), in completion order."""
        with self._lock:
            return list(self._requests)

    def extra(self) -> dict:
        """Since start or the last reset(): client TCP connections accepted, and request body framing
        ({"no body": n, "content-length": n, "chunked": n, ...; "+aws-chunked" = Content-Encoding aws-chunked})."""
        with self._lock:
            return {"connections": self._connections, "framing": dict(self._framing)}

    def reset(self) -> dict[str, int]:
        """Zero the counters (and the request log); return the counts they had."""
        with self._lock:
            counts = dict(self._counts)
            self._counts.clear()
            self._requests.clear()
            self._framing.clear()
            self._connections = 0
            return counts

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "CountingProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start(upstream: str = "http://127.0.0.1:9000", *, latency_ms: float = 0, host: str = "127.0.0.1",
          port: int = 0) -> CountingProxy:
    """Start a counting proxy in front of `upstream` on host:port (0 = a free port), in a daemon thread."""
    return CountingProxy(upstream, host, port, latency_ms)
