"""CDXJ indexes of the raw WARC files: what pywb and other web-archive tools read to find a
capture (URL + time → file, offset, length) without scanning the WARCs.

One index per WARC part, beside the archive under its own prefix (docs/archive.md):

    raw/{site}/{date}/{crawl_id}-{part:05d}.warc.gz  →  indexes/cdxj/{site}/{date}/{crawl_id}-{part:05d}.cdxj

The lines are written by webrecorder's `cdxj-indexer` (the indexer pywb itself uses), sorted, one
per response record: `<SURT url key> <14-digit timestamp> {"url", "mime", "status", "digest",
"length", "offset", "filename"}`. `filename` is the WARC's key relative to `raw/`
(`{site}/{date}/{crawl_id}-{part}.warc.gz`), so the indexes of several WARCs concatenate (and
sort) into one collection index whose `archive/` directory mirrors `raw/`.

The pipeline's parse step, which reads each WARC part of its run anyway, writes that part's
index (`put_index`: one PUT per part; the same WARC gives the same bytes under the same key, so a
re-run rewrites nothing new). `write_indexes` (`govpub cdxj`) backfills older archives; it is
idempotent: a WARC whose index exists and is newer than it is skipped, so a re-run writes nothing;
a WARC rewritten by a re-run of its crawl is indexed again.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Callable, Iterable

import surt
from cdxj_indexer.main import CDXJIndexer

from botocore.exceptions import ClientError

from govpub.archive.keys import cdxj_key_for, cdxj_prefix, raw_prefix

#: the record types indexed: what replays (metadata and request records are reached through these)
INDEXED_RECORDS = "response,revisit,resource"


@dataclass
class CdxjReport:
    warcs: int = 0  #: WARC files under raw/ (of the site asked for)
    indexed: int = 0  #: indexes written now
    up_to_date: int = 0  #: indexes already there and newer than their WARC
    lines: int = 0  #: CDXJ lines written now
    keys: list[str] = field(default_factory=list)  #: the index keys written now


def index_warc(fileobj: IO[bytes], filename: str) -> bytes:
    """The sorted CDXJ lines of one WARC stream, each naming `filename` as its file."""
    out = io.StringIO()
    indexer = CDXJIndexer(out, [fileobj], sort=True, filename=filename, records=INDEXED_RECORDS)
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def warc_filename(warc_key: str, prefix: str = "") -> str:
    """The `filename` a CDXJ line names: the WARC's key relative to `raw/`."""
    return warc_key.removeprefix(raw_prefix(prefix))


def put_index(archive, warc_key: str, fileobj: IO[bytes]) -> dict:
    """Index one WARC part (`fileobj`: its bytes, at the start) and PUT the CDXJ at its key under
    indexes/cdxj/ (one PUT). Returns {key, size, sha256} of the object written and its `captures` (lines)."""
    data = index_warc(fileobj, warc_filename(warc_key, archive.prefix))
    # text/plain: S3Proxy rejects the signature of "…; charset=…"
    written = archive.put_bytes(cdxj_key_for(archive.prefix, warc_key), data, "text/plain")
    return {**written, "captures": data.count(b"\n")}


def write_indexes(archive, site: str | None = None, *, force: bool = False,
                  echo: Callable[[str], None] = print) -> CdxjReport:
    """Write the CDXJ index of every WARC under raw/ (one site's, or all) that lacks a current one."""
    prefix = archive.prefix
    raw_at = raw_prefix(prefix) + (f"{site}/" if site else "")
    warcs = {key: modified for key, modified in archive.list_modified(raw_at) if key.endswith(".warc.gz")}
    indexes = dict(archive.list_modified(cdxj_prefix(prefix) + (f"{site}/" if site else "")))
    report = CdxjReport(warcs=len(warcs))
    for warc_key, warc_modified in sorted(warcs.items()):
        key = cdxj_key_for(prefix, warc_key)
        if not force and key in indexes and indexes[key] >= warc_modified:
            report.up_to_date += 1
            continue
        with archive.spool(warc_key) as spool:
            captures = put_index(archive, warc_key, spool)["captures"]
        report.indexed += 1
        report.lines += captures
        report.keys.append(key)
        echo(f"  {key}: {captures} captures")
    echo(f"cdxj: {report.warcs} WARC files, {report.indexed} indexed now ({report.lines} lines), "
         f"{report.up_to_date} already up to date")
    return report


