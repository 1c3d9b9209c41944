"""Parquet snapshot of every latest document, for downstream projects (pyarrow, pandas, DuckDB).

Layout (hive partitioning by site; `site` is the partition column, not stored in the files):

    exports/snapshots/{export_id}/documents/site={site}/part-00000.parquet
    exports/snapshots/{export_id}/manifest.json     written after every data file
    exports/latest.json                             pointer to the newest complete snapshot, written last

`export_id` is a digest of the snapshot's content (every latest document and its overlay), so
exporting an unchanged archive writes nothing, and a reader following `exports/latest.json`
only ever sees a complete snapshot.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any, Callable

from govpub.archive import versions
from govpub.archive import Archive, json_bytes, safe_key_part, snapshot_key
from govpub.archive.keys import POINTER_KEY
from govpub.settings import Settings
from govpub.schema import Document

EXPORT_SCHEMA_VERSION = 1


def _schema():
    import pyarrow as pa

    raw = pa.struct([("key", pa.string()), ("offset", pa.int64()), ("length", pa.int64()),
                     ("record_id", pa.string()), ("url", pa.string())])
    attachment = pa.struct([("url", pa.string()), ("name", pa.string()), ("content_type", pa.string()),
                            ("sha256", pa.string()), ("text", pa.string()), ("raw", raw)])
    return pa.schema([
        ("id", pa.string()), ("url", pa.string()), ("page_urls", pa.list_(pa.string())),
        ("agency", pa.string()), ("region", pa.string()), ("title", pa.string()),
        ("publish_date", pa.string()), ("source", pa.string()), ("doc_number", pa.string()),
        ("index_no", pa.string()), ("doc_type", pa.string()), ("body", pa.string()), ("body_sha256", pa.string()),
        ("script", pa.string()), ("truncated", pa.bool_()), ("placeholders", pa.bool_()),
        ("year", pa.int32()), ("attachments", pa.list_(attachment)), ("fetched_at", pa.string()),
        ("parser_version", pa.string()), ("raw", raw), ("schema_version", pa.int32()),
        # index-only fields (govpub.schema.INDEX_ONLY_FIELDS), from the archive's overlays
        ("publish_year", pa.int32()), ("version", pa.int32()), ("status", pa.string()), ("status_date", pa.string()),
        ("cluster", pa.string()), ("canonical_id", pa.string()), ("is_canonical", pa.bool_()),
        ("cluster_size", pa.int32()),
    ])


def export_row(doc: Document, overlay: dict[str, Any]) -> dict[str, Any]:
    from govpub.schema import to_es_source

    row = to_es_source(doc, overlay)
    row.pop("site")
    return row


def export_snapshot(settings: Settings, echo: Callable[[str], None] = print) -> dict:
    """Write a Parquet snapshot of the latest documents (unless an identical one exists) and point to it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    archive = Archive(settings)
    entries = archive.document_entries()
    overlays = versions.overlays(archive, entries)
    by_site: dict[str, list[dict]] = {}
    digest = hashlib.sha256()
    for doc_id, entry in entries.items():
        body = archive.get_bytes(archive.document_key(entry.site, doc_id))
        digest.update(body + json_bytes(overlays[doc_id]))
        by_site.setdefault(entry.site, []).append(export_row(Document.from_json(body), overlays[doc_id]))
    export_id = digest.hexdigest()[:20]
    manifest_key = snapshot_key(archive.prefix, export_id, "manifest.json")
    pointer_key = archive.prefix + POINTER_KEY
    if archive.exists(manifest_key):
        echo(f"export: snapshot {export_id} ({len(entries)} documents) already exists")
        archive.put_json_if_changed(pointer_key, _pointer(export_id, manifest_key, len(entries)))
        return {"export_id": export_id, "documents": len(entries), "written": False, "manifest_key": manifest_key}
    schema = _schema()
    files = []
    for site in sorted(by_site):
        rows = sorted(by_site[site], key=lambda r: r["id"])
        table = pa.Table.from_pylist(rows, schema=schema)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        key = snapshot_key(archive.prefix, export_id, f"documents/site={safe_key_part(site)}/part-00000.parquet")
        info = archive.put_bytes(key, buffer.getvalue(), "application/vnd.apache.parquet")
        files.append({**info, "site": site, "rows": len(rows)})
        echo(f"export: {site}: {len(rows)} documents → {key}")
    manifest = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "export_id": export_id,
        "format": "parquet",
        "partitioning": {"flavor": "hive", "columns": ["site"]},
        "documents": len(entries),
        "files": files,
        "columns": [f.name for f in schema] + ["site"],
    }
    archive.put_json(manifest_key, manifest)
    archive.put_json(pointer_key, _pointer(export_id, manifest_key, len(entries)))
    echo(f"export: snapshot {export_id}: {len(entries)} documents in {len(files)} files; {pointer_key} updated")
    return {"export_id": export_id, "documents": len(entries), "written": True, "manifest_key": manifest_key}


def _pointer(export_id: str, manifest_key: str, documents: int) -> dict:
    return {"schema_version": EXPORT_SCHEMA_VERSION, "export_id": export_id, "manifest": manifest_key,
            "documents": documents}


def load_manifest(archive: Archive) -> dict | None:
    pointer = archive.get_json_or_none(archive.prefix + POINTER_KEY)
    return archive.get_json_or_none(pointer["manifest"]) if pointer else None


def download_snapshot(archive: Archive, target) -> dict:
    """Copy the current snapshot's files under `target` (same relative layout); returns the manifest."""
    from pathlib import Path

    manifest = load_manifest(archive)
    if manifest is None:
        raise FileNotFoundError(f"no export in s3://{archive.bucket}/{archive.prefix}exports/")
    base = snapshot_key(archive.prefix, manifest["export_id"], "")
    for f in manifest["files"]:
        path = Path(target) / f["key"][len(base):]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(archive.get_bytes(f["key"]))
    (Path(target) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest
