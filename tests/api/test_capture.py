"""GET /documents/{id}/capture over real HTTP: the archived page from its WARC record in S3, made
inert, framed in a sandbox under a CSP that lets nothing run or load, links to archived documents
rewritten to their capture view."""

from __future__ import annotations

import html
import re

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
    # every link to the sample site is either rewritten to a capture of an indexed document or marked live
    for a in page.find_all("a", href=True):
        if a["href"].startswith(loaded.sample_site_url):
            assert a["data-govpub-link"] == "live"
        elif a["href"].startswith("/documents/"):
            assert a["data-govpub-link"] == "archived" and a["href"].endswith("/capture")


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