def download_collection(archive, directory: Path, site: str | None = None,
                        echo: Callable[[str], None] = print) -> tuple[int, int]:
    """A pywb collection in `directory`: `archive/` mirrors raw/ (the WARCs), `indexes/index.cdxj`
    is every index merged and sorted. Returns (WARC files, index lines)."""
    prefix = archive.prefix
    raw_at = raw_prefix(prefix) + (f"{site}/" if site else "")
    lines: list[bytes] = []
    warcs = sorted(k for k in archive.list_keys(raw_at) if k.endswith(".warc.gz"))
    for warc_key in warcs:
        target = directory / "archive" / warc_filename(warc_key, prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            archive.download_to(warc_key, out)
        try:
            data = archive.get_bytes(cdxj_key_for(prefix, warc_key))
        except ClientError:  # no index yet (`govpub cdxj` not run): index the downloaded copy
            with target.open("rb") as fh:
                data = index_warc(fh, warc_filename(warc_key, prefix))
        lines += data.splitlines(keepends=True)
    (directory / "indexes").mkdir(parents=True, exist_ok=True)
    (directory / "indexes" / "index.cdxj").write_bytes(b"".join(sorted(lines)))
    echo(f"collection in {directory}: {len(warcs)} WARC files, {len(lines)} index lines")
    return len(warcs), len(lines)


def find_capture(archive, warc_key: str, url: str) -> dict | None:
    """`{key, offset, length, url, status, timestamp}` of the last capture of `url` in one WARC part,
    from its CDXJ index (the WARC is indexed on the fly when `govpub cdxj` has not run yet)."""
    try:
        data = archive.get_bytes(cdxj_key_for(archive.prefix, warc_key))
    except ClientError:
        with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
            archive.download_to(warc_key, spool)
            spool.seek(0)
            data = index_warc(spool, warc_filename(warc_key, archive.prefix))
    found = None
    for line in data.decode("utf-8").splitlines():
        _urlkey, timestamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        if entry.get("url") == url:
            found = {"key": warc_key, "offset": int(entry["offset"]), "length": int(entry["length"]),
                     "url": url, "status": entry.get("status"), "timestamp": timestamp}
    return found


# -- captures by URL: the indexes read back (the search app's capture view) ----------------------

@dataclass(frozen=True)
class Capture:
    """One CDXJ line: a URL as fetched at one time, and where its WARC record is."""
    url: str
    timestamp: str  #: the WARC-Date, 14 digits (YYYYMMDDhhmmss)
    status: str | None
    mime: str | None
    key: str  #: the WARC part's key
    offset: int
    length: int

    def to_dict(self) -> dict:
        return dict(vars(self))


def url_key(url: str) -> str:
    """The SURT key CDXJ lines are sorted and looked up by (the one cdxj-indexer writes): host
    reversed and lower-cased, `www.` and the default port dropped, query parameters sorted."""
    return surt.surt(url)


def read_captures(data: bytes, prefix: str) -> dict[str, list[Capture]]:
    """SURT key → its captures, from the lines of one CDXJ index."""
    found: dict[str, list[Capture]] = {}
    for line in data.decode("utf-8").splitlines():
        key, timestamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        found.setdefault(key, []).append(Capture(
            url=entry["url"], timestamp=timestamp, status=entry.get("status"), mime=entry.get("mime"),
            key=raw_prefix(prefix) + entry["filename"], offset=int(entry["offset"]), length=int(entry["length"])))
    return found


_TIMESTAMP = re.compile(r"^\d{4,14}$")


def pad_timestamp(at: str) -> str:
    """`2024`, `202403`, … `20240315093000` → 14 digits, the start of that period (as pywb reads
    a shortened timestamp); a ValueError for anything else."""
    if not _TIMESTAMP.match(at or ""):
        raise ValueError(f"a capture time is 4 to 14 digits (YYYYMMDDhhmmss), got {str(at)[:40]!r}")
    return at + "00000101000000"[len(at):]


def _seconds(timestamp: str) -> float:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp()


def seconds_apart(a: str, b: str) -> float:
    """How far apart two 14-digit timestamps are, in seconds."""
    return abs(_seconds(a) - _seconds(b))


def nearest(captures: list[Capture], at: str | None) -> Capture | None:
    """The capture to show for time `at` (14 digits; None: the latest): the nearest in time among
    the 2xx captures, else among the others with a body (a 404 or a redirect is a fact too); never
    a 304, which holds no page (it says the page before it was still current). Ties: the earlier."""
    usable = [c for c in captures if c.status != "304"]
    preferred = [c for c in usable if (c.status or "").startswith("2")] or usable
    if not preferred:
        return None
    if at is None:
        return max(preferred, key=lambda c: c.timestamp)
    return min(preferred, key=lambda c: (seconds_apart(c.timestamp, at), c.timestamp))


class CaptureIndex:
    """The archive's CDXJ indexes read back, to find the captures of a URL (one site's at a time).

    Each index object is read once and kept, per key and LastModified (an index changes only when
    its WARC part is rewritten); a site's listing of indexes is read again after `listing_ttl`
    seconds, so a new run's captures appear within that. A site's indexes are all read the first
    time one of its URLs is asked for (the sample archive: a few dozen objects; an archive much
    larger than memory wants pywb's ZipNum or OutbackCDX, docs/archive.md)."""

    def __init__(self, archive, *, listing_ttl: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.archive, self.listing_ttl, self.clock = archive, listing_ttl, clock
        self._lock = threading.Lock()
        self._listings: dict[str, tuple[float, dict[str, datetime]]] = {}  # site → (read at, key → modified)
        self._indexes: dict[str, tuple[datetime, dict[str, list[Capture]]]] = {}  # index key → (modified, captures)

    def captures(self, url: str, sites: Iterable[str]) -> list[Capture]:
        """Every capture of `url` in the sites' indexes, oldest first."""
        return self.captures_of([url], sites).get(url, [])

    def captures_of(self, urls: Iterable[str], sites: Iterable[str]) -> dict[str, list[Capture]]:
        """URL → its captures (oldest first), for the URLs of `urls` with at least one."""
        keys = {url: url_key(url) for url in urls}
        found: dict[str, list[Capture]] = {}
        for site in dict.fromkeys(sites):
            for index in self._site_indexes(site):
                for url, key in keys.items():
                    if key in index:
                        found.setdefault(url, []).extend(index[key])
        return {url: sorted(c, key=lambda c: (c.timestamp, c.key, c.offset)) for url, c in found.items()}

    def index_count(self, sites: Iterable[str]) -> int:
        """How many index objects the sites have (as last listed): 0 means never indexed, not "not fetched"."""
        return sum(len(self._site_indexes(site)) for site in dict.fromkeys(sites))

    def _site_indexes(self, site: str) -> list[dict[str, list[Capture]]]:
        prefix = self.archive.prefix
        with self._lock:
            listed = self._listings.get(site)
        if listed is None or self.clock() - listed[0] > self.listing_ttl:
            listed = (self.clock(), dict(self.archive.list_modified(f"{cdxj_prefix(prefix)}{site}/")))
            with self._lock:
                self._listings[site] = listed
        out = []
        for key, modified in sorted(listed[1].items()):
            with self._lock:
                cached = self._indexes.get(key)
            if cached is None or cached[0] != modified:
                cached = (modified, read_captures(self.archive.get_bytes(key), prefix))
                with self._lock:
                    self._indexes[key] = cached
            out.append(cached[1])
        return out


def site_of_warc(warc_key: str, prefix: str = "") -> str:
    """The site a WARC part belongs to: the first segment of its key under raw/."""
    return warc_filename(warc_key, prefix).split("/", 1)[0]
