"""The clusters step: update the duplicate clusters with what changed, store them, update the index.

The clusters are kept up to date incrementally (govpub.pipeline.lsh_state): the documents
that runs archived since the last update get their MinHash signatures and LSH band keys, their
duplicate edges are recomputed against the persistent state, and the clusters are the connected
components of the edges — the same clusters `govpub.documents.dedup.compute_clusters` finds over
the whole archive (tests/integration/test_clusters_incremental.py), at a cost that grows with the
documents changed, not with the archive. Without a state (first run, or other parameters) the
state is built from every latest document once.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from govpub import index
from govpub.archive import Archive, clusters_key, parse_document_key, run_key
from govpub.archive.clusters import clear_pending, cluster_fields, load_clusters, load_pending, standalone, write_pending
from govpub.documents.dedup import attribute_clusters, clusters_document
from govpub.pipeline.context import RunContext
from govpub.pipeline.lsh_state import READ_WORKERS, LshState
from govpub.pipeline.results import ClustersResult
from govpub.registry import load_sites
from govpub.schema import Document


def update_clusters(
    context: RunContext, apply_to_index: bool = True, changed: Iterable[tuple[str, str]] = (), rebuild: bool = False
) -> ClustersResult:
    """Update the clusters with the documents runs archived since the last update (and `changed`:
    (site, id) pairs a caller already knows); store them when they changed; update the index.

    Only documents whose cluster fields changed are updated in Elasticsearch (partial updates
    of index-only fields; documents not indexed yet get them when they are indexed). Their ids
    go to the outbox clusters/pending.json before the stored clusters change and leave it once
    the index has them, so a run that could not reach Elasticsearch leaves them to the next one.
    `rebuild`: build the state from every latest document (as when there is none).
    """
    started = time.monotonic()
    archive, settings = context.archive, context.settings
    kinds = {site_id: site.kind for site_id, site in load_sites(settings.sites_dir).items()}
    runs = archive.list_folders(f"{archive.prefix}runs/")
    state = None if rebuild else LshState.load(archive)
    if state is None:
        state = LshState(archive)
        wanted = [(e.site, e.id) for e in archive.document_entries().values()]
        mode = "built from the whole archive"
    else:
        applied = set(state.manifest["applied_runs"])
        wanted = sorted(set(changed) | {k for run in runs if run not in applied for k in run_documents(archive, run)})
        mode = f"{len(wanted)} documents archived since the last update"
    read = read_documents(archive, wanted)
    updated_ids = state.apply(read)
    applied = sorted(set(state.manifest["applied_runs"]) | set(runs))
    # an unchanged state is not written again (a re-run writes nothing)
    state_changed = bool(updated_ids) or applied != state.manifest["applied_runs"] or state.manifest["generation"] == 0
    state.manifest["applied_runs"] = applied
    clusters = state.clusters(kinds)
    documents = state.documents()
    stored = load_clusters(archive)
    attribute(archive, clusters, stored, {d.id: d for d in read})
    new_doc = clusters_document(clusters, documents)
    old_fields, new_fields = cluster_fields(stored), cluster_fields(new_doc)
    changed_ids = sorted(i for i in set(old_fields) | set(new_fields) if old_fields.get(i) != new_fields.get(i))
    pending = load_pending(archive)
    to_apply = sorted(set(changed_ids) | set(pending))
    if apply_to_index and changed_ids:
        write_pending(archive, to_apply)  # before the stored clusters change: a crash leaves them pending
    if state_changed:
        state.save()
    written = archive.put_json_if_changed(clusters_key(archive.prefix), new_doc, stored=stored)
    updated = 0
    if apply_to_index and to_apply:
        updated = index.update_overlays(
            context.reachable_es(), settings.es_alias, {i: new_fields.get(i, standalone(i)) for i in to_apply}
        )
        clear_pending(archive)
    members = sum(c["size"] for c in clusters)
    seconds = round(time.monotonic() - started, 2)
    context.echo(
        f"clusters: {len(clusters)} duplicate clusters ({members} documents) among {documents} documents "
        f"({mode}; {len(updated_ids)} re-hashed); {'stored' if written else 'unchanged'}; "
        f"{len(changed_ids)} documents changed cluster"
        + (f" (+{len(to_apply) - len(changed_ids)} left pending by an earlier run)" if len(to_apply) > len(changed_ids) else "")
        + f", {updated} updated in the index; {seconds:g}s"
    )
    return ClustersResult(documents=documents, clusters=len(clusters), clustered_documents=members,
                          changed=len(changed_ids), index_updated=updated, written=bool(written))


def attribute(archive: Archive, clusters: list[dict], stored: dict | None, read: dict[str, Document]) -> None:
    """`dedup.attribute_clusters` reading each official canonical from the documents this update
    read, else keeping the stored clusters' attribution (same canonical, not re-read: unchanged),
    else with one GET of its latest version."""
    known = {c["canonical_id"]: c["attribution"] for c in (stored or {}).get("clusters", []) if c.get("attribution")}

    def canonical_document(member: dict):
        if member["id"] in read:
            return read[member["id"]]
        if member["id"] in known:
            return SimpleNamespace(**known[member["id"]])
        return archive.get_document(member["site"], member["id"])

    attribute_clusters(clusters, canonical_document)


def run_documents(archive: Archive, run_id: str) -> set[tuple[str, str]]:
    """(site, id) of every document version a run's archive steps wrote (their archive.json records)."""
    found: set[tuple[str, str]] = set()
    for site in archive.list_folders(f"{archive.prefix}runs/{run_id}/"):
        record = archive.get_json_or_none(run_key(archive.prefix, run_id, site, "archive.json")) or {}
        for obj in record.get("objects") or []:
            parsed = parse_document_key(obj["key"])
            if parsed and parsed[2] == "latest":
                found.add((parsed[0], parsed[1]))
    return found


def read_documents(archive: Archive, wanted: list[tuple[str, str]]) -> list[Document]:
    """The latest version of each (site, id), read in parallel; ids without one are left out."""
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        return [d for d in pool.map(lambda si: archive.get_document(*si), wanted) if d is not None]
