"""GET /documents/{id}/capture and GET /capture?url=…&at=… over real HTTP: the archived page from its
WARC record in S3, made inert, framed in a sandbox under a CSP that lets nothing run or load, links
to archived documents rewritten to their capture view, links to other archived pages (list pages)
to their capture by URL, found through the CDXJ indexes the pipeline wrote."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from govpub.schema import doc_id_for

pytestmark = pytest.mark.services

LONGWAN = "/longwan/xxgk/jhzj/202402/t20240220_1233402.html"  # 课后服务 实施方案, UTF-8, common.js


@pytest.fixture(scope="module")
def http(api_url):
    with httpx.Client(base_url=api_url, timeout=30) as client:
        yield client


def framed(response: httpx.Response) -> BeautifulSoup:
    outer = BeautifulSoup(response.text, "lxml")
    frame = outer.find("iframe", id="capture-frame")
    assert frame.get_attribute_list("sandbox") == ["allow-top-navigation-by-user-activation"]  # no allow-scripts, no same-origin
    return BeautifulSoup(frame["srcdoc"], "lxml")


def test_capture_is_the_archived_page_inert_under_a_strict_policy(http, loaded):
    url = loaded.sample_site_url + LONGWAN
    response = http.get(f"/documents/{doc_id_for(url)}/capture")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and response.headers["referrer-policy"] == "no-referrer"
    banner = BeautifulSoup(response.text, "lxml").find(id="capture-banner")
    assert banner.find(id="capture-original")["href"] == url
    assert re.match(r"\d{4}-\d\d-\d\dT", banner.find(id="capture-time")["datetime"])
    assert "raw/longwan-jyj/" in banner.get_text()
    page = framed(response)
    assert page.find_all(["script", "link", "img", "iframe"]) == []
    assert not [a for t in page.find_all(True) for a in t.attrs if a.lower().startswith("on")]
    assert "课后服务" in page.get_text()
    # every link to the sample site is rewritten to a capture (of an indexed document, or by URL) or marked live
    kinds = set()
    for a in page.find_all("a", href=True):
        if a["href"].startswith(loaded.sample_site_url):
            assert a["data-govpub-link"] == "live"
            kinds.add("live")
        elif a["href"].startswith("/documents/"):
            assert a["data-govpub-link"] == "archived" and a["href"].endswith("/capture")
            kinds.add("document")
        elif a["href"].startswith("/capture?"):
            assert a["data-govpub-link"] == "archived"
            kinds.add("url")
    assert kinds == {"live", "document", "url"}


def test_links_to_archived_documents_point_at_their_capture(http, loaded):
    plan = doc_id_for(loaded.sample_site_url + "/jintan/art/2023/3/1/art_1234_567890.html")
    page = framed(http.get(f"/documents/{plan}/capture"))
    rewritten = {a.get_text(): a["href"] for a in page.select('a[data-govpub-link="archived"]')}
    summary = doc_id_for(loaded.sample_site_url + "/jintan/art/2023/1/16/art_1234_567321.html")
    assert rewritten["金坛区教育局2022年工作总结"] == f"/documents/{summary}/capture"
    assert http.get(rewritten["金坛区教育局2022年工作总结"]).status_code == 200


def test_a_version_capture_and_the_errors(http, loaded):
    doc_id = doc_id_for(loaded.sample_site_url + LONGWAN)
    first = http.get(f"/documents/{doc_id}/capture", params={"version": 1})
    assert first.status_code == 200 and "第 1 版" in html.unescape(first.text)
    assert http.get(f"/documents/{doc_id}/capture", params={"version": 99}).status_code == 404
    assert http.get(f"/documents/{'0' * 24}/capture").status_code == 404
    assert http.get("/documents/bad!id/capture").status_code == 400
    assert "/documents/{doc_id}/capture" in http.get("/openapi.json").json()["paths"]


MULTI_PAGE = "/longwan/xxgk/jhzj/202301/t20230120_1225517.html"  # three pages
WITH_PDF = "/longwan/xxgk/jhzj/202403/t20240315_1233808.html"


def test_further_pages_and_attachments_are_served_from_the_archive(http, loaded):
    import hashlib

    doc_id = doc_id_for(loaded.sample_site_url + MULTI_PAGE)
    document = http.get(f"/documents/{doc_id}").json()["document"]
    first = framed(http.get(f"/documents/{doc_id}/capture"))
    own = {a["href"] for a in first.select('a[data-govpub-link="archived"]') if f"/documents/{doc_id}/" in a["href"]}
    assert any(h.endswith("page=2") for h in own) and any(h.endswith("page=3") for h in own)
    for n, url in enumerate(document["page_urls"][1:], start=2):
        response = http.get(f"/documents/{doc_id}/capture", params={"page": n})
        assert response.status_code == 200 and f"第 {n}/3 页" in response.text
        banner = BeautifulSoup(response.text, "lxml").find(id="capture-original")
        assert banner["href"] == url
    assert http.get(f"/documents/{doc_id}/capture", params={"page": 4}).status_code == 404

    pdf_doc = doc_id_for(loaded.sample_site_url + WITH_PDF)
    attachment = http.get(f"/documents/{pdf_doc}").json()["document"]["attachments"][0]
    page = framed(http.get(f"/documents/{pdf_doc}/capture"))
    link = page.find("a", href=re.compile(r"attachment=0$"))
    assert link is not None and link["data-govpub-link"] == "archived"
    pdf = http.get(link["href"])
    assert pdf.status_code == 200 and pdf.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(pdf.content).hexdigest() == attachment["sha256"] and pdf.content.startswith(b"%PDF")
    assert "sandbox" in pdf.headers["content-security-policy"]


LONGWAN_LIST = "/longwan/xxgk/jhzj/index.html"  # the 计划总结 column's first list page (3 pages)


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def capture_time(response: httpx.Response) -> str:
    return re.sub(r"\D", "", BeautifulSoup(response.text, "lxml").find(id="capture-time")["datetime"])[:14]


def test_a_list_page_link_opens_the_list_page_as_captured(http, loaded):
    """The column list is no document, but its crawl archived it: the article's link to it opens its
    capture (nearest the article's capture time), whose own links go to the archived articles and
    the list's further pages."""
    article = http.get(f"/documents/{doc_id_for(loaded.sample_site_url + LONGWAN)}/capture")
    list_url = loaded.sample_site_url + LONGWAN_LIST
    to_list = [a["href"] for a in framed(article).select('a[data-govpub-link="archived"]')
               if a["href"].startswith("/capture?") and query_of(a["href"])["url"] == list_url]
    assert to_list and query_of(to_list[0])["at"] == capture_time(article)
    response = http.get(to_list[0])
    assert response.status_code == 200 and response.headers["content-security-policy"] == article.headers["content-security-policy"]
    banner = BeautifulSoup(response.text, "lxml").find(id="capture-banner")
    assert banner.find(id="capture-original")["href"] == list_url and "raw/longwan-jyj/" in banner.get_text()
    listed = framed(response)
    assert listed.find_all(["script", "link", "img", "iframe"]) == []
    assert not [a for t in listed.find_all(True) for a in t.attrs if a.lower().startswith("on")]
    links = {a.get_text(strip=True): a for a in listed.find_all("a", href=True)}
    assert links["龙湾区中小学课后服务提质增效实施方案"]["href"] == f"/documents/{doc_id_for(loaded.sample_site_url + LONGWAN)}/capture"
    next_page = links["下一页"]
    assert next_page["data-govpub-link"] == "archived" and query_of(next_page["href"])["url"] == list_url.replace(
        "index.html", "index_1.html")
    second = http.get(next_page["href"])
    assert second.status_code == 200 and "下一页" in framed(second).get_text()
    documents = [a for a in listed.find_all("a", href=True) if a["href"].startswith("/documents/")]
    assert len(documents) >= 7 and all(a["data-govpub-link"] == "archived" for a in documents)
    assert all(a["data-govpub-link"] == "live" for a in listed.find_all("a", href=True)
               if a["href"].startswith("http"))  # 首页 and the site search: not crawled, marked live


def test_a_url_capture_is_the_one_nearest_the_time_asked(http, loaded):
    list_url = loaded.sample_site_url + LONGWAN_LIST
    listing = http.get("/captures", params={"url": list_url}).json()
    assert "longwan-jyj" in listing["sites"] and listing["total"] == len(listing["captures"])
    pages = [c for c in listing["captures"] if c["status"] == "200"]
    assert len(pages) == 2  # one per crawl of longwan (the list changed: an article was taken down)
    first, second = pages
    assert "/2026-10-10/" in first["key"] and "/2026-11-23/" in second["key"] and first["timestamp"] < second["timestamp"]
    for at, wanted in ((first["timestamp"], first), (second["timestamp"], second), ("2020", first), (None, second)):
        response = http.get("/capture", params={"url": list_url, **({"at": at} if at else {})})
        assert response.status_code == 200 and capture_time(response) == wanted["timestamp"], at
        record = BeautifulSoup(response.text, "lxml").find(id="capture-banner").get_text()
        assert f"{wanted['key']} @ {wanted['offset']}" in record
        assert "本网址共存档" in record
    assert http.get(first["view"]).status_code == 200 and query_of(first["view"])["at"] == first["timestamp"]


def test_an_unarchived_url_is_a_404_page_naming_it_never_a_redirect(http, loaded):
    missing = loaded.sample_site_url + "/longwan/never/fetched.html"
    response = http.get("/capture", params={"url": missing})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers and "default-src 'none'" in response.headers["content-security-policy"]
    page = BeautifulSoup(response.text, "lxml")
    assert missing in page.find("h1").get_text() and "longwan-jyj" in page.get_text()
    assert re.search(r"共 \d+ 个索引", page.get_text())  # searched, not merely unindexed
    assert page.find("a", class_="live")["href"] == missing  # offered, marked as the live web, not followed
    assert http.get("/captures", params={"url": missing}).json()["captures"] == []
    assert http.get("/capture", params={"url": missing, "at": "yesterday"}).status_code == 400
    assert http.get("/capture", params={"url": "ftp://127.0.0.1/x"}).status_code == 400
    assert {"/capture", "/captures"} <= set(http.get("/openapi.json").json()["paths"])


def test_a_url_capture_of_a_file_is_a_download(http, loaded):
    import hashlib

    attachment = http.get(f"/documents/{doc_id_for(loaded.sample_site_url + WITH_PDF)}").json()["document"]["attachments"][0]
    response = http.get("/capture", params={"url": attachment["url"]})
    assert response.status_code == 200 and response.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(response.content).hexdigest() == attachment["sha256"]
    assert "sandbox" in response.headers["content-security-policy"]
