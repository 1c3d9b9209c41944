"""The read-only search API and web page (FastAPI): `govpub serve`, or `uvicorn govpub.search.api:app`.

    GET /                    the search page (static HTML + vanilla JS in govpub/search/api/static/)
    GET /search              full-text search with facets, highlights, paging, collapse
    GET /documents/{id}      one document with its provenance (raw WARC record, cluster, version)
    GET /documents/{id}/raw  its raw WARC record (gzip member) read from the S3 archive
    GET /documents/{id}/capture  the page as captured (sandboxed: no scripts, no outside requests)
    GET /documents/{id}/versions  its archived versions and what changed between two of them
    GET /documents/{id}/cite      how to cite it: GB/T 7714-2015, CSL-JSON, RIS, BibTeX
    GET /export              every match as CSV or JSONL, streamed (point in time + search_after)
    GET /feed                any search as an Atom feed, newest first
    GET /series              documents grouped by agency and doc_type, ordered by year
    GET /openapi.json, /docs the API description (Swagger UI served from local assets: works offline)

Errors are JSON `{"error": "…"}`: 400 for a query or parameter that cannot be searched
(never 500), 404 for an unknown document, 503 when Elasticsearch or S3 is unreachable.
Only GET (and HEAD) exist: the app never writes.

Each concern is a module of govpub/search/api/routes/; the Elasticsearch client and the S3
archive are built once per app (govpub/search/api/backends.py), not per request.
"""

from __future__ import annotations

from fastapi import FastAPI

from govpub.search.api.backends import ApiBackends
from govpub.search.api.errors import add_error_handlers
from govpub.search.api.routes import apidocs, capture, documents, export, feed, page, search, series
from govpub.settings import Settings

DESCRIPTION = """Search archived Chinese government publications (信息公开).

Query syntax (`q`): words are ANDed; `"课后服务"` (or “…”, 「…」) is an exact phrase; `OR` / `|`
either; `-word` or `NOT word` excludes; parentheses group; `title:…` searches titles only;
`site:` `type:` `year:` `source:` `agency:` `region:` `number:` filter. Traditional characters
find simplified documents and vice versa. See docs/search.md."""


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="govpub search",
        version="1",
        description=DESCRIPTION,
        docs_url=None,  # routes/apidocs.py: Swagger UI from local assets, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.backends = ApiBackends(settings or Settings.from_env())
    add_error_handlers(app)
    app.middleware("http")(page.security_headers)
    page.add_page(app)
    apidocs.add_docs(app)
    for routes in (search, documents, capture, export, series, feed):
        app.include_router(routes.router)
    return app
