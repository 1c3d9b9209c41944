"""The capture view and the offline API docs in headless Chromium (the browser fixture of
test_web_e2e.py): every request the browser makes is recorded, and any to another origin than the
API's fails the test (and is aborted, so the page is shown as it would be with no internet)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.test_web_e2e import browser, shot  # noqa: F401  (one Chromium set-up for both modules)

pytestmark = pytest.mark.services


@pytest.fixture
def local_page(browser, api_url):  # noqa: F811
    """A page that may reach the API's origin only; `page.outside` lists what it tried elsewhere."""
    page = browser.new_page()
    page.outside, page.errors = [], []

    def only_local(route):
        if route.request.url.startswith(api_url + "/") or route.request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    yield page
    page.close()
    assert page.outside == [] and page.errors == [], (page.outside, page.errors)


def test_swagger_ui_renders_the_operations_offline(local_page, api_url):
    page = local_page
    page.goto(api_url + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {"/search", "/documents/{doc_id}", "/export", "/series"} <= {p.replace("\u200b", "") for p in paths}
    assert "govpub search" in page.inner_text(".info .title")
    shot(page, "docs-offline")


JINTAN_2023_PLAN = "/jintan/art/2023/3/1/art_1234_567890.html"  # inline document.write()s, onclick zoom links


def test_capture_view_shows_the_banner_and_text_and_runs_no_script(local_page, api_url, loaded):
    from govpub.schema import doc_id_for

    page = local_page
    doc_id = doc_id_for(loaded.sample_site_url + JINTAN_2023_PLAN)
    page.goto(f"{api_url}/#/doc/{doc_id}")  # from the document page, through its link
    page.click("#capture-link")
    page.wait_for_url(f"{api_url}/documents/{doc_id}/capture")
    banner = page.locator("#capture-banner")
    expect(banner).to_contain_text("存档快照")
    assert page.get_attribute("#capture-original", "href") == loaded.sample_site_url + JINTAN_2023_PLAN
    assert page.get_attribute("#capture-time", "datetime").startswith("20")
    assert "2 scripts" in page.inner_text("#capture-removed")
    frame = page.frame_locator("#capture-frame")
    expect(frame.locator(".article_title")).to_have_text("金坛区教育局2023年工作要点")
    assert "开发“长荡湖生态课程”" in frame.locator(".UCAP-CONTENT").inner_text()
    # the archived page's inline scripts would have written today's date and a visit count
    topbar = frame.locator(".topbar").inner_text()
    assert topbar.startswith("今天是：") and not any(ch.isdigit() for ch in topbar), topbar
    assert "阅读次数：" in frame.locator(".info").inner_text() and "1024" not in frame.locator(".info").inner_text()
    assert frame.locator("script, link, img, iframe").count() == 0
    # loading it, the browser had nothing to block either: the sanitiser left no script behind
    assert page.errors == [] and page.outside == []
    # the related articles are archived: their links open their capture view; others are marked live
    related = frame.locator('.xgwz a[data-govpub-link="archived"]')
    assert related.count() == 2
    assert all(h.startswith("/documents/") and h.endswith("/capture") for h in related.evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))
    shot(page, "capture")
    related.first.click()
    page.wait_for_url(f"{api_url}/documents/*/capture")
    # Playwright's click probes the target with a script of its own, which the sandbox blocks: proof
    # that scripting is off in the frame whatever the markup (the only errors we expect)
    blocked = [e for e in page.errors if e.startswith("Blocked script execution in 'about:srcdoc'")]
    assert blocked
    page.errors[:] = [e for e in page.errors if e not in blocked]
    expect(page.frame_locator("#capture-frame").locator(".article_title")).to_have_text("金坛区教育局2022年工作总结")


LONGWAN_PLAN = "/longwan/xxgk/jhzj/202402/t20240220_1233402.html"  # links to its column list (no document)


def test_a_list_page_link_opens_the_archived_list_page_in_the_sandbox(local_page, api_url, loaded):
    from govpub.schema import doc_id_for

    page = local_page
    page.goto(f"{api_url}/documents/{doc_id_for(loaded.sample_site_url + LONGWAN_PLAN)}/capture")
    to_list = page.frame_locator("#capture-frame").locator('.position a[href^="/capture?"]', has_text="计划总结")
    to_list.click()
    page.wait_for_url(f"{api_url}/capture?**")
    blocked = [e for e in page.errors if e.startswith("Blocked script execution in 'about:srcdoc'")]
    page.errors[:] = [e for e in page.errors if e not in blocked]  # Playwright's click probe (see above)
    list_url = loaded.sample_site_url + "/longwan/xxgk/jhzj/index.html"
    assert page.get_attribute("#capture-original", "href") == list_url
    expect(page.locator("#capture-others")).to_contain_text("本网址共存档 2 次")
    assert page.get_attribute("#capture-frame", "sandbox") == "allow-top-navigation-by-user-activation"
    frame = page.frame_locator("#capture-frame")
    # the archived list, its entries linking to their documents' captures; its paging script
    # (createPageHTML from common.js) neither ran nor was fetched: the paging is the static markup
    entry = frame.locator('a[data-govpub-link="archived"]', has_text="龙湾区中小学课后服务提质增效实施方案")
    expect(entry).to_have_count(1)
    assert entry.get_attribute("href").startswith("/documents/")
    assert frame.locator("script, link, img, iframe").count() == 0
    expect(frame.locator('a[data-govpub-link="archived"]', has_text="下一页")).to_have_count(1)
    shot(page, "capture-list-page")
    assert page.errors == [] and page.outside == []
