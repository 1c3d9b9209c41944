"""Bulk indexing of documents (with their index-only overlay) and partial overlay updates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from elasticsearch import Elasticsearch, helpers

from govpub.index.client import translate_connection_errors
from govpub.index.lifecycle import ensure_index
from govpub.schema import ATTRIBUTED_FROM, Document, to_es_source

BULK_CHUNK_SIZE = 500


@dataclass
class BulkResult:
    indexed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  #: {"id", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def actions(
    alias: str, docs: Iterable[Document], overlays: dict[str, dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    for doc in docs:
        overlay = (overlays or {}).get(doc.id)
        yield {"_op_type": "index", "_index": alias, "_id": doc.id, "_source": to_es_source(doc, overlay)}


def _item_reason(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    reason = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    caused = error.get("caused_by")
    if isinstance(caused, dict) and caused.get("reason"):
        reason += f" (caused by {caused.get('type', '')}: {caused['reason']})"
    return reason


@translate_connection_errors
def bulk_index(
    es: Elasticsearch,
    alias: str,
    docs: Iterable[Document],
    refresh: bool = False,
    overlays: dict[str, dict[str, Any]] | None = None,
) -> BulkResult:
    """Index `docs` through `alias` with `_id = doc.id` (re-runs overwrite, never duplicate).

    One bad document never raises: its error is reported in `BulkResult.errors`.
    429 (too many requests) responses are retried with backoff by streaming_bulk.
    """
    # Never let an index request auto-create a concrete index named like the alias (dynamic mapping).
    ensure_index(es, alias)
    result = BulkResult()
    for ok, item in helpers.streaming_bulk(
        es,
        actions(alias, docs, overlays),
        chunk_size=BULK_CHUNK_SIZE,
        raise_on_error=False,
        max_retries=5,
        initial_backoff=1,
        max_backoff=30,
    ):
        info = item.get("index", item) if isinstance(item, dict) else {}
        if ok:
            result.indexed += 1
        else:
            result.errors.append({"id": str(info.get("_id")), "reason": _item_reason(info.get("error"))})
    if refresh:
        es.indices.refresh(index=alias)
    return result


@translate_connection_errors
def update_overlays(es: Elasticsearch, alias: str, overlays: dict[str, dict[str, Any]], refresh: bool = True) -> int:
    """Partial updates of index-only fields (status, cluster …); documents not indexed yet are skipped.

    An attributed field left None (not attributed) gets the document's own value, as `to_es_source`
    gives it: read from the index first (one mget per chunk; this distribution has no scripting)."""
    if overlays:
        ensure_index(es, alias)  # refuses an index of an older mapping before the first update
    updated = 0
    items = list(overlays.items())
    for start in range(0, len(items), BULK_CHUNK_SIZE):
        chunk = dict(items[start:start + BULK_CHUNK_SIZE])
        own = _own_values(es, alias, [i for i, o in chunk.items() if any(o.get(k, 0) is None for k in ATTRIBUTED_FROM)])
        actions = (
            {"_op_type": "update", "_index": alias, "_id": doc_id,
             "doc": {**overlay, **{k: own.get(doc_id, {}).get(f) for k, f in ATTRIBUTED_FROM.items()
                                   if k in overlay and overlay[k] is None}}}
            for doc_id, overlay in chunk.items()
        )
        for ok, item in helpers.streaming_bulk(es, actions, chunk_size=BULK_CHUNK_SIZE, raise_on_error=False):
            info = item.get("update", {}) if isinstance(item, dict) else {}
            if ok:
                updated += 1
            elif (info.get("error") or {}).get("type") != "document_missing_exception":
                raise RuntimeError(f"index update of {info.get('_id')} failed: {_item_reason(info.get('error'))}")
    if refresh and overlays:
        es.indices.refresh(index=alias)
    return updated


def _own_values(es: Elasticsearch, alias: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """doc id → its own agency, region, doc_number as indexed (ids not indexed are left out)."""
    if not ids:
        return {}
    resp = es.mget(index=alias, ids=ids, source_includes=list(ATTRIBUTED_FROM.values()))
    return {d["_id"]: d.get("_source") or {} for d in resp["docs"] if d.get("found")}


#: the index-only fields convergence compares (publish_year is derived from the document itself),
#: and the document's own fields the attributed ones default to
OVERLAY_FIELDS = ("version", "status", "status_date", "cluster", "canonical_id", "is_canonical", "cluster_size",
                  *ATTRIBUTED_FROM, *ATTRIBUTED_FROM.values())


@translate_connection_errors
def indexed_overlays(es: Elasticsearch, alias: str, site: str | None = None, page: int = 5000) -> dict[str, dict[str, Any]]:
    """doc id → its index-only fields as indexed, for every document (of `site`) behind `alias`.

    One scroll that returns only those fields: about one request per `page` documents, so
    comparing a site with its archive costs no request per document. Empty when the alias is missing.
    """
    from elasticsearch import NotFoundError

    query = {"term": {"site": site}} if site else {"match_all": {}}
    found: dict[str, dict[str, Any]] = {}
    try:
        for hit in helpers.scan(es, index=alias, query={"query": query, "_source": list(OVERLAY_FIELDS)},
                                size=page, scroll="2m", preserve_order=False):
            found[hit["_id"]] = hit.get("_source") or {}
    except NotFoundError:
        return {}
    return found
