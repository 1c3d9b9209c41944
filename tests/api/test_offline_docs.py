"""/docs renders with no internet: Swagger UI's script, CSS and icon come from this app
(govpub/search/api/routes/apidocs.py), and the page's CSP admits no other origin."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.services


def test_docs_page_loads_only_local_assets_and_each_loads(api_url):
    with httpx.Client(base_url=api_url, timeout=30) as http:
        page = http.get("/docs")
        assert page.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert {u.rsplit("/", 1)[-1] for u in urls} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
        for url in urls:
            assert not urlsplit(url).netloc and url.startswith("/docs/assets/"), url
            asset = http.get(url)
            assert asset.status_code == 200 and len(asset.content) > 500, url
        assert "cdn" not in page.text.lower()
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "'sha256-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert http.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith(
            ("application/javascript", "text/javascript"))
        assert http.get("/openapi.json").json()["openapi"].startswith("3.1")
