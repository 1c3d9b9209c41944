"""The S3 archive: raw WARC files (the source of truth) and the normalised documents.

`keys` holds the key layout (the downstream contract), `store` the S3 client and the
`Archive` operations, `warc` the record format, `versions` document versions and status
records, `clusters` the stored duplicate clusters, `manifests` and `export` what a run and a
snapshot publish. The names most callers need are importable from here.
"""

from govpub.archive.keys import (
    clusters_key,
    clusters_pending_key,
    document_key,
    document_prefix,
    manifest_key,
    parse_document_key,
    raw_key,
    run_key,
    safe_key_part,
    snapshot_key,
    state_key,
    stats_key,
    status_key,
    version_key,
)
from govpub.archive.store import Archive, ArchiveUnavailable, DocumentEntry, json_bytes, s3_client, utc_now_iso

__all__ = [
    "Archive", "ArchiveUnavailable", "DocumentEntry", "clusters_key", "clusters_pending_key", "document_key", "document_prefix",
    "json_bytes", "manifest_key", "parse_document_key", "raw_key", "run_key", "s3_client", "safe_key_part", "snapshot_key",
    "state_key", "stats_key", "status_key", "utc_now_iso", "version_key",
]
