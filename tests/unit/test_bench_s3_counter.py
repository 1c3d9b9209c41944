"""bench/s3_counter.py: S3 operations from method + path + query, and the proxy's forwarding (no services)."""

from __future__ import annotations

import http.client
import importlib.util
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("s3_counter", Path(__file__).resolve().parents[2] / "bench" / "s3_counter.py")
s3_counter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(s3_counter)
classify = s3_counter.classify


@pytest.mark.parametrize(
    "method, path, query, headers, op",
    [
        # what boto3 sends for govpub.archive (path-style addressing)
        ("GET", "/govpub-archive", "list-type=2&prefix=documents%2Ffanwen%2F&encoding-type=url", {}, "ListObjectsV2"),
        ("GET", "/govpub-archive/", "list-type=2&prefix=&continuation-token=abc", {}, "ListObjectsV2"),
        ("GET", "/govpub-archive", "prefix=raw%2F&marker=x", {}, "ListObjects"),
        ("GET", "/govpub-archive/documents/fanwen/ab12/latest.json", "", {}, "GetObject"),
        ("GET", "/govpub-archive/raw/fanwen/2026-11-20/run-00000.warc.gz", "", {"Range": "bytes=0-99"}, "GetObject"),
        ("HEAD", "/govpub-archive/state/fanwen/crawl.json", "", {}, "HeadObject"),
        ("PUT", "/govpub-archive/runs/r1/fanwen/crawl.json", "", {"Content-Length": "10"}, "PutObject"),
        ("PUT", "/govpub-archive/documents/x/y/v2.json", "", {"x-amz-copy-source": "/govpub-archive/a"}, "CopyObject"),
        ("DELETE", "/govpub-archive/documents/x/y/v1.json", "", {}, "DeleteObject"),
        ("POST", "/govpub-archive", "delete", {}, "DeleteObjects"),
        ("POST", "/govpub-archive/big.warc.gz", "uploads", {}, "CreateMultipartUpload"),
        ("PUT", "/govpub-archive/big.warc.gz", "partNumber=2&uploadId=u1", {}, "UploadPart"),
        ("POST", "/govpub-archive/big.warc.gz", "uploadId=u1", {}, "CompleteMultipartUpload"),
        ("DELETE", "/govpub-archive/big.warc.gz", "uploadId=u1", {}, "AbortMultipartUpload"),
        ("GET", "/govpub-archive/big.warc.gz", "uploadId=u1", {}, "ListParts"),
        ("GET", "/govpub-archive", "uploads", {}, "ListMultipartUploads"),
        ("HEAD", "/govpub-archive", "", {}, "HeadBucket"),
        ("HEAD", "/govpub-archive/", "", {}, "HeadBucket"),
        ("PUT", "/govpub-archive", "", {}, "CreateBucket"),
        ("DELETE", "/govpub-archive", "", {}, "DeleteBucket"),
        ("GET", "/govpub-archive", "location", {}, "GetBucketLocation"),
        ("GET", "/", "", {}, "ListBuckets"),
        ("PUT", "/govpub-archive", "versioning", {}, "other:PUT"),
        ("GET", "/govpub-archive", "acl", {}, "other:GET"),
        ("PATCH", "/govpub-archive/k", "", {}, "other:PATCH"),
    ],
)
def test_classify(method, path, query, headers, op):
    assert classify(method, path, query, headers) == op


def test_keys_with_escaped_slashes_and_header_case_do_not_change_the_operation():
    assert classify("get", "/b/documents%2Fx%2Flatest.json") == "GetObject"
    assert classify("PUT", "/b/k", "", {"X-Amz-Copy-Source": "b/a"}) == "CopyObject"


def test_every_named_operation_is_a_column():
    assert {"ListObjectsV2", "GetObject", "HeadObject", "PutObject", "DeleteObject", "DeleteObjects",
            "HeadBucket", "CreateBucket"} <= set(s3_counter.OPERATIONS)


# -- the proxy, against a tiny local upstream --------------------------------------------------
class _Echo(BaseHTTPRequestHandler):
    """Answers every request with JSON describing what arrived (body de-chunked)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"method": self.command, "path": self.path, "body": body.decode(),
                          "host": self.headers["Host"], "expect": self.headers.get("Expect"),
                          "te": self.headers.get("Transfer-Encoding")}).encode()
        self.send_response(404 if self.path.endswith("/missing") else 200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _answer


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def _conn(proxy) -> http.client.HTTPConnection:
    host, port = proxy.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_proxy_forwards_bodies_and_headers_over_one_kept_alive_connection(upstream):
    with s3_counter.start(upstream) as proxy:
        conn = _conn(proxy)
        conn.request("PUT", "/b/k1", body=b"hello", headers={"Host": "signed-host:1234", "Expect": "100-continue"})
        got = json.loads(conn.getresponse().read())
        assert got == {"method": "PUT", "path": "/b/k1", "body": "hello", "host": "signed-host:1234",
                       "expect": None, "te": None}  # the Host as signed; Expect answered by the proxy
        conn.request("PUT", "/b/k2", body=iter([b"ab", b"cde"]), encode_chunked=True)
        got = json.loads(conn.getresponse().read())
        assert got["body"] == "abcde" and got["te"] == "chunked"
        conn.request("HEAD", "/b/k2")
        response = conn.getresponse()
        assert response.status == 200 and response.read() == b""
        conn.request("GET", "/b/missing")
        response = conn.getresponse()
        assert response.status == 404 and json.loads(response.read())["path"] == "/b/missing"
        conn.request("GET", "/b?prefix=raw%2F")
        assert json.loads(conn.getresponse().read())["method"] == "GET"
        conn.close()
        assert proxy.counts() == {"PutObject": 2, "HeadObject": 1, "GetObject": 1, "ListObjects": 1}
        assert proxy.extra()["connections"] == 1
        assert proxy.extra()["framing"] == {"content-length": 1, "chunked": 1, "no body": 3}
        assert [r.status for r in proxy.requests() if r.op == "GetObject"] == [404]
        assert [r.key for r in proxy.requests() if r.op == "ListObjects"] == ["raw/"]  # a listing's prefix
        assert proxy.reset()["PutObject"] == 2 and proxy.counts() == {}


def test_latency_is_added_to_every_forwarded_round_trip(upstream):
    with s3_counter.start(upstream, latency_ms=50) as proxy:
        conn = _conn(proxy)
        started = time.monotonic()
        for _ in range(3):
            conn.request("GET", "/b/k")
            conn.getresponse().read()
        assert time.monotonic() - started >= 0.15
        assert proxy.counts() == {"GetObject": 3}
