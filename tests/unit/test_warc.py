"""WARC round trip: what the spider writes is what the parser reads back, offsets included."""

import io

from govpub.archive.warc import Fetched, WarcFileWriter, read_one, read_records


def exchange(url: str, body: bytes, status: int = 200, **context) -> Fetched:
    return Fetched(
        url=url,
        status=status,
        reason="OK" if status == 200 else "Not Found",
        response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "999")],
        body=body,
        request_headers=[("User-Agent", "govpub-test")],
        fetched_at="2026-11-23T09:00:00Z",
        context=context,
    )


def test_round_trip_keeps_bytes_status_context_and_offsets():
    gbk_body = "<html><meta charset=gb2312><p>教育局工作要点</p></html>".encode("gbk")
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    first = writer.write(exchange("http://127.0.0.1/a.html", gbk_body, site="s", kind="article", article_url="http://127.0.0.1/a.html", page_no=1))
    second = writer.write(exchange("http://127.0.0.1/gone.html", b"", status=404, site="s", kind="article"))
    buffer.seek(0)
    records = list(read_records(buffer))

    assert [r.fetched.url for r in records] == ["http://127.0.0.1/a.html", "http://127.0.0.1/gone.html"]
    assert records[0].fetched.body == gbk_body  # bytes as fetched, not re-encoded
    assert records[0].fetched.status == 200 and records[1].fetched.status == 404
    assert records[0].fetched.context == {"site": "s", "kind": "article", "article_url": "http://127.0.0.1/a.html", "page_no": 1}
    assert (records[0].record_id, records[0].offset, records[0].length) == first
    assert (records[1].record_id, records[1].offset, records[1].length) == second
    assert records[0].payload_digest.startswith("sha1:")
    # Content-Encoding is dropped (the body is stored decoded) and Content-Length matches the body.
    headers = dict(records[0].fetched.response_headers)
    assert "Content-Encoding" not in headers and headers["Content-Length"] == str(len(gbk_body))


def test_one_record_can_be_read_from_its_byte_range():
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    writer.write(exchange("http://127.0.0.1/1.html", b"one"))
    _, offset, length = writer.write(exchange("http://127.0.0.1/2.html", "二".encode()))
    member = buffer.getvalue()[offset : offset + length]
    fetched = read_one(member)
    assert fetched.url == "http://127.0.0.1/2.html" and fetched.body == "二".encode()
