"""GET /search, /documents, /export, /series over real HTTP (uvicorn) against the real
Elasticsearch and S3, loaded with the sample site by the real pipeline (tests/api/conftest.py)."""

from __future__ import annotations

import csv
import gzip
import io
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govpub import index
from govpub.search import engine
from govpub.search.api import models
from govpub.search.query import SearchParams
from govpub.schema import doc_id_for
from tests.api.conftest import MANIFEST

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def http(api_url):
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


def doc_id(settings, path: str) -> str:
    return doc_id_for(settings.sample_site_url + path)


def article(phrase: str, site: str) -> dict:
    return next(a for a in MANIFEST["articles"] if a["phrase"] == phrase and a["site"] == site)


def search(http, **params) -> dict:
    response = http.get("/search", params=params)
    assert response.status_code == 200, response.text
    data = response.json()
    models.SearchResponse.model_validate(data)  # the documented shape
    return data


def ids(data: dict) -> list[str]:
    return [h["id"] for h in data["hits"]]


def test_phrase_search_with_highlights_and_facets(http, loaded):
    data = search(http, q='"课后服务"')
    assert data["total"] >= 3 and data["sort"] == "relevance"
    assert all("<em>" in "".join(h["highlights"]) + (h["title_highlight"] or "") for h in data["hits"])
    assert sum(f["count"] for f in data["facets"]["site"]) == data["total"]
    assert {f["value"] for f in data["facets"]["site"]} <= {a["site"] for a in MANIFEST["articles"]}
    assert data["facets"]["doc_type"] and data["facets"]["year"]
    first = data["hits"][0]
    assert first["score"] > 0 and first["url"].startswith(loaded.sample_site_url)


def test_traditional_and_simplified_find_the_same_documents(http):
    simplified = search(http, q="课后服务 龙湾", size=50)
    traditional = search(http, q="課後服務 龍灣", size=50)
    assert simplified["total"] > 0 and ids(traditional) == ids(simplified)
    assert ids(search(http, q='"瓯江口海韵研学走廊"')) == ids(search(http, q='"甌江口海韻研學走廊"'))


def test_boolean_operators(http, loaded):
    a = doc_id(loaded, article("瓯江口海韵研学走廊", "longwan-jyj")["url"])
    b = doc_id(loaded, article("潮汐式走班", "longwan-jyj")["url"])
    either = ids(search(http, q='"瓯江口海韵研学走廊" OR "潮汐式走班"'))
    assert set(either) == {a, b}
    assert ids(search(http, q='"瓯江口海韵研学走廊" | "潮汐式走班" -"潮汐式走班"')) in ([a], [b], [])
    assert ids(search(http, q='("瓯江口海韵研学走廊" OR "潮汐式走班") NOT "潮汐式走班"')) == [a]
    assert ids(search(http, q='"瓯江口海韵研学走廊" "潮汐式走班"')) == []  # AND


def test_facet_filters_and_field_terms(http, loaded):
    everything = search(http, q="教育")
    typed = search(http, q="教育", doc_type="工作要点", size=50)
    assert 0 < typed["total"] < everything["total"]
    assert all(h["doc_type"] == "工作要点" for h in typed["hits"])
    assert typed["total"] == search(http, q="教育 type:工作要点")["total"]
    two = search(http, q="教育", doc_type=["工作要点", "工作总结"], size=50)
    assert two["total"] > typed["total"] and {h["doc_type"] for h in two["hits"]} == {"工作要点", "工作总结"}
    site = search(http, site="longwan-jyj", size=50)
    assert site["total"] == sum(1 for a in MANIFEST["articles"] if a["site"] == "longwan-jyj")
    assert search(http, q="site:longwan-jyj")["total"] == site["total"]
    years = {f["value"]: f["count"] for f in everything["facets"]["year"]}
    year, count = next(iter(years.items()))
    by_year = search(http, q="教育", year=str(year), size=50)
    assert by_year["total"] == count and all(h["year"] == year for h in by_year["hits"])
    agency = search(http, agency="温州市龙湾区教育局")
    # the bureau's documents and the fanwen reposts of them (attributed to it; their site stays fanwen)
    reposts = sum(1 for a in MANIFEST["articles"] if (a["repost_of"] or "").startswith("/longwan/"))
    assert agency["total"] == site["total"] + reposts and reposts > 0
    every = search(http, agency="温州市龙湾区教育局", collapse="false", size=50)
    assert sorted(h["site"] for h in every["hits"]).count("fanwen") == reposts


