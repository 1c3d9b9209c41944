"""The stored duplicate clusters (clusters/current.json) and the index-only fields they give.

The clusters themselves are computed by govpub.documents.dedup; this module only reads the
stored object and turns it into per-document fields, so the archive's readers (overlays,
export) need nothing above the archive.
"""

from __future__ import annotations

from typing import Any

from govpub.archive.keys import clusters_key, clusters_pending_key
from govpub.archive.store import Archive
from govpub.schema import ATTRIBUTED_FROM


def load_clusters(archive: Archive) -> dict[str, Any] | None:
    return archive.get_json_or_none(clusters_key(archive.prefix))


PENDING_SCHEMA_VERSION = 1


def load_pending(archive: Archive) -> list[str]:
    """Ids in the clusters outbox: their stored cluster fields may not be in the index yet."""
    return list((archive.get_json_or_none(clusters_pending_key(archive.prefix)) or {}).get("ids", []))


def write_pending(archive: Archive, ids: list[str]) -> None:
    archive.put_json_if_changed(clusters_pending_key(archive.prefix),
                                {"schema_version": PENDING_SCHEMA_VERSION, "ids": sorted(set(ids))})


def clear_pending(archive: Archive) -> None:
    archive.delete(clusters_pending_key(archive.prefix))




def cluster_fields(clusters_doc: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """doc id → {cluster, canonical_id, is_canonical, cluster_size, attributed_*} for every clustered
    document. attributed_* are the official canonical's values for the other members of a cluster
    that has `attribution`, else None (indexing fills in the document's own: schema.resolve_attribution)."""
    fields: dict[str, dict[str, Any]] = {}
    for cluster in (clusters_doc or {}).get("clusters", []):
        origin = cluster.get("attribution") or {}
        for member in cluster["members"]:
            is_canonical = member["id"] == cluster["canonical_id"]
            fields[member["id"]] = {
                "cluster": cluster["cluster"],
                "canonical_id": cluster["canonical_id"],
                "is_canonical": is_canonical,
                "cluster_size": cluster["size"],
                **{k: None if is_canonical else origin.get(own) for k, own in ATTRIBUTED_FROM.items()},
            }
    return fields


def standalone(doc_id: str) -> dict[str, Any]:
    return {"cluster": doc_id, "canonical_id": doc_id, "is_canonical": True, "cluster_size": 1,
            **dict.fromkeys(ATTRIBUTED_FROM)}
