"""The research features over real HTTP against the sample world (tests/api/conftest.py: one
longwan article edited between two crawls, one taken down, reposts clustered with their
originals): versions and diffs, "changed since", Atom feeds, citations and attribution."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from lxml import etree

from govpub.schema import doc_id_for
from tests.api.conftest import EDITED, FIRST_CRAWL, MANIFEST, SECOND_CRAWL, TAKEN_DOWN
from tests.unit.test_research_tools import A, check_rfc4287

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def http(api_url):
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


def doc_id(settings, path: str) -> str:
    return doc_id_for(settings.sample_site_url + "/" + path.lstrip("/"))


def article(phrase: str, site: str) -> dict:
    return next(a for a in MANIFEST["articles"] if a["phrase"] == phrase and a["site"] == site)


def test_versions_of_an_edited_document_with_a_paragraph_diff(http, loaded):
    edited = doc_id(loaded, EDITED)
    data = http.get(f"/documents/{edited}/versions").json()
    assert [v["version"] for v in data["versions"]] == [1, 2] and all(v["seen"] for v in data["versions"])
    assert data["versions"][0]["seen"] <= data["versions"][1]["seen"]
    diff = data["diff"]
    assert (diff["from"], diff["to"], diff["added"], diff["deleted"]) == (1, 2, 1, 0)
    inserted = [op["text"] for op in diff["paragraphs"] if op["op"] == "insert"]
    assert inserted == ["（2024年11月更正：第6项数据已核实。）"]
    assert diff["paragraphs"][0]["op"] == "insert" and diff["paragraphs"][1]["op"] == "equal"
    same = http.get(f"/documents/{edited}/versions", params={"from": 2, "to": 2}).json()
    assert same["diff"] is None
    assert http.get(f"/documents/{edited}/versions", params={"from": 1, "to": 3}).status_code == 404
    untouched = http.get(f"/documents/{doc_id(loaded, article('潮汐式走班', 'longwan-jyj')['url'])}/versions").json()
    assert [v["version"] for v in untouched["versions"]] == [1] and untouched["diff"] is None


def test_a_taken_down_document_shows_when_it_disappeared(http, loaded):
    gone = doc_id(loaded, TAKEN_DOWN)
    data = http.get(f"/documents/{gone}/versions").json()
    assert data["status"] == "deleted" and data["status_date"] == SECOND_CRAWL
    assert data["status_record"]["reason"] == "http:404"
    assert [e["status"] for e in data["status_record"]["history"]] == ["deleted"]


def test_changed_since_finds_the_edit_and_the_takedown(http, loaded):
    changed = http.get("/search", params={"changed_since": FIRST_CRAWL, "collapse": "false", "size": 50}).json()
    assert {h["id"] for h in changed["hits"]} == {doc_id(loaded, EDITED), doc_id(loaded, TAKEN_DOWN)}
    later = http.get("/search", params={"changed_since": "2099-01-01"}).json()
    assert later["total"] == 0
    assert http.get("/search", params={"changed_since": "yesterday"}).status_code == 400


def test_any_search_is_a_valid_atom_feed_newest_first(http, loaded):
    response = http.get("/feed", params={"q": "教育", "site": "longwan-jyj"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    root = check_rfc4287(response.text)
    entries = root.findall(A + "entry")
    search = http.get("/search", params={"q": "教育", "site": "longwan-jyj", "sort": "date", "size": 50}).json()
    assert len(entries) == min(search["groups"], 50) > 1
    published = [e.findtext(A + "published") for e in entries]
    assert published == sorted(published, reverse=True)
    assert root.find(A + "link[@rel='self']").get("href").startswith(str(http.base_url))
    alternate = entries[0].find(A + "link[@rel='alternate']").get("href")
    assert alternate.startswith(loaded.sample_site_url)
    changes = check_rfc4287(http.get("/feed", params={"changed_since": FIRST_CRAWL}).text)
    titles = {e.findtext(A + "title") for e in changes.findall(A + "entry")}
    assert len(titles) == 2 and "changed since" in changes.findtext(A + "title")
    assert http.get("/feed", params={"from": "bad"}).status_code == 400
    etree.fromstring(http.get("/feed", params={"q": '"没有这样的短语xyz"'}).content)  # empty, still a feed


def test_citations_in_four_formats(http, loaded):
    a = article("四点半星光课堂", "longwan-jyj")
    the_id = doc_id(loaded, a["url"])
    data = http.get(f"/documents/{the_id}/cite", params={"accessed": "2026-12-01"}).json()
    assert data["gbt7714"] == (f"温州市龙湾区教育局. {a['title']}: {a['doc_number']}[EB/OL]. "
                               f"({a['publish_date']})[2026-12-01]. {loaded.sample_site_url}{a['url']}.")
    assert data["csl-json"]["number"] == a["doc_number"]
    ris = http.get(f"/documents/{the_id}/cite", params={"format": "ris"})
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    assert ris.text.startswith("TY  - ELEC\r\n") and ris.text.endswith("ER  - \r\n")
    bib = http.get(f"/documents/{the_id}/cite", params={"format": "bibtex"}).text
    assert bib.startswith("@online{govpub-") and f"number = {{{a['doc_number']}}}" in bib
    assert json.loads(http.get(f"/documents/{the_id}/cite", params={"format": "csl-json"}).text)[0]["id"] == the_id
    assert http.get(f"/documents/{the_id}/cite", params={"format": "mla"}).status_code == 400
    assert http.get("/documents/" + "0" * 24 + "/cite").status_code == 404


def test_a_repost_is_attributed_to_its_official_copy(http, loaded):
    original = doc_id(loaded, article("好学龙青", "longwan-jyj")["url"])
    repost = doc_id(loaded, article("好学龙青", "fanwen")["url"])
    data = http.get(f"/documents/{repost}").json()
    assert data["document"]["site"] == "fanwen"  # where it was found
    assert data["attribution"]["canonical_id"] == original and data["attribution"]["agency"] == "温州市龙湾区教育局"
    # read from the repost's own indexed attributed_* fields; the original's site and URL from its cluster
    assert data["attribution"]["agency"] == data["document"]["attributed_agency"]
    assert (data["attribution"]["site"], data["attribution"]["url"]) == (
        "longwan-jyj", loaded.sample_site_url + article("好学龙青", "longwan-jyj")["url"])
    assert http.get(f"/documents/{original}").json()["attribution"] is None
    hits = {h["id"]: h for h in http.get("/search", params={"q": '"好学龙青"', "collapse": "false"}).json()["hits"]}
    assert hits[repost]["attribution"]["agency"] == "温州市龙湾区教育局" and hits[repost]["agency"] == "一流范文网"
    assert hits[original]["attribution"] is None
    feed = check_rfc4287(http.get("/feed", params={"q": '"好学龙青"', "collapse": "false"}).text)
    assert {e.findtext(f"{A}author/{A}name") for e in feed.findall(A + "entry")} == {"温州市龙湾区教育局"}
    cited = http.get(f"/documents/{repost}/cite", params={"format": "gbt7714", "accessed": "2026-12-01"}).text
    assert cited.startswith("温州市龙湾区教育局. ") and cited.endswith(f"{loaded.sample_site_url}{article('好学龙青', 'fanwen')['url']}.")


def test_export_rows_carry_their_citation(http, loaded):
    text = http.get("/export", params={"q": '"四点半星光课堂"', "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows and all(r["citation"].startswith(f"{r['agency']}. {r['title']}") and "[EB/OL]" in r["citation"]
                        for r in rows)
    jsonl = http.get("/export", params={"q": '"四点半星光课堂"', "format": "jsonl"}).text.splitlines()
    assert all("[EB/OL]" in json.loads(line)["citation"] for line in jsonl)


def test_cli_cite(loaded):
    import os

    a = article("四点半星光课堂", "longwan-jyj")
    govpub = str(Path(sys.executable).parent / "govpub")
    env = {**os.environ, **loaded.to_env()}
    out = subprocess.run([govpub, "cite", doc_id(loaded, a["url"]), "--format", "bibtex", "--accessed", "2026-12-01"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("@online{") and "urldate = {2026-12-01}" in out.stdout
    assert f"url = {{{loaded.sample_site_url}{a['url']}}}" in out.stdout


def test_series_files_reposts_as_copies_under_the_bureaus_documents(http, loaded):
    original = doc_id(loaded, article("好学龙青", "longwan-jyj")["url"])
    repost = doc_id(loaded, article("好学龙青", "fanwen")["url"])
    groups = {g["agency"]: g for g in http.get("/series").json()["groups"]}
    listed = {d["id"]: d for g in groups.values() for s in g["series"] for d in s["documents"]}
    assert repost not in listed  # not in the content farm's series
    mine = next(d for s in groups["温州市龙湾区教育局"]["series"] for d in s["documents"] if d["id"] == original)
    assert [(c["id"], c["site"]) for c in mine["copies"]] == [(repost, "fanwen")] and mine["copies_total"] == 1
    every = {d["id"] for g in http.get("/series", params={"collapse": "false"}).json()["groups"]
             for s in g["series"] for d in s["documents"]}
    assert repost in every


@pytest.mark.parametrize("collapse", ["true", "false"])
def test_a_repost_counts_under_its_issuer_in_filters_facets_and_series(http, loaded, collapse):
    """The fanwen repost of a longwan document is found by the bureau's agency and region, counts
    under them in the facets and sits under the bureau in the series; its site stays fanwen."""
    original = doc_id(loaded, article("好学龙青", "longwan-jyj")["url"])
    repost = doc_id(loaded, article("好学龙青", "fanwen")["url"])
    bureau, region = "温州市龙湾区教育局", "浙江省温州市龙湾区"
    found = http.get("/search", params={"q": f'"好学龙青" agency:{bureau}', "collapse": collapse}).json()
    listed = {h["id"]: h for h in found["hits"]} | {c["id"]: c for h in found["hits"] for c in h["copies"]}
    assert {original, repost} <= set(listed) and listed[repost]["site"] == "fanwen"
    by_param = http.get("/search", params={"q": '"好学龙青"', "region": region, "collapse": collapse}).json()
    assert {h["id"] for h in by_param["hits"]} | {c["id"] for h in by_param["hits"] for c in h["copies"]} >= {repost}
    farm = http.get("/search", params={"q": '"好学龙青"', "agency": "一流范文网", "collapse": collapse}).json()
    assert farm["total"] == 0  # the farm is where it was found, not who issued it

    facets = http.get("/search", params={"q": '"好学龙青"', "collapse": collapse}).json()["facets"]
    agencies = {f["value"]: f for f in facets["agency"]}
    assert set(agencies) == {bureau} and agencies[bureau]["count"] == 2
    assert {f["value"] for f in facets["region"]} == {region}
    assert {f["value"]: f["count"] for f in facets["site"]} == {"longwan-jyj": 1, "fanwen": 1}
    if collapse == "true":
        assert agencies[bureau]["clusters"] == 1

    groups = {g["agency"]: g for g in http.get("/series", params={"collapse": collapse}).json()["groups"]}
    under_bureau = {d["id"]: d for s in groups[bureau]["series"] for d in s["documents"]}
    farm_series = {d["id"] for s in groups.get("一流范文网", {"series": []})["series"] for d in s["documents"]}
    assert repost not in farm_series
    if collapse == "true":
        assert [c["id"] for c in under_bureau[original]["copies"]] == [repost]
    else:
        assert under_bureau[repost]["site"] == "fanwen" and original in under_bureau