def test_date_range_and_sort(http):
    ranged = search(http, **{"from": "2024-01-01", "to": "2024-06-30"}, size=50)
    dates = [h["publish_date"] for h in ranged["hits"]]
    assert dates and all("2024-01-01" <= d <= "2024-06-30" for d in dates)
    assert ranged["sort"] == "date" and dates == sorted(dates, reverse=True)
    oldest = search(http, q="教育", sort="date_asc", size=50)
    odates = [h["publish_date"] for h in oldest["hits"] if h["publish_date"]]
    assert odates == sorted(odates) and all(h["score"] is None for h in oldest["hits"])


def test_pagination(http):
    first = search(http, q="教育", page=1, size=5)
    second = search(http, q="教育", page=2, size=5)
    listed = first["groups"] if first["collapsed"] else first["total"]  # collapsed: a page lists clusters
    assert first["pages"] == -(-listed // 5) and second["page"] == 2
    assert len(first["hits"]) == 5 and not set(ids(first)) & set(ids(second))
    assert ids(search(http, q="教育", size=10))[:10] == (ids(first) + ids(second))[:10]


def test_duplicates_collapse_by_default_with_the_official_copy_first(http, loaded):
    original = doc_id(loaded, article("好学龙青", "longwan-jyj")["url"])
    repost = doc_id(loaded, article("好学龙青", "fanwen")["url"])
    every = search(http, q='"好学龙青"', collapse="false")
    assert set(ids(every)) == {original, repost} and every["groups"] is None and not every["collapsed"]
    collapsed = search(http, q='"好学龙青"')  # the default
    assert collapsed["collapsed"] and collapsed["counts"] == "documents"
    assert collapsed["total"] == 2 and collapsed["groups"] == 1 and ids(collapsed) == [original]
    hit = collapsed["hits"][0]
    assert hit["is_canonical"] and hit["site"] == "longwan-jyj" and hit["copies_total"] == 1
    assert [(c["id"], c["site"], c["is_canonical"]) for c in hit["copies"]] == [(repost, "fanwen", False)]
    assert hit["copies"][0]["publish_date"] and hit["highlights"]
    # facet values count documents, and say how many clusters (collapsed results) they hold
    assert {f["value"]: (f["count"], f["clusters"]) for f in collapsed["facets"]["site"]} == {
        "longwan-jyj": (1, 1), "fanwen": (1, 1)}
    doc = http.get(f"/documents/{repost}").json()
    assert [c["id"] for c in doc["provenance"]["cluster"]["copies"]] == [original]
    assert doc["provenance"]["cluster"]["size"] == 2 and not doc["provenance"]["cluster"]["is_canonical"]
    lines = http.get("/export", params={"q": '"好学龙青"', "format": "jsonl"}).text.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [original]
    assert len(http.get("/export", params={"q": '"好学龙青"', "format": "jsonl", "collapse": "false"}).text.splitlines()) == 2


def test_the_issue_query_lists_each_work_plan_once_and_ties_prefer_the_official_copy(http):
    every = search(http, q="课后服务", collapse="false", size=50)
    collapsed = search(http, q="课后服务", size=50)
    assert collapsed["total"] == every["total"] and collapsed["groups"] == len(collapsed["hits"]) < every["total"]
    clusters = [h["cluster"] for h in collapsed["hits"]]
    assert len(clusters) == len(set(clusters))
    # a repost is shown only where its official copy did not match
    shown = set(ids(collapsed))
    assert all(h["is_canonical"] or h["canonical_id"] not in ids(every) for h in collapsed["hits"])
    assert all(h["canonical_id"] in shown for h in every["hits"] if h["canonical_id"] in ids(every))
    # uncollapsed, equal scores rank the official copy above its reposts
    for a, b in zip(every["hits"], every["hits"][1:]):
        if a["score"] == b["score"] and a["cluster"] == b["cluster"]:
            assert a["is_canonical"] or not b["is_canonical"], (a["id"], b["id"])


def test_highlights_are_html_escaped_except_the_marks(http, loaded, es):
    from tests.integration.test_index import make_doc

    doc = make_doc("xss", site="xss-test", title="<b>课后服务</b> 标题", publish_date="2024-01-01",
                   body='课后服务 <script>alert("x")</script> <img src=x onerror=alert(1)> & 完')
    index.bulk_index(es, loaded.es_alias, [doc], refresh=True)
    try:
        hit = search(http, q="课后服务", site="xss-test")["hits"][0]
        joined = "".join(hit["highlights"]) + hit["title_highlight"]
        assert "<script>" not in joined and "<img" not in joined and "<b>" not in joined
        assert "&lt;script&gt;" in joined and "&lt;b&gt;" in joined and "&amp;" in joined
        assert "<em>课后服务</em>" in joined
    finally:
        es.delete(index=loaded.es_alias, id=doc.id, refresh=True)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2024-02-30"}, "from"),
        ({"to": "soon"}, "to"),
        ({"from": "2024-05-01", "to": "2024-01-01"}, "after"),
        ({"sort": "random"}, "sort"),
        ({"size": "1000"}, "size"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "2000", "size": "10"}, "export"),
        ({"year": "twenty"}, "year"),
        ({"q": "year:20x4"}, "year"),
        ({"q": "(" * 20 + "课后"}, "deep"),
        ({"q": "课" * 1500}, "longer"),
        ({"collapse": "maybe"}, "collapse"),
    ],
)
def test_malformed_requests_answer_400_with_a_message(http, params, message):
    response = http.get("/search", params=params)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


