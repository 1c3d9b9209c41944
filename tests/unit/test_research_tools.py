"""The pure parts of the research features: paragraph diffs between versions, citations
(GB/T 7714-2015, CSL-JSON, RIS, BibTeX) and Atom feeds (checked against RFC 4287's structure)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from lxml import etree

from govpub.search.changes import compare_versions, paragraph_diff
from govpub.search.engine import attribution_of
from govpub.search.citations import all_citations, bibtex, csl_json, gbt7714, ris
from govpub.search.feeds import ATOM_NS, atom_feed

DOC = {
    "id": "a1b2", "title": "龙湾区中小学课后服务提质增效实施方案", "agency": "温州市龙湾区教育局",
    "doc_number": "温龙教〔2024〕9号", "publish_date": "2024-02-20", "url": "http://example.gov.cn/t1.html",
    "site": "longwan-jyj", "doc_type": "实施方案",
}
ACCESSED = date(2026, 12, 1)


# -- diff -------------------------------------------------------------------------------------------

def test_paragraph_diff_marks_added_and_deleted_paragraphs_in_reading_order():
    old = "一、总体要求\n二、主要任务\n三、保障措施"
    new = "（更正：第二项已修订）\n一、总体要求\n二、主要任务（修订）\n三、保障措施"
    assert paragraph_diff(old, new) == [
        {"op": "insert", "text": "（更正：第二项已修订）"},
        {"op": "equal", "text": "一、总体要求"},
        {"op": "delete", "text": "二、主要任务"},
        {"op": "insert", "text": "二、主要任务（修订）"},
        {"op": "equal", "text": "三、保障措施"},
    ]


def test_compare_versions_counts_paragraphs_and_lists_changed_fields():
    diff = compare_versions({"title": "甲", "body": "a\nb", "doc_number": None}, {"title": "乙", "body": "b\nc"})
    assert diff["fields"] == [{"field": "title", "old": "甲", "new": "乙"}]
    assert (diff["added"], diff["deleted"]) == (1, 1)
    assert compare_versions({"body": "x"}, {"body": "x"}) == {"fields": [], "paragraphs": [{"op": "equal", "text": "x"}],
                                                             "added": 0, "deleted": 0}


# -- citations --------------------------------------------------------------------------------------

def test_gbt7714_reference_with_and_without_a_document_number():
    assert gbt7714(DOC, ACCESSED) == ("温州市龙湾区教育局. 龙湾区中小学课后服务提质增效实施方案: 温龙教〔2024〕9号[EB/OL]. "
                                      "(2024-02-20)[2026-12-01]. http://example.gov.cn/t1.html.")
    plain = {**DOC, "doc_number": None, "agency": None, "source": "区教育局"}
    assert gbt7714(plain, ACCESSED) == ("区教育局. 龙湾区中小学课后服务提质增效实施方案[EB/OL]. (2024-02-20)[2026-12-01]. "
                                        "http://example.gov.cn/t1.html.")


def test_a_repost_is_cited_under_its_official_agency():
    repost = {**DOC, "agency": "一流范文网", "doc_number": None, "url": "http://fanwen.example/1.html",
              "attribution": {"agency": "温州市龙湾区教育局", "doc_number": "温龙教〔2024〕9号"}}
    assert gbt7714(repost, ACCESSED).startswith("温州市龙湾区教育局. 龙湾区中小学课后服务提质增效实施方案: 温龙教〔2024〕9号[EB/OL]")
    assert csl_json(repost, ACCESSED)["author"] == [{"literal": "温州市龙湾区教育局"}]


def test_attribution_is_read_from_the_indexed_fields():
    """The clusters step's attributed_* (mapping v4) say who issued a repost; nothing is looked up."""
    canonical = {**DOC, "id": "a1b2", "cluster": "a1b2", "canonical_id": "a1b2", "is_canonical": True,
                 "attributed_agency": DOC["agency"], "attributed_region": None, "attributed_doc_number": DOC["doc_number"]}
    repost = {"id": "f9", "site": "fanwen", "agency": "一流范文网", "region": None, "doc_number": None,
              "cluster": "a1b2", "canonical_id": "a1b2", "is_canonical": False,
              "attributed_agency": DOC["agency"], "attributed_region": None, "attributed_doc_number": DOC["doc_number"]}
    assert attribution_of(repost) == {"canonical_id": "a1b2", "agency": DOC["agency"], "region": None,
                                      "doc_number": DOC["doc_number"]}
    assert attribution_of(canonical) is None
    # a copy of a repost (no official canonical): its attributed fields are its own, nothing to attribute
    own = {k: repost[k.removeprefix("attributed_")] for k in ("attributed_agency", "attributed_region", "attributed_doc_number")}
    assert attribution_of({**repost, **own}) is None
    # an index older than mapping v4 has no attributed fields: not attributed (a `govpub reindex` adds them)
    assert attribution_of({k: v for k, v in repost.items() if not k.startswith("attributed_")}) is None


