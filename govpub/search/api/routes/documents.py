"""GET /documents/{id} (one document with its provenance) and /documents/{id}/raw (its raw WARC
record, read from the S3 archive)."""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from govpub.archive import ArchiveUnavailable, document_key
from govpub.search import engine
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
    return JSONResponse({"document": doc, "provenance": provenance(backends, doc)})


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
