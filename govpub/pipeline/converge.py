"""Convergence: bring the index to the archive, whatever earlier runs left behind.

The archive (S3) says what the index must hold: every document with a latest.json, at its
latest version, with its overlay (status record, cluster fields). `converge` compares that
with what the index holds — one listing of documents/ against one scroll over the index's
index-only fields, so no request per document — and then indexes what is missing or at an
older version and updates the overlays that differ (a deletion, a cluster change that never
reached the index). The index step runs it for its site on every run (so a run after an
Elasticsearch outage indexes what the failed run archived); `govpub reconcile` and the DAG's
`reconcile` task run it for every site.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from govpub import index
from govpub.archive.clusters import standalone
from govpub.archive.versions import DocumentVersions
from govpub.schema import ATTRIBUTED_FROM, Document

READ_WORKERS = 8
#: overlay fields of the cluster step (the rest — version, status — come from versions and status records)
CLUSTER_FIELDS = ("cluster", "canonical_id", "is_canonical", "cluster_size", *ATTRIBUTED_FROM)


@dataclass
class Convergence:
    """What one comparison found and what was done about it (counts; ids for the first few)."""

    site: str | None
    archive_documents: int = 0  #: documents with a latest.json in the archive
    index_documents_before: int = 0
    index_documents: int = 0  #: after the fix
    missing: int = 0  #: archived, not in the index
    stale: int = 0  #: in the index at an older version
    status_pending: int = 0  #: right version, status (active/deleted) differs
    cluster_pending: int = 0  #: right version, cluster fields differ
    indexed: int = 0
    overlays_updated: int = 0
    index_only: int = 0  #: in the index, not in the archive (reported, left alone)
    errors: list[dict] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def behind(self) -> int:
        """Documents the index did not hold at their archived version before the fix."""
        return self.missing + self.stale

    @property
    def fixed(self) -> int:
        return self.indexed + self.overlays_updated

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "behind": self.behind}

    def summary(self) -> str:
        where = self.site or "all sites"
        line = (f"[{where}] archive {self.archive_documents}, index {self.index_documents_before} → "
                f"{self.index_documents}: {self.missing} missing and {self.stale} stale indexed ({self.indexed}), "
                f"{self.status_pending} status and {self.cluster_pending} cluster fields updated "
                f"({self.overlays_updated}), {len(self.errors)} errors")
        if self.index_only:
            line += f"; {self.index_only} in the index but not in the archive (left alone)"
        return line


def converge(
    es,
    alias: str,
    versions: DocumentVersions,
    site: str | None = None,
    echo: Callable[[str], None] = print,
    dry_run: bool = False,
) -> Convergence:
    """Index what `versions` (one listing, of `site` or of every site) has and the index lacks.

    Documents the caller already holds (`versions.latest`: the run's own) are not read again;
    the others are read from S3 in parallel. `dry_run`: only count.
    """
    started = time.monotonic()
    result = Convergence(site=site)
    entries = {i: e for i, e in versions.entries.items() if e.has_latest and (site is None or e.site == site)}
    result.archive_documents = len(entries)
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:  # status records: one GET each, in parallel
        list(pool.map(lambda e: versions.status(e.site, e.id), [e for e in entries.values() if e.has_status]))
    expected = versions.overlays(set(entries))
    indexed = index.indexed_overlays(es, alias, site)
    result.index_documents_before = len(indexed)
    to_index: list[str] = []
    to_update: dict[str, dict[str, Any]] = {}
    for doc_id, overlay in expected.items():
        overlay = expected[doc_id] = {**standalone(doc_id), **overlay}  # the index holds a standalone's fields too
        held = indexed.get(doc_id)
        if held is None:
            result.missing += 1
            to_index.append(doc_id)
        elif held.get("version") != overlay["version"]:
            result.stale += 1
            to_index.append(doc_id)
        else:
            # an attributed field the archive leaves None is the document's own value, as indexed
            wanted = {**overlay, **{k: held.get(own) for k, own in ATTRIBUTED_FROM.items() if overlay.get(k) is None}}
            differs = {k for k, v in wanted.items() if held.get(k) != v}
            if differs:
                result.status_pending += bool(differs & {"status", "status_date"})
                result.cluster_pending += bool(differs & set(CLUSTER_FIELDS))
                to_update[doc_id] = overlay
    result.index_only = len(set(indexed) - set(entries))
    result.examples = sorted(to_index + list(to_update))[:5]
    if not dry_run:
        if to_index:
            documents = read_documents(versions, [(entries[i].site, i) for i in to_index])
            bulk = index.bulk_index(es, alias, documents, refresh=False, overlays={i: expected[i] for i in to_index})
            result.indexed = bulk.indexed
            result.errors = [{"kind": "index", "url": e["id"], "message": e["reason"]} for e in bulk.errors]
        if to_update:
            result.overlays_updated = index.update_overlays(es, alias, to_update, refresh=False)
        if to_index or to_update:
            index.refresh(es, alias)
    failed = {e["url"] for e in result.errors}
    added = 0 if dry_run else sum(1 for i in to_index if i not in indexed and i not in failed)
    result.index_documents = result.index_documents_before + added
    result.seconds = round(time.monotonic() - started, 3)
    return result


def read_documents(versions: DocumentVersions, wanted: list[tuple[str, str]]) -> list[Document]:
    """The latest version of each (site, id): held ones as they are, the rest in parallel GETs."""
    missing = [(s, i) for s, i in wanted if i not in versions.latest]
    if missing:
        with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
            for (s, i), doc in zip(missing, pool.map(lambda si: versions.archive.get_document(*si), missing)):
                if doc is not None:
                    versions.latest[i] = doc
    return [versions.latest[i] for _, i in wanted if i in versions.latest]


def listed(archive, site: str | None = None) -> DocumentVersions:
    """The listing of documents/ (one site's, or every site's: one listing per site, in parallel —
    a listing is sequential pages, and S3Proxy's filesystem backend pages slower the more keys share
    a prefix)."""
    if site is not None:
        return DocumentVersions.listed(archive, site)
    sites = archive.list_folders(f"{archive.prefix}documents/")
    entries: dict = {}
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        for listing in pool.map(archive.document_listing, sites):
            entries.update(listing)
    return DocumentVersions(archive, entries)


def reconcile(context, site: str | None = None, dry_run: bool = False) -> Convergence:
    """`govpub reconcile` and the DAG's `reconcile` task: converge one site or every site (one
    listing of documents/, one scroll of the index), printing what was fixed. Without `site`,
    a complete pass also empties the clusters outbox (every cluster field was just compared)."""
    from govpub.archive.clusters import clear_pending, load_pending

    archive = context.archive
    es = context.reachable_es()
    versions = listed(archive, site)
    found = converge(es, context.settings.es_alias, versions, site=site, echo=context.echo, dry_run=dry_run)
    if site is None and not dry_run and not found.errors and load_pending(archive):
        clear_pending(archive)
    context.echo(("reconcile (dry run): " if dry_run else "reconcile: ") + found.summary()
                 + f" in {found.seconds:.2f}s")
    for error in found.errors[:20]:
        context.echo(f"  index error for {error['url']}: {error['message']}")
    return found
