"""Document versions, deletion status records and the index overlay read from the archive.

A document's versions live under documents/{site}/{id}/: `v1.json`, `v2.json` … are
immutable; `latest.json` is a copy of the highest version, written after it. A new
version is made only when the normalised content changes (`govpub.documents.same_content`:
anything but fetch time and raw pointers). Status (`active` / `deleted`) and duplicate
clusters are *not* part of a version: they live in `status.json` and `clusters/current.json`
and reach the index as the overlay of `govpub.index.to_es_source`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from govpub.archive import Archive, DocumentEntry
from govpub.schema import same_content
from govpub.schema import Document

STATUS_SCHEMA_VERSION = 1
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def store_document(archive: Archive, doc: Document, ignore_parser_version: bool = False) -> tuple[str, int]:
    """Write `doc` as a new version when its content differs from the stored one.

    Returns (outcome, version): outcome is "new", "changed" or "unchanged". Safe to
    repeat: a retry after a crash between the version PUT and the latest PUT finds the
    version already stored and only repairs `latest.json`.
    """
    versions = archive.versions_of(doc.site, doc.id)
    if versions:
        top = versions[-1]
        current = archive.get_version(doc.site, doc.id, top)
        compared = replace(doc, parser_version=current.parser_version) if ignore_parser_version and current else doc
        if current is not None and same_content(current, compared):
            latest = archive.get_document(doc.site, doc.id)
            if latest is None or latest != current:
                archive.put_bytes(archive.document_key(doc.site, doc.id), current.to_json().encode(), "application/json")
            return UNCHANGED, top
        archive.put_document(doc, top + 1)
        return CHANGED, top + 1
    archive.put_document(doc, 1)
    return NEW, 1


def set_status(
    archive: Archive, site: str, doc_id: str, status: str, date: str, reason: str, run_id: str
) -> bool:
    """Record a status change (`deleted` with the date first seen, or `active` again). True if written.

    Nothing is written when the status is unchanged (the first date seen is kept) or when a
    document that never had a record is active (active is the default).
    """
    if status not in ("active", "deleted"):
        raise ValueError(f"unknown status {status!r}")
    existing = archive.get_status(site, doc_id)
    if existing is None and status == "active":
        return False
    if existing is not None and existing.get("status") == status:
        return False
    event = {"status": status, "date": date, "reason": reason, "run_id": run_id}
    record = {
        "schema_version": STATUS_SCHEMA_VERSION,
        "id": doc_id,
        "site": site,
        "status": status,
        "status_date": date,
        "reason": reason,
        "run_id": run_id,
        "history": list((existing or {}).get("history", [])) + [event],
    }
    archive.put_json(archive.status_key(site, doc_id), record)
    return True


def overlay_for(entry: DocumentEntry, status: dict | None, cluster: dict | None) -> dict[str, Any]:
    """The index-only fields of one document (govpub.schema.INDEX_ONLY_FIELDS minus publish_year)."""
    overlay: dict[str, Any] = {"version": max(entry.versions, 1), "status": "active", "status_date": None}
    if status:
        overlay["status"] = status["status"]
        overlay["status_date"] = status["status_date"]
    if cluster:
        overlay.update(cluster)
    return overlay


def overlays(
    archive: Archive, entries: dict[str, DocumentEntry], ids: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Overlays for `ids` (default: every entry), from status records and the current clusters."""
    from govpub.archive.clusters import cluster_fields, load_clusters

    fields = cluster_fields(load_clusters(archive))
    result = {}
    for doc_id in sorted(ids if ids is not None else entries):
        entry = entries.get(doc_id)
        if entry is None:
            continue
        status = archive.get_status(entry.site, doc_id) if entry.has_status else None
        result[doc_id] = overlay_for(entry, status, fields.get(doc_id))
    return result
