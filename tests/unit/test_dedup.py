"""Duplicate clusters (pure: datasketch MinHash LSH over sample texts, no services)."""

import json

from govpub.settings import REPO_ROOT
from govpub.documents.dedup import THRESHOLD, DocInfo, clusters_document, compute_clusters, shingles
from govpub.archive.clusters import cluster_fields
from govpub.schema import sha256_text

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
KIND = {"fanwen": "repost", "longwan-jyj": "official", "jintan-jyj": "official", "nanhu-jyj": "official",
        "liyang-jyj": "official", "huadu-jyj": "official", "keqiao-jyj": "official"}


def info(article, body=None):
    body = body if body is not None else article["body"]
    return DocInfo(article["url"], article["site"], KIND[article["site"]], article["publish_date"],
                   sha256_text(body), body)


def jaccard(a, b):
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_sample_reposts_cluster_under_their_official_source():
    clusters = compute_clusters(info(a) for a in MANIFEST["articles"])
    expected = {(a["url"], a["repost_of"]) for a in MANIFEST["articles"] if a["repost_of"]}
    found = {(m["id"], c["canonical_id"]) for c in clusters for m in c["members"] if m["id"] != c["canonical_id"]}
    assert found == expected  # nothing else clusters


def test_threshold_separates_edited_reposts_from_unrelated_documents():
    original = next(a for a in MANIFEST["articles"] if a["url"].endswith("t20240715_1235101.html"))
    paragraphs = original["body"].split("\n")
    # A farm repost: its own intro and outro added, one paragraph dropped.
    edited = "\n".join(["本文来源于网络，仅供学习参考，版权归原作者所有。"] + paragraphs[:5] + paragraphs[6:]
                       + ["更多精彩范文请关注一流范文网工作计划栏目。"])
    assert jaccard(original["body"], edited) > THRESHOLD + 0.2
    repost = {**original, "url": "/fanwen/x.html", "site": "fanwen", "publish_date": "2024-07-01"}
    clusters = compute_clusters([info(original), info(repost, edited)])
    assert len(clusters) == 1 and clusters[0]["canonical_id"] == original["url"]  # official beats the earlier repost
    assert clusters[0]["members"][1]["exact"] is False
    # The most similar pair of different sample documents stays far below the threshold.
    bodies = [(a["url"], a["body"]) for a in MANIFEST["articles"] if not a["repost_of"]]
    closest = max(jaccard(x, y) for i, (_, x) in enumerate(bodies) for _, y in bodies[i + 1:])
    assert closest < THRESHOLD / 3


def test_cluster_fields_for_the_index():
    body = "各校要落实主体责任，建立隐患台账，限期整改到位。" * 4
    docs = [DocInfo("b", "fanwen", "repost", "2024-01-01", sha256_text(body), body),
            DocInfo("a", "fanwen", "repost", "2024-02-01", sha256_text(body), body)]
    fields = cluster_fields(clusters_document(compute_clusters(docs), 2))
    assert fields["b"] == {"cluster": "b", "canonical_id": "b", "is_canonical": True, "cluster_size": 2,
                           "attributed_agency": None, "attributed_region": None, "attributed_doc_number": None}
    assert fields["a"]["canonical_id"] == "b" and fields["a"]["is_canonical"] is False


def test_a_repost_of_an_official_document_is_attributed_to_its_issuer():
    from types import SimpleNamespace

    from govpub.archive.clusters import standalone
    from govpub.documents.dedup import attribute_clusters
    from govpub.schema import Document, to_es_source

    body = "龙湾区教育局2024年工作要点。坚持立德树人，办好人民满意的教育。" * 5
    bureau = SimpleNamespace(agency="温州市龙湾区教育局", region="浙江省温州市龙湾区", doc_number="温龙教〔2024〕12号")
    official = [DocInfo("a", "longwan-jyj", "official", "2024-05-08", sha256_text(body), body),
                DocInfo("b", "fanwen", "repost", "2024-05-01", sha256_text(body), body)]
    read = []
    clusters = attribute_clusters(compute_clusters(official), lambda m: read.append(m["id"]) or bureau)
    assert read == ["a"] and clusters[0]["attribution"] == vars(bureau)
    fields = cluster_fields(clusters_document(clusters, 2))
    assert fields["b"]["attributed_agency"] == "温州市龙湾区教育局"
    assert fields["b"]["attributed_doc_number"] == "温龙教〔2024〕12号"
    assert fields["a"]["attributed_agency"] is None  # the canonical is its own issuer

    repost = Document(id="b", url="http://x/b", site="fanwen", title="t", publish_date="2024-05-01", source=None,
                      doc_number=None, index_no=None, body=body, fetched_at="2024-05-02T00:00:00Z",
                      parser_version="1", raw=None, body_sha256=sha256_text(body), agency="一流范文网", region="")
    indexed = to_es_source(repost, fields["b"])
    assert (indexed["attributed_agency"], indexed["attributed_region"], indexed["attributed_doc_number"]) == (
        "温州市龙湾区教育局", "浙江省温州市龙湾区", "温龙教〔2024〕12号")
    assert (indexed["site"], indexed["agency"]) == ("fanwen", "一流范文网")  # where it was found stays its own
    alone = to_es_source(repost, standalone("b"))  # out of the cluster: its own values again
    assert (alone["attributed_agency"], alone["attributed_region"], alone["attributed_doc_number"]) == ("一流范文网", "", None)

    # a cluster whose canonical is a repost attributes nobody; no canonical is read
    farm = [DocInfo(i, "fanwen", "repost", "2024-05-01", sha256_text(body), body) for i in ("c", "d")]
    clusters = attribute_clusters(compute_clusters(farm), lambda m: read.append(m["id"]))
    assert "attribution" not in clusters[0] and read == ["a"]
    assert cluster_fields(clusters_document(clusters, 2))["d"]["attributed_agency"] is None


def test_incremental_edges_use_the_bands_minhashlsh_uses():
    from datasketch import MinHashLSH

    from govpub.documents.dedup import BANDS, NUM_PERM, ROWS

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)


def test_near_duplicates_and_clusters_from_edges_agree_with_compute_clusters():
    from govpub.documents.dedup import clusters_from_edges, near_duplicates, sha64, signature

    infos = [info(a) for a in MANIFEST["articles"]]
    sigs = {i.id: signature(i.body) for i in infos}
    edges = [(a.id, b.id) for n, a in enumerate(infos) for b in infos[n + 1:]
             if sigs[a.id] is not None and sigs[b.id] is not None
             and (a.body_sha256 == b.body_sha256 or near_duplicates(sigs[a.id], sigs[b.id]))]
    members = {i.id: DocInfo(i.id, i.site, i.kind, i.publish_date, f"{sha64(i.body_sha256):016x}", "") for i in infos}
    assert clusters_from_edges(edges, members, sigs.__getitem__) == compute_clusters(infos)
