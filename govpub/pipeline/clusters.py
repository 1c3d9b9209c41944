"""The clusters step: recompute duplicate clusters over the archive, store them, update the index."""

from __future__ import annotations

from govpub import index
from govpub.archive import clusters_key
from govpub.archive.clusters import clear_pending, cluster_fields, load_clusters, load_pending, standalone, write_pending
from govpub.documents.dedup import DocInfo, clusters_document, compute_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.results import ClustersResult
from govpub.registry import load_sites


def update_clusters(context: RunContext, apply_to_index: bool = True) -> ClustersResult:
    """Recompute clusters over every latest document; store them when they changed; update the index.

    Only documents whose cluster fields changed are updated in Elasticsearch (partial updates
    of index-only fields; documents not indexed yet get them when they are indexed). Their ids
    go to the outbox clusters/pending.json before the stored clusters change and leave it once
    the index has them, so a run that could not reach Elasticsearch leaves them to the next one.
    """
    archive, settings = context.archive, context.settings
    kinds = {site_id: site.kind for site_id, site in load_sites(settings.sites_dir).items()}
    infos = [
        DocInfo(d.id, d.site, kinds.get(d.site, "unknown"), d.publish_date, d.body_sha256, d.body)
        for d in archive.iter_documents()
    ]
    clusters = compute_clusters(infos)
    new_doc = clusters_document(clusters, len(infos))
    stored = load_clusters(archive)
    old_fields, new_fields = cluster_fields(stored), cluster_fields(new_doc)
    changed = sorted(
        i.id for i in infos if old_fields.get(i.id, standalone(i.id)) != new_fields.get(i.id, standalone(i.id))
    )
    pending = load_pending(archive)
    to_apply = sorted(set(changed) | set(pending))
    if apply_to_index and changed:
        write_pending(archive, to_apply)  # before the stored clusters change: a crash leaves them pending
    written = archive.put_json_if_changed(clusters_key(archive.prefix), new_doc, stored=stored)
    updated = 0
    if apply_to_index and to_apply:
        updated = index.update_overlays(
            context.reachable_es(), settings.es_alias, {i: new_fields.get(i, standalone(i)) for i in to_apply}
        )
        clear_pending(archive)
    members = sum(c["size"] for c in clusters)
    context.echo(
        f"clusters: {len(clusters)} duplicate clusters ({members} documents) among {len(infos)} documents; "
        f"{'stored' if written else 'unchanged'}; {len(changed)} documents changed cluster"
        + (f" (+{len(to_apply) - len(changed)} left pending by an earlier run)" if len(to_apply) > len(changed) else "")
        + f", {updated} updated in the index"
    )
    return ClustersResult(documents=len(infos), clusters=len(clusters), clustered_documents=members,
                          changed=len(changed), index_updated=updated, written=bool(written))
