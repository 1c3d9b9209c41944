"""GET /docs: Swagger UI served from this app, so the API description renders with no internet.

FastAPI's default /docs page loads Swagger UI's script and CSS from a CDN, and is blank offline.
Here the assets come from the `swagger-ui-bundle-v2` wheel (Swagger UI 5.x, which reads the
OpenAPI 3.1 that FastAPI writes), mounted under /docs/assets, and the page's Content-Security-Policy
allows only this origin: a browser could not reach a CDN even if a URL pointed at one.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def add_docs(app: FastAPI) -> None:
    """Mount the Swagger UI assets and add /docs (the app must be built with docs_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=swagger_ui_path), name="swagger-ui")
    page = swagger_ui_page(app.openapi_url or "/openapi.json", f"{app.title} — API")
    redirect = get_swagger_ui_oauth2_redirect_html()

    def docs():
        return page

    def oauth2_redirect():
        return redirect

    app.add_api_route(DOCS_URL, docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(OAUTH2_REDIRECT_URL, oauth2_redirect, methods=["GET"], include_in_schema=False)


def swagger_ui_page(openapi_url: str, title: str):
    """The Swagger UI page with local asset URLs and a CSP that admits only this origin.

    The page's one inline script (FastAPI's SwaggerUIBundle call) is allowed by its hash, not by
    'unsafe-inline'. The validator badge is off: it would load an image from validator.swagger.io.
    """
    response = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        swagger_ui_parameters={"validatorUrl": None},
    )
    hashes = " ".join(f"'sha256-{_sha256_b64(s)}'" for s in inline_scripts(response.body.decode("utf-8")))
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {hashes}; "
        # Swagger UI (React) sets style attributes and draws its icons as data: SVGs
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return response


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def inline_scripts(html: str) -> list[str]:
    return _INLINE_SCRIPT.findall(html)


def _sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