@given(st.text(max_size=60))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_text_is_200_or_400_never_500(http, text):
    response = http.get("/search", params={"q": text, "facets": "false"})
    assert response.status_code in (200, 400), (text, response.text)


def test_query_syntax_characters_are_safe(http):
    for q in ['title:*', 'a:b:c', '\\', '"', '((', 'OR OR', '{"query": 1}', '*:*', 'body.exact:x', '课后~2', '课后^10']:
        response = http.get("/search", params={"q": q})
        assert response.status_code in (200, 400), (q, response.text)


def test_document_with_provenance_and_raw_record(http, loaded):
    from warcio.archiveiterator import ArchiveIterator

    a = article("潮汐式走班", "longwan-jyj")
    the_id = doc_id(loaded, a["url"])
    response = http.get(f"/documents/{the_id}")
    assert response.status_code == 200
    data = response.json()
    models.DocumentResponse.model_validate(data)
    doc, prov = data["document"], data["provenance"]
    assert doc["title"] == a["title"] and doc["doc_number"] == a["doc_number"]
    assert prov["url"] == loaded.sample_site_url + a["url"] and prov["fetched_at"]
    raw = prov["raw"]
    assert raw["s3_uri"] == f"s3://{loaded.s3_bucket}/{raw['key']}" and raw["length"] > 0
    from govpub.archive import Archive, document_key

    assert prov["archived_document"] == f"s3://{loaded.s3_bucket}/" + document_key(loaded.s3_prefix, "longwan-jyj", the_id)
    assert prov["versions"]["latest"] == 1 and prov["versions"]["status"] == "active"
    if hasattr(Archive, "versions_of"):  # an archive that keeps every version lists them
        assert [v["version"] for v in prov["versions"]["archived"]] == [1]
    else:
        assert prov["versions"]["archived"] is None
    record = http.get(raw["download"])
    assert record.status_code == 200 and record.headers["content-type"] == "application/gzip"
    records = list(ArchiveIterator(io.BytesIO(record.content)))
    assert records[0].rec_headers.get_header("WARC-Target-URI") == prov["url"]
    # the attachment's raw record too
    att = prov["attachments"][0]
    assert att["raw"] and http.get(att["raw"]["download"]).status_code == 200
    assert gzip.decompress(http.get(att["raw"]["download"]).content).startswith(b"WARC/")


