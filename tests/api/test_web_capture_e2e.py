"""The capture view and the offline API docs in headless Chromium (the browser fixture of
test_web_e2e.py): every request the browser makes is recorded, and any to another origin than the
API's fails the test (and is aborted, so the page is shown as it would be with no internet)."""

from __future__ import annotations

import pytest

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
