"""Duplicate clusters across pages and sites: exact (same body_sha256) and near (MinHash LSH).

Texts are compared on their normalised body (`Document.body`, simplified Chinese) with
whitespace and punctuation removed, as sets of character 5-grams (`SHINGLE`). Near
duplicates: datasketch `MinHashLSH` (128 permutations) proposes candidates at
`THRESHOLD`; a candidate joins only when the MinHash Jaccard estimate really reaches
`THRESHOLD` (no banding false positives). Clusters are the connected components.

The canonical document of a cluster: the official government source first (site
`kind = "official"` in the registry), then the earliest publish date, then the id. Reposts
point at it with `canonical_id`. Clusters are stored in `clusters/current.json` and reach
the index as index-only fields (cluster, canonical_id, is_canonical, cluster_size), so a
cluster change never makes a new document version.

Threshold: tuned on the sample site (docs/archive.md, "Duplicates"): the three fanwen
reposts of official articles score 1.0 against their originals after parsing, an edited
repost (own intro/outro, a paragraph dropped) > 0.7, while the closest unrelated pair of
sample documents scores 0.075; 0.5 sits well between.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

CLUSTERS_SCHEMA_VERSION = 1
THRESHOLD = 0.5
NUM_PERM = 128
SHINGLE = 5
SEED = 1


@dataclass(frozen=True)
class DocInfo:
    id: str
    site: str
    kind: str  #: site kind: "official" | "repost" | "unknown"
    publish_date: str | None
    body_sha256: str
    body: str


def normalise(text: str) -> str:
    """Body text for comparison: letters and digits only (whitespace and punctuation dropped)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in ("L", "N")).lower()


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    norm = normalise(text)
    if len(norm) <= k:
        return {norm.encode("utf-8")} if norm else set()
    return {norm[i : i + k].encode("utf-8") for i in range(len(norm) - k + 1)}


def minhash(text: str):
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=SEED)
    grams = shingles(text)
    if grams:
        m.update_batch(sorted(grams))
    return m


def _canonical_rank(doc: DocInfo) -> tuple:
    return (0 if doc.kind == "official" else 1, doc.publish_date or "9999-99-99", doc.id)


def compute_clusters(docs: Iterable[DocInfo], threshold: float = THRESHOLD) -> list[dict[str, Any]]:
    """Clusters of two or more documents, each with its canonical document first. Deterministic."""
    from datasketch import MinHashLSH

    docs = sorted(docs, key=lambda d: d.id)
    parent = {d.id: d.id for d in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_sha: dict[str, str] = {}
    for d in docs:
        if not normalise(d.body):
            continue
        if d.body_sha256 in by_sha:
            union(by_sha[d.body_sha256], d.id)
        else:
            by_sha[d.body_sha256] = d.id

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes = {}
    for d in docs:
        if not normalise(d.body):
            continue
        m = minhash(d.body)
        hashes[d.id] = m
        for other in lsh.query(m):
            if m.jaccard(hashes[other]) >= threshold:
                union(d.id, other)
        lsh.insert(d.id, m)

    groups: dict[str, list[DocInfo]] = {}
    for d in docs:
        groups.setdefault(find(d.id), []).append(d)
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=_canonical_rank)
        canonical = members[0]
        clusters.append(
            {
                "cluster": canonical.id,
                "canonical_id": canonical.id,
                "size": len(members),
                "members": [
                    {
                        "id": m.id,
                        "site": m.site,
                        "kind": m.kind,
                        "publish_date": m.publish_date,
                        "exact": m.body_sha256 == canonical.body_sha256,
                        "similarity": round(float(hashes[m.id].jaccard(hashes[canonical.id])), 3)
                        if m.id in hashes and canonical.id in hashes
                        else 1.0,
                    }
                    for m in members
                ],
            }
        )
    clusters.sort(key=lambda c: c["cluster"])
    return clusters


#: what a cluster's `attribution` holds: its official canonical's values, which its reposts inherit
ATTRIBUTION_FIELDS = ("agency", "region", "doc_number")


def attribute_clusters(clusters: list[dict[str, Any]], canonical_document) -> list[dict[str, Any]]:
    """Give each cluster whose canonical copy is an official site's an `attribution`: that copy's
    agency, region and 文号 (`canonical_document(member)` returns the Document, or None when it
    cannot be read: no attribution). In place; returns `clusters`."""
    for cluster in clusters:
        canonical = next(m for m in cluster["members"] if m["id"] == cluster["canonical_id"])
        if canonical["kind"] != "official":
            continue
        doc = canonical_document(canonical)
        if doc is not None:
            cluster["attribution"] = {k: getattr(doc, k) for k in ATTRIBUTION_FIELDS}
    return clusters


