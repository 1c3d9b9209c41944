"""The clusters step: recompute duplicate clusters over the archive, store them, update the index."""

from __future__ import annotations

from govpub import index
from govpub.archive import clusters_key
from govpub.archive.clusters import cluster_fields, load_clusters, standalone
from govpub.documents.dedup import DocInfo, clusters_document, compute_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.results import ClustersResult
from govpub.registry import load_sites


def update_clusters(context: RunContext, apply_to_index: bool = True) -> ClustersResult:
    """Recompute clusters over every latest document; store them when they changed; update the index.

    Only documents whose cluster fields changed are updated in Elasticsearch (partial updates
    of index-only fields; documents not indexed yet get them when they are indexed).
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
    written = archive.put_json_if_changed(clusters_key(archive.prefix), new_doc, stored=stored)
    old_fields, new_fields = cluster_fields(stored), cluster_fields(new_doc)
    changed = sorted(
        i.id for i in infos if old_fields.get(i.id, standalone(i.id)) != new_fields.get(i.id, standalone(i.id))
    )
    updated = 0
    if apply_to_index and changed:
        updated = index.update_overlays(
            context.reachable_es(), settings.es_alias, {i: new_fields.get(i, standalone(i)) for i in changed}
        )
    members = sum(c["size"] for c in clusters)
    context.echo(
        f"clusters: {len(clusters)} duplicate clusters ({members} documents) among {len(infos)} documents; "
        f"{'stored' if written else 'unchanged'}; {len(changed)} documents changed cluster, {updated} updated in the index"
    )
    return ClustersResult(documents=len(infos), clusters=len(clusters), clustered_documents=members,
                          changed=len(changed), index_updated=updated, written=bool(written))
