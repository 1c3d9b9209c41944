"""The stored duplicate clusters (clusters/current.json) and the index-only fields they give.

The clusters themselves are computed by govpub.documents.dedup; this module only reads the
stored object and turns it into per-document fields, so the archive's readers (overlays,
export) need nothing above the archive.
"""

from __future__ import annotations

from typing import Any

from govpub.archive.keys import clusters_key
from govpub.archive.store import Archive


def load_clusters(archive: Archive) -> dict[str, Any] | None:
    return archive.get_json_or_none(clusters_key(archive.prefix))


def cluster_fields(clusters_doc: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """doc id → {cluster, canonical_id, is_canonical, cluster_size} for every clustered document."""
    fields: dict[str, dict[str, Any]] = {}
    for cluster in (clusters_doc or {}).get("clusters", []):
        for member in cluster["members"]:
            fields[member["id"]] = {
                "cluster": cluster["cluster"],
                "canonical_id": cluster["canonical_id"],
                "is_canonical": member["id"] == cluster["canonical_id"],
                "cluster_size": cluster["size"],
            }
    return fields


def standalone(doc_id: str) -> dict[str, Any]:
    return {"cluster": doc_id, "canonical_id": doc_id, "is_canonical": True, "cluster_size": 1}
