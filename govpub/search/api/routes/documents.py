"""GET /documents/{id} (one document with its provenance and attribution), /documents/{id}/raw (its
raw WARC record, read from the S3 archive), /documents/{id}/versions (every archived version and
what changed) and /documents/{id}/cite (GB/T 7714-2015, CSL-JSON, RIS, BibTeX)."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from govpub.archive import ArchiveUnavailable, document_key
from govpub.search import citations, engine
from govpub.search.changes import compare_versions, paragraphs
from govpub.search.api import models
from govpub.search.api.backends import ApiBackends, Backends
from govpub.search.api.errors import ERRORS, error_response, not_found
from govpub.search.query import QueryError

log = logging.getLogger("govpub.search.api")

router = APIRouter()

_DOC_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def load_document(backends: ApiBackends, doc_id: str) -> dict[str, Any] | None:
    if not _DOC_ID_RE.match(doc_id):
        raise QueryError("a document id is letters, digits, '-' or '_'")
    return engine.get_document(backends.es, backends.alias, doc_id)


@router.get(
    "/documents/{doc_id}", response_model=models.DocumentResponse,
    responses={**ERRORS, **not_found("no such document")},
    summary="One document with its provenance",
)
def document(backends: Backends, doc_id: str):
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    where = provenance(backends, doc)
    return JSONResponse({"document": doc, "attribution": attribution(doc, where["cluster"]["copies"]),
                         "provenance": where})


def attribution(doc: dict[str, Any], copies: list[dict[str, Any]] = ()) -> dict[str, Any] | None:
    """The indexed attribution (engine.attribution_of), with the official copy's site and URL when
    it is among `copies` (the cluster's other members, which provenance lists anyway)."""
    origin = engine.attribution_of(doc)
    if origin is not None:
        canonical = next((c for c in copies if c.get("id") == origin["canonical_id"]), {})
        origin.update(site=canonical.get("site"), url=canonical.get("url"))
    return origin


@router.get(
    "/documents/{doc_id}/cite",
    responses={**ERRORS, **not_found("no such document"),
               200: {"content": {t.split(";")[0]: {} for t in citations.MEDIA_TYPES.values()}}},
    summary="How to cite a document: GB/T 7714-2015, CSL-JSON, RIS or BibTeX (all four as JSON by default)",
)
def cite(backends: Backends, doc_id: str,
         format: Annotated[str | None, Query(description="gbt7714 | csl-json | ris | bibtex; none: all as JSON")] = None,
         accessed: Annotated[str | None, Query(description="the access date cited (引用日期), YYYY-MM-DD; default today")] = None):
    if format is not None and format not in citations.CITATION_FORMATS:
        raise QueryError(f"format must be one of {', '.join(citations.CITATION_FORMATS)}, got {format[:20]!r}")
    try:
        day = date.fromisoformat(accessed) if accessed else datetime.now(timezone.utc).date()
    except ValueError:
        raise QueryError(f"accessed wants a date as YYYY-MM-DD, got {accessed[:40]!r}") from None
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    cited = {**doc, "attribution": attribution(doc)}
    if format is None:
        return JSONResponse({"id": doc_id, "accessed": day.isoformat(), **citations.all_citations(cited, day)})
    text = citations.citation(cited, format, day)
    if isinstance(text, dict):
        text = json.dumps([text], ensure_ascii=False, indent=2)
    return Response(text, media_type=citations.MEDIA_TYPES[format])


@router.get(
    "/documents/{doc_id}/versions",
    responses={**ERRORS, **not_found("no such document or version")},
    summary="Every archived version of a document, its status history, and what changed between two versions",
)
def document_versions(
    backends: Backends, doc_id: str,
    version_from: Annotated[int | None, Query(alias="from", ge=1, description="older version (default: the one before `to`)")] = None,
    version_to: Annotated[int | None, Query(alias="to", ge=1, description="newer version (default: the latest)")] = None,
):
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    archive, site = backends.archive, doc.get("site", "")
    try:
        numbers = archive.versions_of(site, doc_id)
        stored = {n: archive.get_version(site, doc_id, n) for n in numbers}
        status = archive.get_status(site, doc_id)
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    listed = [{"version": n, "seen": v.fetched_at if v else None, "title": v.title if v else None,
               "paragraphs": len(paragraphs(v.body)) if v else 0,
               "s3_uri": backends.s3_uri(archive.version_key(site, doc_id, n))} for n, v in stored.items()]
    deleted = {"status": status.get("status"), "status_date": status.get("status_date"),
               "reason": status.get("reason"), "history": status.get("history", [])} if status else None
    response: dict[str, Any] = {"id": doc_id, "site": site, "title": doc.get("title"), "url": doc.get("url"),
                                "status": doc.get("status") or "active", "status_date": doc.get("status_date"),
                                "status_record": deleted, "versions": listed, "diff": None}
    newest = version_to or (numbers[-1] if numbers else None)
    oldest = version_from or (newest - 1 if newest else None)
    if (version_from or version_to) and (stored.get(oldest) is None or stored.get(newest) is None):
        return error_response(404, f"document {doc_id} has versions {numbers}, not {oldest} and {newest}")
    if oldest and newest and oldest != newest and stored.get(oldest) and stored.get(newest):
        response["diff"] = {"from": oldest, "to": newest,
                            **compare_versions(stored[oldest].to_dict(), stored[newest].to_dict())}
    return JSONResponse(response)


@router.get(
    "/documents/{doc_id}/raw",
    responses={**ERRORS, 200: {"content": {"application/gzip": {}}, "description": "the WARC record"},
               **not_found("no such document or record")},
    summary="The raw WARC record a document (or attachment) was parsed from",
)
def raw_record(backends: Backends, doc_id: str, attachment: Annotated[int | None, Query(ge=0)] = None):
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    raw = doc.get("raw")
    if attachment is not None:
        items = doc.get("attachments") or []
        raw = items[attachment].get("raw") if attachment < len(items) else None
    if not raw or not raw.get("key"):
        return error_response(404, "no raw record archived for this document")
    try:
        data = backends.archive.get_range(raw["key"], int(raw["offset"]), int(raw["length"]))
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    except Exception as exc:  # botocore ClientError: the object is gone
        return error_response(404, f"raw record not found in the archive: {type(exc).__name__}")
    name = f"{doc_id}{'' if attachment is None else f'-attachment{attachment}'}.warc.gz"
    return Response(data, media_type="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- provenance -------------------------------------------------------------------------------
def provenance(backends: ApiBackends, doc: dict[str, Any]) -> dict[str, Any]:
    """Where a document came from: its raw records, archived JSON, duplicate cluster and versions."""
    settings = backends.settings
    raw = doc.get("raw")
    raw_info = None
    if raw and raw.get("key"):
        raw_info = {**raw, "bucket": settings.s3_bucket, "s3_uri": backends.s3_uri(raw["key"]),
                    "download": f"/documents/{doc['id']}/raw", "capture": f"/documents/{doc['id']}/capture"}
    cluster = doc.get("cluster") or doc["id"]
    copies = engine.cluster_members(backends.es, backends.alias, cluster, exclude=doc["id"])
    return {
        "url": doc.get("url"),
        "page_urls": doc.get("page_urls") or [doc.get("url")],
        "fetched_at": doc.get("fetched_at"),
        "parser_version": doc.get("parser_version"),
        "raw": raw_info,
        "archived_document": backends.s3_uri(document_key(settings.s3_prefix, doc.get("site", ""), doc["id"])),
        "attachments": _attachments(backends, doc),
        "cluster": {"id": cluster, "size": doc.get("cluster_size") or 1 + len(copies),
                    "is_canonical": doc.get("is_canonical", True), "canonical_id": doc.get("canonical_id"),
                    "copies": copies},
        "versions": versions(backends, doc),
    }


def _attachments(backends: ApiBackends, doc: dict[str, Any]) -> list[dict[str, Any]]:
    attachments = []
    for n, a in enumerate(doc.get("attachments") or ()):
        araw = a.get("raw") or None
        attachments.append({
            "name": a.get("name"), "url": a.get("url"), "content_type": a.get("content_type"),
            "sha256": a.get("sha256"),
            "raw": {**araw, "s3_uri": backends.s3_uri(araw["key"]),
                    "download": f"/documents/{doc['id']}/raw?attachment={n}"} if araw else None,
        })
    return attachments


def versions(backends: ApiBackends, doc: dict[str, Any]) -> dict[str, Any]:
    """The index's latest version number and status, and the archived versions (None when S3 is down)."""
    info: dict[str, Any] = {"latest": doc.get("version") or 1, "status": doc.get("status") or "active",
                            "status_date": doc.get("status_date"), "archived": None}
    archive = backends.archive
    site = doc.get("site", "")
    try:
        info["archived"] = [
            {"version": n, "s3_uri": backends.s3_uri(archive.version_key(site, doc["id"], n))}
            for n in archive.versions_of(site, doc["id"])
        ]
    except ArchiveUnavailable as exc:
        log.warning("versions of %s: %s", doc["id"], exc)
    return info
