"""The S3 archive: raw WARC files (the source of truth) and normalised document JSON.

Key layout (the downstream contract; docs/archive.md is its documentation):

    raw/{site}/{YYYY-MM-DD}/{crawl_id}-{part:05d}.warc.gz   responses as fetched (WARC 1.1, gzip per record)
    documents/{site}/{doc_id}/v{n}.json                      version n of a document (immutable once written)
    documents/{site}/{doc_id}/latest.json                    copy of the highest version (the stable "latest" view)
    documents/{site}/{doc_id}/status.json                    deletion status record (only once a page was seen gone)
    runs/{run_id}/{site}/{step}.json                         what each DAG task did (stats, keys written)
    runs/{run_id}/{site}/parsed.jsonl.gz                     parse output handed from `parse` to `archive`
    runs/{run_id}/{site}/manifest.json                       every object the run wrote for the site (size, sha256), counts
    state/{site}/crawl.json                                  validators (ETag/Last-Modified) and list links for re-crawls
    clusters/current.json                                    duplicate clusters (exact + MinHash near duplicates)
    clusters/pending.json                                    ids whose cluster fields are not in the index yet (outbox)
    clusters/lsh/manifest.json                               the persistent MinHash LSH state: blocks, edges, runs applied
    clusters/lsh/block-{n:05d}-g{gen}.npz                    ids, sites, dates, sha64, band keys of 10,000 slots
    clusters/lsh/signatures-{n:05d}-g{gen}.npy               their MinHash signatures (uint32 × 128)
    exports/…                                                Parquet snapshots (govpub.archive.export)
    indexes/cdxj/{site}/{YYYY-MM-DD}/{crawl_id}-{part:05d}.cdxj  CDXJ index of that WARC part (parse step; pywb)

Every key is a pure function of (site, run, url), so re-running a task overwrites the
same objects instead of adding new ones.
"""

from __future__ import annotations

import re

_SAFE_KEY_PART = re.compile(r"[^A-Za-z0-9._=-]+")


def safe_key_part(value: str) -> str:
    """A value usable as one path segment of an S3 key: no '/', no '..', only safe characters."""
    cleaned = _SAFE_KEY_PART.sub("_", value).strip("._") or "_"
    return cleaned[:200]


def raw_key(prefix: str, site: str, crawl_date: str, crawl_id: str, part: int) -> str:
    return f"{prefix}raw/{safe_key_part(site)}/{crawl_date}/{safe_key_part(crawl_id)}-{part:05d}.warc.gz"


def raw_prefix(prefix: str) -> str:
    return f"{prefix}raw/"


def cdxj_prefix(prefix: str) -> str:
    return f"{prefix}indexes/cdxj/"


def cdxj_key_for(prefix: str, warc_key: str) -> str:
    """The CDXJ index of the WARC at `warc_key`: same site/date/name under indexes/cdxj/."""
    relative = warc_key.removeprefix(raw_prefix(prefix))
    if relative == warc_key or not relative.endswith(".warc.gz"):
        raise ValueError(f"not a raw WARC key: {warc_key!r}")
    return cdxj_prefix(prefix) + relative.removesuffix(".warc.gz") + ".cdxj"


def document_prefix(prefix: str, site: str, doc_id: str) -> str:
    return f"{prefix}documents/{safe_key_part(site)}/{safe_key_part(doc_id)}/"


def document_key(prefix: str, site: str, doc_id: str) -> str:
    """The stable "latest" view of a document."""
    return document_prefix(prefix, site, doc_id) + "latest.json"


def version_key(prefix: str, site: str, doc_id: str, version: int) -> str:
    return document_prefix(prefix, site, doc_id) + f"v{int(version)}.json"


def status_key(prefix: str, site: str, doc_id: str) -> str:
    return document_prefix(prefix, site, doc_id) + "status.json"


_VERSION_KEY = re.compile(r"documents/([^/]+)/([^/]+)/(?:v(\d+)|(latest)|(status))\.json$")


def parse_document_key(key: str) -> tuple[str, str, str] | None:
    """(site, doc_id, "v<n>"|"latest"|"status") for a key under documents/, else None."""
    match = _VERSION_KEY.search(key)
    if not match:
        return None
    site, doc_id, n, latest, status = match.groups()
    return site, doc_id, (f"v{n}" if n else latest or status)


def run_key(prefix: str, run_id: str, site: str, name: str) -> str:
    return f"{prefix}runs/{safe_key_part(run_id)}/{safe_key_part(site)}/{name}"


def state_key(prefix: str, site: str) -> str:
    return f"{prefix}state/{safe_key_part(site)}/crawl.json"


def stats_key(prefix: str, run_id: str, site: str) -> str:
    return run_key(prefix, run_id, site, "stats.json")


def manifest_key(prefix: str, run_id: str, site: str) -> str:
    return run_key(prefix, run_id, site, "manifest.json")


def clusters_key(prefix: str) -> str:
    return f"{prefix}clusters/current.json"


def lsh_manifest_key(prefix: str) -> str:
    return f"{prefix}clusters/lsh/manifest.json"


def lsh_block_key(prefix: str, block: int, generation: int, what: str) -> str:
    """`what`: "block" (.npz: ids, sites, dates, sha64, band keys) or "signatures" (.npy)."""
    suffix = "npz" if what == "block" else "npy"
    return f"{prefix}clusters/lsh/{what}-{block:05d}-g{generation}.{suffix}"


def clusters_pending_key(prefix: str) -> str:
    """The clusters step's outbox: written before it updates the index, deleted once the index has them."""
    return f"{prefix}clusters/pending.json"


POINTER_KEY = "exports/latest.json"


def snapshot_key(prefix: str, export_id: str, name: str) -> str:
    return f"{prefix}exports/snapshots/{safe_key_part(export_id)}/{name}"