def test_csl_json_ris_and_bibtex():
    item = csl_json(DOC, ACCESSED)
    assert item["type"] == "webpage" and item["issued"] == {"date-parts": [[2024, 2, 20]]}
    assert item["accessed"] == {"date-parts": [[2026, 12, 1]]} and item["number"] == "温龙教〔2024〕9号"
    json.dumps([item])  # serialisable as a CSL-JSON array
    record = ris(DOC, ACCESSED)
    lines = record.split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2] == "ER  - " and "DA  - 2024/02/20" in lines
    assert "Y2  - 2026/12/01" in lines and "AU  - 温州市龙湾区教育局" in lines
    entry = bibtex({**DOC, "title": "50% 的学校 & 课后_服务"}, ACCESSED)
    assert entry.startswith("@online{govpub-a1b2,\n") and entry.endswith("}\n")
    assert "author = {{温州市龙湾区教育局}}" in entry and r"title = {50\% 的学校 \& 课后\_服务}" in entry
    assert "urldate = {2026-12-01}" in entry and entry.count("{") == entry.count("}")
    assert set(all_citations(DOC, ACCESSED)) == {"gbt7714", "csl-json", "ris", "bibtex"}


# -- Atom -------------------------------------------------------------------------------------------

A = "{%s}" % ATOM_NS


def check_rfc4287(xml: str) -> etree._Element:
    """The RFC 4287 constraints a feed reader relies on (section 4.1): exactly one id, title and
    updated per feed and entry, timestamps in RFC 3339, an author on the feed or every entry,
    alternate links unique per type."""
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.tag == A + "feed"
    stamp = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    for node in [root, *root.findall(A + "entry")]:
        for name in ("id", "title", "updated"):
            assert len(node.findall(A + name)) == 1, (node.tag, name)
        stamp(node.findtext(A + "updated"))
        for published in node.findall(A + "published"):
            stamp(published.text)
        alternates = [link.get("type") for link in node.findall(A + "link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == len(set(alternates))
        assert all(link.get("href") for link in node.findall(A + "link"))
    assert root.findall(A + "author") or all(e.findall(A + "author") for e in root.findall(A + "entry"))
    return root


def test_atom_feed_is_valid_and_lists_the_hits_in_order():
    hits = [
        {**DOC, "fetched_at": "2026-11-20T08:00:00+00:00", "highlights": ["全区<em>课后服务</em> &amp; 托管"]},
        {"id": "c3", "title": "已撤下的通知", "site": "longwan-jyj", "publish_date": "2023-09-05",
         "status": "deleted", "status_date": "2026-11-23", "fetched_at": "2026-11-20T08:00:00Z"},
    ]
    xml = atom_feed(hits, title="govpub · 课后服务", self_url="http://h/feed?q=1&site=x", page_url="http://h/#/search?q=1",
                    app_url="http://h", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    root = check_rfc4287(xml)
    entries = root.findall(A + "entry")
    assert [e.findtext(A + "id") for e in entries] == ["tag:govpub,2026:document:a1b2", "tag:govpub,2026:document:c3"]
    assert root.findtext(A + "updated") == "2026-11-23T00:00:00Z"  # the newest change: a takedown
    first = entries[0]
    assert first.findtext(A + "summary") == "全区课后服务 & 托管" and first.find(A + "category").get("term") == "实施方案"
    assert first.findtext(f"{A}author/{A}name") == "温州市龙湾区教育局"
    assert entries[1].findtext(A + "updated") == "2026-11-23T00:00:00Z" and "已撤下" in entries[1].findtext(A + "summary")
    empty = check_rfc4287(atom_feed([], title="t", self_url="http://h/feed", page_url="http://h/", app_url="http://h",
                                    now=datetime(2026, 12, 1, tzinfo=timezone.utc)))
    assert empty.findtext(A + "updated") == "2026-12-01T00:00:00Z" and not empty.findall(A + "entry")
