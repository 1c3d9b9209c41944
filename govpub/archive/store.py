"""The S3 archive store: one boto3 client per `Archive`, byte-stable JSON, spooled reads.

The key layout is in govpub.archive.keys (the downstream contract; docs/archive.md).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from govpub.archive.keys import document_key, document_prefix, parse_document_key, safe_key_part, status_key, version_key
from govpub.schema import Document
from govpub.settings import Settings


#: `put_json_if_changed(stored=…)` not given: the stored object is read first
UNREAD: Any = object()

#: S3 requests in flight at once in the batch reads and writes (`Archive.map`), and the size of
#: boto3's connection pool. A request costs a round trip (20–50 ms on a real object store), so a
#: batch of N documents one after another waits N round trips; 16 at once waits N/16.
S3_CONCURRENCY = 16

T = TypeVar("T")
R = TypeVar("R")


class ArchiveUnavailable(RuntimeError):
    """The S3 server cannot be reached or refuses us; the message names the endpoint."""


def s3_client(settings: Settings, *, connect_timeout: float = 5, read_timeout: float = 60, attempts: int = 5,
              pool_connections: int = S3_CONCURRENCY):
    # S3Proxy (and several other S3-compatible servers) reject boto3's default
    # flexible checksums; "when_required" keeps plain Content-MD5 semantics.
    config = Config(
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=pool_connections,
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key,
        config=config,
    )


@dataclass(frozen=True)
class DocumentEntry:
    """What one listing of documents/ says about a document: its versions, latest key, status record."""

    site: str
    id: str
    versions: int
    has_latest: bool
    has_status: bool
    #: latest.json has the ETag of the highest version: it is a complete copy of it (no crash between the PUTs)
    latest_is_top: bool = False


@dataclass
class Archive:
    """Thin, typed access to the archive bucket. Clients are built here, once per task.

    `written` records every object this instance PUT ({key, size, sha256}), in order:
    the run manifests list them. The boto3 client is thread-safe; `map` runs requests concurrently.
    """

    settings: Settings
    s3: Any = field(init=False)
    written: list[dict] = field(init=False, default_factory=list)
    _written_lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.s3 = s3_client(self.settings)

    @property
    def bucket(self) -> str:
        return self.settings.s3_bucket

    @property
    def prefix(self) -> str:
        return self.settings.s3_prefix

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` over `items` with up to S3_CONCURRENCY at once (each call doing its requests);
        results in the order of `items`; the first exception is raised once all calls ended.

        What the calls PUT is recorded in `written` sorted by key (threads finish in any order;
        step records list these objects and must not change between identical re-runs).
        """
        items = list(items)
        if len(items) <= 1:
            return [fn(item) for item in items]
        mark = len(self.written)
        try:
            with ThreadPoolExecutor(max_workers=min(S3_CONCURRENCY, len(items)), thread_name_prefix="s3") as pool:
                return list(pool.map(fn, items))
        finally:
            with self._written_lock:
                self.written[mark:] = sorted(self.written[mark:], key=lambda info: info["key"])

    def _where(self) -> str:
        return f"s3://{self.bucket} at {self.settings.s3_endpoint or 'AWS'}"

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EndpointConnectionError as exc:
            raise ArchiveUnavailable(f"S3 not reachable at {self.settings.s3_endpoint}: {exc}") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            if code in ("NoSuchKey", "404"):
                raise
            raise ArchiveUnavailable(f"S3 {what} failed on {self._where()}: {code}: {exc}") from exc
        except BotoCoreError as exc:
            raise ArchiveUnavailable(f"S3 {what} failed on {self._where()}: {exc}") from exc

    # -- bucket ---------------------------------------------------------------------------
    def check_reachable(self) -> None:
        self._call("list buckets", self.s3.list_buckets)

    def ensure_bucket(self) -> None:
        try:
            self._call("head bucket", self.s3.head_bucket, Bucket=self.bucket)
        except ClientError:
            self._call("create bucket", self.s3.create_bucket, Bucket=self.bucket)

    def delete_bucket_contents_and_bucket(self) -> None:
        for key in list(self.list_keys("")):
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        try:
            self.s3.delete_bucket(Bucket=self.bucket)
        except ClientError:
            pass

    # -- objects --------------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> dict:
        """One PUT of complete bytes (atomic for readers); returns and records {key, size, sha256}."""
        self._call("put", self.s3.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        info = {"key": key, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        with self._written_lock:
            self.written.append(info)
        return info

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> dict:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        with open(path, "rb") as fh:
            self._call(
                "upload", self.s3.upload_fileobj, fh, self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
        info = {"key": key, "size": size, "sha256": digest.hexdigest()}
        with self._written_lock:
            self.written.append(info)
        return info

    def delete(self, key: str) -> None:
        """Delete one object (absent is fine: S3 deletes are idempotent)."""
        self._call("delete", self.s3.delete_object, Bucket=self.bucket, Key=key)

    def get_bytes(self, key: str) -> bytes:
        response = self._call("get", self.s3.get_object, Bucket=self.bucket, Key=key)
        return response["Body"].read()

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        response = self._call(
            "get", self.s3.get_object, Bucket=self.bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}"
        )
        return response["Body"].read()

    def download_to(self, key: str, fileobj: IO[bytes]) -> None:
        self._call("download", self.s3.download_fileobj, self.bucket, key, fileobj)

    def exists(self, key: str) -> bool:
        try:
            self._call("head", self.s3.head_object, Bucket=self.bucket, Key=key)
            return True
        except ClientError:
            return False

    def get_json_or_none(self, key: str) -> Any | None:
        try:
            return json.loads(self.get_bytes(key))
        except ClientError:
            return None

    def put_json(self, key: str, data: Any) -> dict:
        return self.put_bytes(key, json_bytes(data), "application/json")

    def put_json_if_changed(self, key: str, data: Any, stored: Any = UNREAD) -> dict | None:
        """PUT only when the stored bytes differ (idempotent re-runs write nothing); info or None.

        `stored`: the object's value as the caller just read it (None: absent), which saves
        reading it again; by default it is read here.
        """
        body = json_bytes(data)
        if stored is UNREAD:
            try:
                if self.get_bytes(key) == body:
                    return None
            except ClientError:
                pass
        elif stored is not None and json_bytes(stored) == body:  # archive JSON is always json_bytes
            return None
        return self.put_bytes(key, body, "application/json")

    def list_keys(self, prefix: str) -> Iterator[str]:
        for key, _etag in self.list_objects(prefix):
            yield key

    def list_objects(self, prefix: str) -> Iterator[tuple[str, str]]:
        """(key, ETag) of every object under `prefix`: a listing is 1 request per 1,000 keys."""
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = self._call("list", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix)))
        for page in pages:
            for item in page.get("Contents", []):
                # The filesystem backend of S3Proxy lists directory placeholders.
                if not item["Key"].endswith("/"):
                    yield item["Key"], item.get("ETag", "")

    def list_modified(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """(key, LastModified) of every object under `prefix` (one listing, like list_objects)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = self._call("list", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix)))
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    yield item["Key"], item["LastModified"]

    def list_folders(self, prefix: str) -> list[str]:
        """The names of the "folders" right under `prefix` (one listing with a delimiter)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = self._call("list", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")))
        return sorted(p["Prefix"][len(prefix):].rstrip("/") for page in pages for p in page.get("CommonPrefixes", []))

    # -- documents ------------------------------------------------------------------------
    # documents/{site}/{id}/v{n}.json are immutable versions; latest.json is a copy of the
    # highest one, written after it (a reader of latest.json never sees a version that is not
    # stored yet). See govpub.archive.versions for when a new version is made.
    def document_key(self, site: str, doc_id: str) -> str:
        return document_key(self.prefix, site, doc_id)

    def version_key(self, site: str, doc_id: str, version: int) -> str:
        return version_key(self.prefix, site, doc_id, version)

    def status_key(self, site: str, doc_id: str) -> str:
        return status_key(self.prefix, site, doc_id)

    def get_document(self, site: str, doc_id: str) -> Document | None:
        """The latest version, or None."""
        try:
            return Document.from_json(self.get_bytes(self.document_key(site, doc_id)))
        except ClientError:
            return None

    def get_version(self, site: str, doc_id: str, version: int) -> Document | None:
        try:
            return Document.from_json(self.get_bytes(self.version_key(site, doc_id, version)))
        except ClientError:
            return None

    def versions_of(self, site: str, doc_id: str) -> list[int]:
        numbers = []
        for key in self.list_keys(document_prefix(self.prefix, site, doc_id)):
            parsed = parse_document_key(key)
            if parsed and parsed[2].startswith("v"):
                numbers.append(int(parsed[2][1:]))
        return sorted(numbers)

    def put_document(self, doc: Document, version: int) -> list[dict]:
        """Write version `version` of `doc`, then the latest view. Returns the objects written."""
        body = doc.to_json().encode("utf-8")
        first = self.put_bytes(self.version_key(doc.site, doc.id, version), body, "application/json")
        second = self.put_bytes(self.document_key(doc.site, doc.id), body, "application/json")
        return [first, second]

    def get_status(self, site: str, doc_id: str) -> dict | None:
        return self.get_json_or_none(self.status_key(site, doc_id))

    def document_entries(self, site: str | None = None) -> dict[str, DocumentEntry]:
        """One listing of documents/ (or one site's): every document id with its versions and records."""
        return {doc_id: entry for doc_id, entry in self.document_listing(site).items() if entry.has_latest}

    def document_listing(self, site: str | None = None, doc_id: str | None = None) -> dict[str, DocumentEntry]:
        """Like `document_entries`, also listing documents whose latest.json is missing (a version
        written, then a crash before latest.json): what deciding the next version needs."""
        if doc_id is not None:
            prefix = document_prefix(self.prefix, site or "", doc_id)
        else:
            prefix = f"{self.prefix}documents/" + (f"{safe_key_part(site)}/" if site else "")
        seen: dict[tuple[str, str], dict] = {}
        for key, etag in self.list_objects(prefix):
            parsed = parse_document_key(key)
            if not parsed:
                continue
            site_id, found_id, what = parsed
            entry = seen.setdefault((site_id, found_id), {"versions": 0, "latest": None, "status": False, "etags": {}})
            if what == "latest":
                entry["latest"] = etag
            elif what == "status":
                entry["status"] = True
            else:
                entry["versions"] = max(entry["versions"], int(what[1:]))
                entry["etags"][int(what[1:])] = etag
        return {
            found_id: DocumentEntry(
                site_id, found_id, e["versions"], e["latest"] is not None, e["status"],
                latest_is_top=bool(e["latest"]) and e["etags"].get(e["versions"]) == e["latest"],
            )
            for (site_id, found_id), e in sorted(seen.items())
        }

    def iter_documents(self, site: str | None = None, batch: int = 1000) -> Iterator[Document]:
        """Every document's latest version (optionally one site's): one listing, then the GETs
        concurrently, `batch` documents at a time (memory stays bounded by the batch)."""
        entries = list(self.document_entries(site).values())
        for start in range(0, len(entries), batch):
            yield from self.map(lambda e: Document.from_json(self.get_bytes(self.document_key(e.site, e.id))),
                                entries[start:start + batch])

    def put_jsonl_gz(self, key: str, rows: list[dict]) -> dict:
        buffer = io.BytesIO()
        # mtime=0 keeps the bytes identical for identical rows: re-runs write the same object.
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
            for row in rows:
                gz.write(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        return self.put_bytes(key, buffer.getvalue(), "application/x-ndjson+gzip")

    def get_jsonl_gz(self, key: str) -> list[dict]:
        data = gzip.decompress(self.get_bytes(key))
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def spool(self, key: str) -> tempfile.SpooledTemporaryFile:
        """The object's bytes in a seekable temp file (large WARC files stay off the heap)."""
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
        self.download_to(key, spool)
        spool.seek(0)
        return spool


def json_bytes(data: Any) -> bytes:
    """The one JSON encoding of archive objects: UTF-8, keys sorted, indent 1 (byte-stable)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
