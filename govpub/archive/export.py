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

import dataclasses
import hashlib
import io
import json
import types
import typing
from typing import Any, Callable

from govpub.archive import versions
from govpub.archive import Archive, json_bytes, safe_key_part, snapshot_key
from govpub.archive.keys import POINTER_KEY
from govpub.settings import Settings
from govpub.schema import Document, IndexOnly, RawRef

EXPORT_SCHEMA_VERSION = 1


#: ints are int32, except byte positions in a WARC file (int64: a file may pass 2 GiB)
_INT64_FIELDS = {(RawRef, "offset"), (RawRef, "length")}


#: The published column order of the snapshots (docs/archive.md); a field added to the schema
#: later is appended after these, so readers that go by position keep working.
COLUMN_ORDER = (
    "id", "url", "page_urls", "agency", "region", "title", "publish_date", "source", "doc_number", "index_no",
    "doc_type", "body", "body_sha256", "script", "truncated", "placeholders", "year", "attachments",
    "fetched_at", "parser_version", "raw", "schema_version",
    "publish_year", "version", "status", "status_date", "cluster", "canonical_id", "is_canonical", "cluster_size",
    "attributed_agency", "attributed_region", "attributed_doc_number",  # export schema 1, added in mapping v4
)


def arrow_schema():
    """The Parquet columns: every Document field but `site` (the partition column), then the
    index-only fields, in COLUMN_ORDER; names and types come from govpub.schema, so a new field
    is exported as is."""
    import pyarrow as pa

    columns = [(cls, f.name) for cls in (Document, IndexOnly) for f in dataclasses.fields(cls) if f.name != "site"]
    position = {name: i for i, name in enumerate(COLUMN_ORDER)}
    columns.sort(key=lambda column: position.get(column[1], len(position)))
    return pa.schema([(name, _arrow_type(typing.get_type_hints(cls)[name], cls, name)) for cls, name in columns])


def _arrow_type(hint: Any, owner: type, name: str):
    import pyarrow as pa

    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]  # every column is nullable
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return pa.struct([(f.name, _arrow_type(hints[f.name], hint, f.name)) for f in dataclasses.fields(hint)])
    if typing.get_origin(hint) in (tuple, list):
        return pa.list_(_arrow_type(typing.get_args(hint)[0], owner, name))
    if hint is int:
        return pa.int64() if (owner, name) in _INT64_FIELDS else pa.int32()
    return {str: pa.string(), bool: pa.bool_()}[hint]


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
    schema = arrow_schema()
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
