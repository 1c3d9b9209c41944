"""Incremental clusters (issue 12, item 3) on real S3 and Elasticsearch: after every sample
site's run, after a document changes and after a rebuild, the stored clusters are exactly what
a full recomputation over the whole archive (`compute_clusters`, the previous implementation)
gives; an update with nothing new reads no document."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from govpub.archive import Archive
from govpub.archive.clusters import load_clusters
from govpub.archive.versions import DocumentVersions
from govpub.documents.dedup import DocInfo, attribute_clusters, clusters_document, compute_clusters
from govpub.pipeline.clusters import update_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_site
from govpub.registry import load_sites
from govpub.schema import sha256_text
from govpub.settings import REPO_ROOT

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
# the official sites first: the reposts then join clusters that already exist
SITES = ["longwan-jyj", "jintan-jyj", "fanwen"]


def quiet(_line: str) -> None:
    pass


def full_recomputation(settings) -> dict:
    kinds = {site_id: site.kind for site_id, site in load_sites(settings.sites_dir).items()}
    documents = {d.id: d for d in Archive(settings).iter_documents()}
    infos = [DocInfo(d.id, d.site, kinds.get(d.site, "unknown"), d.publish_date, d.body_sha256, d.body)
             for d in documents.values()]
    clusters = attribute_clusters(compute_clusters(infos), lambda member: documents.get(member["id"]))
    return clusters_document(clusters, len(infos))


@pytest.fixture(scope="module")
def site_by_site(module_settings, es):
    """Each sample site's run in turn (`govpub crawl`'s code path); the stored clusters after each."""
    after = []
    for number, site in enumerate(SITES):
        run_site(RunContext(module_settings, echo=quiet), site, run_id=f"inc-{number}")
        after.append((load_clusters(Archive(module_settings)), full_recomputation(module_settings)))
    return after


def test_clusters_after_each_run_equal_a_full_recomputation(site_by_site):
    for stored, full in site_by_site:
        assert stored == full
    final = site_by_site[-1][0]
    reposts = {(a["url"].rsplit("/", 1)[-1]) for a in MANIFEST["articles"] if a["repost_of"] and a["site"] in SITES}
    assert final["documents"] == sum(a["site"] in SITES for a in MANIFEST["articles"])
    assert sum(c["size"] - 1 for c in final["clusters"]) == len(reposts) > 0  # each repost joined its original


def test_a_changed_document_leaves_its_cluster_as_a_full_recomputation_says(site_by_site, module_settings, es):
    settings = module_settings
    archive = Archive(settings)
    before = load_clusters(archive)
    repost_id = next(m["id"] for c in before["clusters"] for m in c["members"] if m["id"] != c["canonical_id"])
    versions = DocumentVersions.listed(archive)
    doc = versions.latest_document(versions.entries[repost_id].site, repost_id)
    body = "这是一篇与任何其他文章都不相同的全新内容，用于检验增量聚类。" * 3
    assert versions.store(replace(doc, body=body, body_sha256=sha256_text(body)))[0] == "changed"

    result = update_clusters(RunContext(settings, echo=quiet), changed=[(doc.site, doc.id)])
    after = load_clusters(archive)
    assert after == full_recomputation(settings)
    assert repost_id not in {m["id"] for c in after["clusters"] for m in c["members"]}
    assert result.changed >= 1 and result.index_updated == result.changed


def test_an_update_with_nothing_new_reads_no_document_and_a_rebuild_agrees(site_by_site, module_settings, es):
    context = RunContext(module_settings, echo=quiet)
    reads = []
    context.archive.s3.meta.events.register(
        "before-parameter-build.s3.GetObject", lambda params, **_: reads.append(params["Key"]))
    before = load_clusters(context.archive)
    result = update_clusters(context)
    assert [k for k in reads if k.startswith("documents/")] == []
    assert result.changed == 0 and load_clusters(context.archive) == before

    update_clusters(RunContext(module_settings, echo=quiet), rebuild=True)
    assert load_clusters(context.archive) == before == full_recomputation(module_settings)


def test_attribution_in_the_index_is_what_a_rebuild_from_s3_gives(site_by_site, module_settings, es):
    """The attributed fields the clusters step wrote into the index equal a `govpub reindex` from S3;
    every repost of an official document is attributed to its issuer, every other document to itself."""
    from elasticsearch import helpers

    from govpub import index
    from govpub.pipeline.rebuild import rebuild_index

    fields = ("agency", "region", "doc_number", "attributed_agency", "attributed_region", "attributed_doc_number")
    alias = module_settings.es_alias

    def held() -> dict[str, dict]:
        index.refresh(es, alias)
        return {h["_id"]: h["_source"] for h in helpers.scan(es, index=alias, query={"query": {"match_all": {}},
                                                                                      "_source": list(fields)})}

    before = held()
    rebuild_index(module_settings, echo=quiet, rebuild_id="attribution")
    assert held() == before and len(before) == len(Archive(module_settings).document_entries())
    clusters = load_clusters(Archive(module_settings))["clusters"]
    attributed = {m["id"]: c["attribution"] for c in clusters if c.get("attribution")
                  for m in c["members"] if m["id"] != c["canonical_id"]}
    assert attributed  # the sample's fanwen reposts of longwan and jintan documents
    for doc_id, source in before.items():
        origin = attributed.get(doc_id)
        if origin:
            assert source["attributed_agency"] == origin["agency"] != source["agency"]
            assert source["attributed_region"] == origin["region"]
            assert source["attributed_doc_number"] == (origin["doc_number"] or source["doc_number"])
        else:
            assert (source["attributed_agency"], source["attributed_region"]) == (source["agency"], source["region"])
