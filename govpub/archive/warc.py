"""WARC writing and reading (warcio), independent of S3 and Scrapy.

Each fetched response becomes three records, each its own gzip member:
`request`, `response` (HTTP status line + headers + body) and `metadata`
(govpub's crawl context as JSON: site, kind, article, page number), linked by
WARC-Concurrent-To. The response body is the entity body after content-decoding
(Scrapy decompresses gzip/deflate before we see it), so Content-Encoding and
Transfer-Encoding headers are dropped and Content-Length is rewritten to match.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field, replace
from typing import IO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_DROPPED_RESPONSE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
METADATA_CONTENT_TYPE = "application/vnd.govpub.crawl+json"


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """One HTTP exchange as fetched."""

    url: str
    status: int
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""  #: what a POST sent (a Hanweb dataproxy window), kept in the request record
    fetched_at: str  #: ISO 8601 UTC, e.g. 2026-11-23T09:00:00Z
    context: dict = field(default_factory=dict)  #: site, kind, article_url, page_no, referer

    @property
    def content_type(self) -> str | None:
        for name, value in self.response_headers:
            if name.lower() == "content-type":
                return value
        return None


@dataclass(frozen=True, kw_only=True)
class StoredRecord:
    """A response record read back from a WARC file, with where it sits in that file."""

    fetched: Fetched
    record_id: str
    offset: int
    length: int
    payload_digest: str | None


class WarcFileWriter:
    """Appends exchanges to one gzip WARC stream and remembers each response record's offset."""

    def __init__(self, fileobj: IO[bytes], *, software: str, info: dict[str, str] | None = None):
        self._fileobj = fileobj
        self._writer = WARCWriter(fileobj, gzip=True, warc_version="WARC/1.1")
        info_record = self._writer.create_warcinfo_record(
            "govpub", {"software": software, "format": "WARC File Format 1.1", **(info or {})}
        )
        self._writer.write_record(info_record)
        self.records = 0

    def tell(self) -> int:
        return self._fileobj.tell()

    def write(self, fetched: Fetched) -> tuple[str, int, int]:
        """Write request + response + metadata records; return (response record id, offset, length)."""
        status_line = f"{fetched.status} {fetched.reason or ''}".strip()
        headers = [(k, v) for k, v in fetched.response_headers if k.lower() not in _DROPPED_RESPONSE_HEADERS]
        headers.append(("Content-Length", str(len(fetched.body))))
        http_headers = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": fetched.fetched_at}
        response = self._writer.create_warc_record(
            fetched.url,
            "response",
            payload=io.BytesIO(fetched.body),
            length=len(fetched.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        response_id = response.rec_headers.get_header("WARC-Record-ID")

        request_line = f"{fetched.method} {_request_target(fetched.url)} HTTP/1.1"
        request = self._writer.create_warc_record(
            fetched.url,
            "request",
            payload=io.BytesIO(fetched.request_body),
            length=len(fetched.request_body),
            http_headers=StatusAndHeaders(request_line, list(fetched.request_headers), is_http_request=True),
            warc_headers_dict={**warc_headers, "WARC-Concurrent-To": response_id},
        )
        metadata_body = json.dumps(fetched.context, ensure_ascii=False, sort_keys=True).encode("utf-8")
        metadata = self._writer.create_warc_record(
            fetched.url,
            "metadata",
            payload=io.BytesIO(metadata_body),
            length=len(metadata_body),
            warc_content_type=METADATA_CONTENT_TYPE,
            warc_headers_dict={**warc_headers, "WARC-Concurrent-To": response_id},
        )
        offset = self.tell()
        self._writer.write_record(response)
        length = self.tell() - offset
        self._writer.write_record(request)
        self._writer.write_record(metadata)
        self.records += 1
        return response_id, offset, length


def read_records(fileobj: IO[bytes]) -> Iterator[StoredRecord]:
    """Every response in a WARC stream, joined with its govpub metadata record, in file order."""
    pending: dict[str, StoredRecord] = {}
    order: list[str] = []
    contexts: dict[str, dict] = {}
    iterator = ArchiveIterator(fileobj)
    for record in iterator:
        kind = record.rec_type
        if kind == "response":
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            fetched = _fetched_from(record)  # read the body before asking warcio for offsets
            offset = iterator.get_record_offset()
            iterator.read_to_end(record)
            pending[record_id] = StoredRecord(
                fetched=fetched,
                record_id=record_id,
                offset=offset,
                length=iterator.get_record_length(),
                payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            )
            order.append(record_id)
        elif kind == "metadata":
            target = record.rec_headers.get_header("WARC-Concurrent-To")
            if target and record.rec_headers.get_header("Content-Type") == METADATA_CONTENT_TYPE:
                contexts[target] = json.loads(record.content_stream().read() or b"{}")
    for record_id in order:
        stored = pending[record_id]
        yield replace(stored, fetched=replace(stored.fetched, context=contexts.get(record_id, {})))


def read_one(gzip_member: bytes) -> Fetched:
    """Decode one response record from its gzip member (fetched with an S3 range request)."""
    for record in ArchiveIterator(io.BytesIO(gzip_member)):
        if record.rec_type == "response":
            return _fetched_from(record)
    raise ValueError("no response record in the given bytes")


def _fetched_from(record) -> Fetched:
    http = record.http_headers
    return Fetched(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        reason=http.statusline.partition(" ")[2],
        response_headers=list(http.headers),
        body=record.content_stream().read(),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