def clusters_document(clusters: list[dict], documents: int, threshold: float = THRESHOLD) -> dict[str, Any]:
    return {
        "schema_version": CLUSTERS_SCHEMA_VERSION,
        "method": {"exact": "body_sha256", "near": "minhash-lsh", "threshold": threshold,
                   "num_perm": NUM_PERM, "shingle": SHINGLE, "seed": SEED},
        "documents": documents,
        "clusters": clusters,
    }


# -- incremental clusters (govpub.pipeline.clusters keeps this state in S3) ------------------
# The same edges as `compute_clusters`: two comparable documents (non-empty normalised body) are
# joined when their body_sha256 is equal, or when one of the LSH bands of their MinHash
# signatures is equal (what MinHashLSH calls a candidate) and the Jaccard estimate reaches the
# threshold. Clusters are the connected components of those edges, so they can be kept up to
# date by recomputing only the edges of the documents that changed.
BANDS, ROWS = 25, 5  #: MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM) picks these (tests/unit/test_dedup.py)
_BAND_MULTIPLIERS = None


def signature(text: str):
    """The MinHash signature as uint32[NUM_PERM] (datasketch keeps each value below 2**32), or
    None when the normalised body is empty (such documents never cluster)."""
    import numpy as np

    if not normalise(text):
        return None
    return minhash(text).hashvalues.astype(np.uint32)


def band_keys(signatures):
    """uint32[n, BANDS]: a hash of each band of each signature (n × NUM_PERM). Equal bands give
    equal keys; an equal key is only a candidate, `near_duplicates` compares the bands themselves."""
    import numpy as np

    global _BAND_MULTIPLIERS
    if _BAND_MULTIPLIERS is None:
        _BAND_MULTIPLIERS = np.random.default_rng(SEED).integers(1, 2**63, size=ROWS, dtype=np.uint64) | np.uint64(1)
    rows = np.asarray(signatures, dtype=np.uint64).reshape(-1, NUM_PERM)[:, : BANDS * ROWS].reshape(-1, BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = (rows * _BAND_MULTIPLIERS).sum(axis=2, dtype=np.uint64)
    return (mixed >> np.uint64(32)).astype(np.uint32)


def sha64(body_sha256: str) -> int:
    """The first 64 bits of body_sha256: what the state keeps to find exact duplicates."""
    return int(body_sha256[:16], 16)


def jaccard_estimate(a, b) -> float:
    """MinHash.jaccard of two signatures (the fraction of equal values)."""
    import numpy as np

    return float(np.count_nonzero(a == b)) / float(len(a))


def near_duplicates(a, b, threshold: float = THRESHOLD) -> bool:
    """An LSH candidate pair (some band equal) whose Jaccard estimate reaches `threshold`."""
    span = BANDS * ROWS  # MinHashLSH bands the first BANDS × ROWS values
    bands_equal = (a[:span].reshape(BANDS, ROWS) == b[:span].reshape(BANDS, ROWS)).all(axis=1).any()
    return bool(bands_equal) and jaccard_estimate(a, b) >= threshold


def clusters_from_edges(
    edges: Iterable[tuple[str, str]], members: dict[str, DocInfo], signatures
) -> list[dict[str, Any]]:
    """`compute_clusters`' output from the duplicate edges: `members` holds a DocInfo (body may
    be empty; body_sha256 may be a prefix) for every document on an edge; `signatures(id)` its signature."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[DocInfo]] = {}
    for doc_id in parent:
        groups.setdefault(find(doc_id), []).append(members[doc_id])
    clusters = []
    for group in groups.values():
        group.sort(key=_canonical_rank)
        canonical = group[0]
        top = signatures(canonical.id)
        clusters.append({
            "cluster": canonical.id,
            "canonical_id": canonical.id,
            "size": len(group),
            "members": [
                {"id": m.id, "site": m.site, "kind": m.kind, "publish_date": m.publish_date,
                 "exact": m.body_sha256 == canonical.body_sha256,
                 "similarity": round(jaccard_estimate(signatures(m.id), top), 3)}
                for m in group
            ],
        })
    clusters.sort(key=lambda c: c["cluster"])
    return clusters
