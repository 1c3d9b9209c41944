"""The search page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against
the real API, Elasticsearch and S3 loaded with the sample site: type a query, apply a facet, open
a document, export, page, and the series view."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.services

CHROMIUM = os.environ.get("GOVPUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
SHOTS = os.environ.get("GOVPUB_E2E_SCREENSHOTS")  # a directory: save a screenshot of each step


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: run infra/bootstrap.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # a persistent context in a fresh, empty profile directory (nothing from a previous run)
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, accept_downloads=True,
            locale="zh-CN", viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, api_url):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(api_url + "/")
    yield page
    page.close()
    # no JavaScript errors, no CSP violations, no failed requests (a 400 is the page showing a message)
    assert [e for e in errors if "status of 400" not in e] == [], errors


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def results(page) -> list[str]:
    return page.locator("#results li[data-id]").evaluate_all("els => els.map(e => e.dataset.id)")


def counts(page) -> tuple[int, int | None]:
    """(documents, listed documents when collapsed) from the summary line."""
    summary = page.inner_text("#summary")
    listed = re.search(r"去重后 (\d+) 份", summary)
    return int(summary.split("共 ")[1].split(" 篇")[0]), int(listed.group(1)) if listed else None


def search_for(page, text: str) -> None:
    page.fill("#q", text)
    page.click("#search-button")
    expect(page.locator("#summary")).to_have_text(re.compile("^共"))


def test_type_a_query_apply_a_facet_open_a_document_and_export(page, tmp_path):
    search_for(page, '"课后服务"')
    assert "q=" in page.url
    total, listed = counts(page)
    assert total >= 3 and listed <= total and len(results(page)) == min(listed, 10)
    marks = page.locator("#results em").all_inner_texts()
    assert marks and all("课后服务" in m for m in marks)
    shot(page, "1-search")

    # apply a facet: the first 文种 value
    facet = page.locator('#facets ul[data-facet="doc_type"] a').first
    value = facet.get_attribute("data-value")
    count = int(facet.locator(".count").inner_text())
    facet.click()
    expect(page.locator("#summary")).to_have_text(re.compile(f"^共 {count} 篇"))
    assert page.locator("#active-filters .chip").inner_text().startswith("文种：" + value)
    assert page.locator('#facets a.active').count() == 1
    shot(page, "2-facet")

    # export what is on screen (query + facet) as CSV through the button
    with page.expect_download() as info:
        page.click("#export-csv")
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == counts(page)[1] and all(r["doc_type"] == value for r in rows)  # as listed: one per cluster

    # open the first document
    first_title = page.locator("#results li a.title").first.inner_text()
    page.locator("#results li a.title").first.click()
    page.wait_for_selector(".doc h1")
    assert page.inner_text(".doc h1") == first_title
    assert page.locator(".doc .body p").count() > 0 or page.locator(".doc details").count() > 0
    original = page.get_attribute("#original-url", "href")
    assert original and original.startswith("http://127.0.0.1:")
    raw = page.get_attribute("#raw-link", "href")
    assert raw and raw.endswith("/raw")
    assert page.locator("text=原始存档").count() == 1 and page.locator("text=s3://").count() >= 1
    shot(page, "3-document")

    # back to the results keeps the query and the facet
    page.click("text=← 返回结果")
    expect(page.locator("#summary")).to_have_text(re.compile(f"^共 {count} 篇"))
    assert page.input_value("#q") == '"课后服务"'


def test_traditional_query_pagination_and_removing_a_filter(page):
    search_for(page, "教育")
    first_page = results(page)
    total, _ = counts(page)
    assert total > 10 and len(first_page) == 10
    page.click("#pager >> text=下一页")
    expect(page.locator("#pager span.current")).to_have_text("2")
    assert not set(results(page)) & set(first_page)
    search_for(page, "教育 -學前")
    fewer, _ = counts(page)
    assert 0 < fewer < total
    page.locator('#facets ul[data-facet="site"] a').first.click()
    page.wait_for_selector("#active-filters .chip")
    page.click("#active-filters .chip")
    expect(page.locator("#active-filters .chip")).to_have_count(0)
    assert page.locator("#results li[data-id]").count() == 10


def test_malformed_query_shows_the_message(page):
    search_for_error = "year:20x4"
    page.fill("#q", search_for_error)
    page.click("#search-button")
    page.wait_for_selector("#results .error")
    assert "year" in page.inner_text("#results .error")


def test_series_view_lines_years_up(page):
    page.click("#nav-series")
    page.wait_for_selector('.series-group[data-agency="温州市龙湾区教育局"]')
    group = page.locator('.series-group[data-agency="温州市龙湾区教育局"]')
    headers = group.locator("thead th").all_inner_texts()
    years = [h for h in headers[1:] if h.isdigit()]
    assert years == sorted(years) and years
    assert group.locator('tr[data-doc-type="工作要点"] a').count() >= 1
    assert group.locator('tr[data-doc-type="工作总结"] a').count() >= 1
    shot(page, "4-series")
    group.locator('tr[data-doc-type="工作要点"] a').first.click()
    page.wait_for_selector(".doc h1")


def test_duplicates_are_listed_once_with_the_original_first(page):
    search_for(page, '"好学龙青"')
    total, listed = counts(page)
    assert (total, listed) == (2, 1)
    item = page.locator("#results li[data-id]")
    expect(item).to_have_count(1)
    assert item.locator(".badge.official").inner_text() == "原文"
    assert item.locator(".meta").inner_text().count("longwan-jyj") == 1
    assert item.locator(".copies").inner_text().startswith("亦见于：fanwen 20")
    shot(page, "5-collapsed")
    # every copy on request: the repost too, marked as such, below its original
    page.click("#advanced summary")
    page.check("#all-copies")
    page.click("#search-button")
    expect(page.locator("#results li[data-id]")).to_have_count(2)
    assert "collapse=false" in page.url
    badges = page.locator("#results li[data-id] .badge:is(.official, .repost)").all_inner_texts()
    assert sorted(badges) == ["原文", "转载"]


def test_feed_link_subscribes_to_the_search_on_screen(page, api_url):
    from tests.unit.test_research_tools import A, check_rfc4287

    search_for(page, "教育")
    page.locator('#facets ul[data-facet="site"] a[data-value="longwan-jyj"]').click()
    expect(page.locator("#active-filters .chip")).to_have_count(1)
    href = page.get_attribute("#feed-link", "href")
    assert href.startswith("/feed?") and "q=%E6%95%99%E8%82%B2" in href and "site=longwan-jyj" in href
    assert page.get_attribute("#feed-alternate", "href") == href  # feed readers find it in <head> too
    response = page.request.get(api_url + href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = check_rfc4287(response.text())
    assert all("longwan" in e.find(A + "link[@rel='alternate']").get("href") for e in feed.findall(A + "entry"))


def test_document_versions_diff_and_citation_copy(page, browser, api_url, loaded):
    from govpub.schema import doc_id_for
    from tests.api.conftest import EDITED, SECOND_CRAWL, TAKEN_DOWN

    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=api_url)
    edited = doc_id_for(loaded.sample_site_url + "/" + EDITED)
    page.goto(f"{api_url}/#/doc/{edited}")
    page.wait_for_selector(".doc h1")
    # the citation, copied with one click
    citation = page.inner_text("#citation-text")
    assert "[EB/OL]" in citation and citation.endswith(loaded.sample_site_url + "/" + EDITED + ".")
    page.click("#copy-citation")
    expect(page.locator("#citation-status")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == citation
    page.select_option("#citation-format", "bibtex")
    assert page.inner_text("#citation-text").startswith("@online{govpub-")
    shot(page, "6-document-citation")
    # two versions and what changed between them
    assert "2 个版本" in page.inner_text("#versions-link")
    page.click("#versions-link")
    page.wait_for_selector("#diff")
    expect(page.locator("table.versions tr[data-version]")).to_have_count(2)
    assert page.locator("#diff p.insert ins").all_inner_texts() == ["（2024年11月更正：第6项数据已核实。）"]
    assert page.locator("#diff p.delete").count() == 0 and page.locator("#diff p.equal").count() > 1
    shot(page, "7-diff")
    # a document taken down says when it disappeared
    page.goto(f"{api_url}/#/doc/{doc_id_for(loaded.sample_site_url + '/' + TAKEN_DOWN)}/versions")
    expect(page.locator("#deleted-note")).to_contain_text(f"已于 {SECOND_CRAWL} 撤下")
    # and the results of "changed or taken down since" mark both, the edit linking to its diff
    page.goto(f"{api_url}/#/search?changed_since=2026-11-01&collapse=false")
    expect(page.locator("#results li[data-id]")).to_have_count(2)
    assert page.locator("#results .badge.deleted").inner_text() == f"已撤下 {SECOND_CRAWL}"
    assert page.get_attribute("#results a.badge.changed", "href") == f"#/doc/{edited}/versions"
    assert page.input_value("#changed-since") == "2026-11-01"
