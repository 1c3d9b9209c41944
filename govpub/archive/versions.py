"""Document versions, deletion status records and the index overlay read from the archive.

A document's versions live under documents/{site}/{id}/: `v1.json`, `v2.json` … are
immutable; `latest.json` is a copy of the highest version, written after it. A new
version is made only when the normalised content changes (`govpub.schema.same_content`:
anything but fetch time and raw pointers). Status (`active` / `deleted`) and duplicate
clusters are *not* part of a version: they live in `status.json` and `clusters/current.json`
and reach the index as the overlay of `govpub.schema.to_es_source`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from govpub.archive import Archive, DocumentEntry
from govpub.schema import same_content
from govpub.schema import Document

STATUS_SCHEMA_VERSION = 1
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


class DocumentVersions:
    """The versions and status records of a site's documents (or every site's), from ONE listing.

    Deciding a document's version then costs no request for a new document and one GET for a
    known one (its latest.json, when the listing shows it is a complete copy of the highest
    version). What it writes or reads it keeps: `latest` holds the content of every latest.json
    it stored or confirmed, so an index step in the same process reads none of them again.
    """

    def __init__(self, archive: Archive, entries: dict[str, DocumentEntry]):
        self.archive = archive
        self.entries = dict(entries)
        self.latest: dict[str, Document] = {}
        self._statuses: dict[str, dict] = {}

    @classmethod
    def listed(cls, archive: Archive, site: str | None = None) -> "DocumentVersions":
        return cls(archive, archive.document_listing(site))

    def store(self, doc: Document, ignore_parser_version: bool = False) -> tuple[str, int]:
        """Write `doc` as a new version when its content differs from the stored one.

        Returns (outcome, version): outcome is "new", "changed" or "unchanged". Safe to
        repeat: a retry after a crash between the version PUT and the latest PUT finds the
        version already stored and only repairs `latest.json`.
        """
        entry = self.entries.get(doc.id)
        if entry is None or entry.versions == 0:
            self._write(doc, 1, entry)
            return NEW, 1
        top = entry.versions
        current = self._highest_version(entry)
        compared = replace(doc, parser_version=current.parser_version) if ignore_parser_version and current else doc
        if current is not None and same_content(current, compared):
            if not entry.latest_is_top:  # a crash between the two PUTs: repair latest.json
                latest = self.archive.get_document(doc.site, doc.id) if entry.has_latest else None
                if latest is None or latest != current:
                    self.archive.put_bytes(self.archive.document_key(doc.site, doc.id), current.to_json().encode(),
                                           "application/json")
            self._remember(entry.site, doc.id, top, current, entry)
            return UNCHANGED, top
        self._write(doc, top + 1, entry)
        return CHANGED, top + 1

    def store_all(self, docs: list[Document], ignore_parser_version: bool = False) -> list[tuple[str, int]]:
        """`store` for each of `docs`, up to S3_CONCURRENCY documents at once; results in order.

        Documents sharing an id are stored one after another, in their order, within one call.
        """
        by_id: dict[str, list[int]] = {}
        for n, doc in enumerate(docs):
            by_id.setdefault(doc.id, []).append(n)
        results: list[tuple[str, int]] = [("", 0)] * len(docs)

        def store_group(positions: list[int]) -> None:
            for n in positions:
                results[n] = self.store(docs[n], ignore_parser_version)

        self.archive.map(store_group, list(by_id.values()))
        return results

    def _highest_version(self, entry: DocumentEntry) -> Document | None:
        if entry.id in self.latest:
            return self.latest[entry.id]
        if entry.latest_is_top:
            return self.archive.get_document(entry.site, entry.id)
        return self.archive.get_version(entry.site, entry.id, entry.versions)

    def _write(self, doc: Document, version: int, entry: DocumentEntry | None) -> None:
        self.archive.put_document(doc, version)  # the version first, then latest.json
        self._remember(doc.site, doc.id, version, doc, entry)

    def _remember(self, site: str, doc_id: str, version: int, latest: Document, entry: DocumentEntry | None) -> None:
        has_status = bool(entry and entry.has_status) or doc_id in self._statuses
        self.entries[doc_id] = DocumentEntry(site, doc_id, version, True, has_status, latest_is_top=True)
        self.latest[doc_id] = latest

    def latest_document(self, site: str, doc_id: str) -> Document | None:
        """The latest version: as stored or confirmed here, else one GET."""
        if doc_id not in self.latest:
            found = self.archive.get_document(site, doc_id)
            if found is None:
                return None
            self.latest[doc_id] = found
        return self.latest[doc_id]

    def latest_documents(self, site: str, doc_ids: list[str]) -> list[Document]:
        """`latest_document` for each id (those not at hand read concurrently), in order; absent ones left out."""
        missing = [i for i in dict.fromkeys(doc_ids) if i not in self.latest]
        self.archive.map(lambda i: self.latest_document(site, i), missing)
        return [self.latest[i] for i in doc_ids if i in self.latest]

    def status(self, site: str, doc_id: str) -> dict | None:
        """The status record; no request when the listing shows there is none."""
        if doc_id not in self._statuses:
            entry = self.entries.get(doc_id)
            if entry is None or not entry.has_status:
                return None
            self._statuses[doc_id] = self.archive.get_status(site, doc_id)
        return self._statuses[doc_id]

    def set_status(self, site: str, doc_id: str, status: str, date: str, reason: str, run_id: str) -> bool:
        """`set_status` for a listed document (the listing says whether a record exists)."""
        record = status_record(self.status(site, doc_id), site, doc_id, status, date, reason, run_id)
        if record is None:
            return False
        self.archive.put_json(self.archive.status_key(site, doc_id), record)
        self._statuses[doc_id] = record
        entry = self.entries.get(doc_id)
        if entry is not None:
            self.entries[doc_id] = replace(entry, has_status=True)
        return True

    def overlays(self, ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
        """Overlays for `ids` (default: every document with a latest.json), like `overlays`."""
        from govpub.archive.clusters import cluster_fields, load_clusters

        entries = {i: e for i, e in self.entries.items() if e.has_latest}
        wanted = sorted(ids if ids is not None else entries)
        unread = [entries[i] for i in wanted if i in entries and entries[i].has_status and i not in self._statuses]
        self.archive.map(lambda e: self.status(e.site, e.id), unread)  # the status records, concurrently
        fields = cluster_fields(load_clusters(self.archive))
        return {
            doc_id: overlay_for(entries[doc_id], self.status(entries[doc_id].site, doc_id), fields.get(doc_id))
            for doc_id in wanted
            if doc_id in entries
        }


def store_document(archive: Archive, doc: Document, ignore_parser_version: bool = False) -> tuple[str, int]:
    """`DocumentVersions.store` for one document (one listing of its own versions first)."""
    listing = archive.document_listing(doc.site, doc.id)
    return DocumentVersions(archive, listing).store(doc, ignore_parser_version)


def status_record(
    existing: dict | None, site: str, doc_id: str, status: str, date: str, reason: str, run_id: str
) -> dict | None:
    """The new status record, or None when nothing changes: a status that is already recorded
    keeps its first date, and a document that never had a record is active by default."""
    if status not in ("active", "deleted"):
        raise ValueError(f"unknown status {status!r}")
    if existing is None and status == "active":
        return None
    if existing is not None and existing.get("status") == status:
        return None
    event = {"status": status, "date": date, "reason": reason, "run_id": run_id}
    return {
        "schema_version": STATUS_SCHEMA_VERSION,
        "id": doc_id,
        "site": site,
        "status": status,
        "status_date": date,
        "reason": reason,
        "run_id": run_id,
        "history": list((existing or {}).get("history", [])) + [event],
    }


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
    """Overlays for `ids` (default: every document with a latest.json), from status records and the
    current clusters."""
    return DocumentVersions(archive, entries).overlays(ids)