def test_the_app_builds_its_s3_client_once_not_per_request(http, loaded):
    import boto3

    created = []

    def count(**event):
        created.append(event)

    events = boto3._get_default_session().events  # the session govpub.archive.s3_client builds from
    events.register("creating-client-class.s3", count)
    try:
        a = article("潮汐式走班", "longwan-jyj")
        for _ in range(3):
            prov = http.get(f"/documents/{doc_id(loaded, a['url'])}").json()["provenance"]
            assert http.get(prov["raw"]["download"]).status_code == 200
    finally:
        events.unregister("creating-client-class.s3", count)
    assert len(created) <= 1  # none when an earlier request built the app's archive


def test_unknown_and_bad_document_ids(http):
    missing = http.get("/documents/" + "0" * 24)
    assert missing.status_code == 404 and "no document" in missing.json()["error"]
    assert http.get("/documents/bad%20id!").status_code == 400
    assert http.get("/documents/" + "0" * 24 + "/raw").status_code == 404


def test_export_csv_and_jsonl_stream_the_whole_result_set(http, loaded):
    result = search(http, q="教育")
    total, groups = result["total"], result["groups"]
    assert groups < total  # the sample world has reposts
    every = list(csv.DictReader(io.StringIO(
        http.get("/export", params={"q": "教育", "format": "csv", "collapse": "false"}).text.lstrip("\ufeff"))))
    assert len(every) == total
    response = http.get("/export", params={"q": "教育", "format": "csv"})  # one copy per cluster, as listed
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == groups and rows[0]["id"] and rows[0]["body"] and all(r["is_canonical"] == "True" for r in rows)
    jsonl = http.get("/export", params={"q": "教育", "format": "jsonl", "doc_type": "工作要点", "collapse": "false"})
    docs = [json.loads(line) for line in jsonl.text.splitlines()]
    assert len(docs) == search(http, q="教育", doc_type="工作要点")["total"]
    assert all(d["doc_type"] == "工作要点" and d["body"] for d in docs)
    assert http.get("/export", params={"format": "xml"}).status_code == 400
    assert http.get("/export", params={"from": "bad"}).status_code == 400
    empty = http.get("/export", params={"q": '"没有这样的短语xyz"', "format": "jsonl"})
    assert empty.status_code == 200 and empty.text == ""


def test_export_pages_past_one_batch_in_search_order(es, loaded):
    params = SearchParams.make("", size=0, facets=False)
    exported = [d["id"] for d in engine.iter_export(es, loaded.es_alias, params, batch=4)]
    listed = [h.id for h in engine.search(es, loaded.es_alias, "", size=100).hits]
    assert exported == listed and len(exported) == len(MANIFEST["articles"])
    scored = SearchParams.make("教育", size=0, facets=False)
    by_score = [d["id"] for d in engine.iter_export(es, loaded.es_alias, scored, batch=3)]
    assert sorted(by_score) == sorted(h.id for h in engine.search(es, loaded.es_alias, "教育", size=100).hits)


def test_series_lines_documents_up_by_year(http):
    response = http.get("/series")
    assert response.status_code == 200
    data = response.json()
    models.SeriesResponse.model_validate(data)
    groups = {g["agency"]: g for g in data["groups"]}
    longwan = groups["温州市龙湾区教育局"]
    types = {s["doc_type"]: s for s in longwan["series"]}
    assert {"工作要点", "工作总结"} <= set(types)
    for s in longwan["series"]:
        years = [d["year"] for d in s["documents"] if d["year"] is not None]
        assert years == sorted(years)
    assert len(longwan["years"]) >= 1 and longwan["count"] == sum(s["count"] for s in longwan["series"])
    only = http.get("/series", params={"doc_type": "工作总结"}).json()
    assert all(s["doc_type"] == "工作总结" for g in only["groups"] for s in g["series"])
    assert http.get("/series", params={"from": "x"}).status_code == 400


def test_openapi_docs_page_and_read_only(http):
    spec = http.get("/openapi.json").json()
    assert {"/search", "/documents/{doc_id}", "/documents/{doc_id}/raw", "/export", "/series"} <= set(spec["paths"])
    assert all(set(methods) <= {"get"} for methods in spec["paths"].values())
    assert http.get("/docs").status_code == 200
    assert http.post("/search", json={}).status_code == 405
    assert http.delete("/documents/x").status_code == 405
    page = http.get("/")
    assert page.status_code == 200 and "政府公开文件检索" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert http.get("/static/app.js").status_code == 200
