"""The read-only search API and web page (FastAPI): `govpub serve`, or `uvicorn govpub.search.api:app`.

    GET /                    the search page (static HTML + vanilla JS in govpub/search/api/static/)
    GET /search              full-text search with facets, highlights, paging, collapse
    GET /documents/{id}      one document with its provenance (raw WARC record, cluster, version)
    GET /documents/{id}/raw  its raw WARC record (gzip member) read from the S3 archive
    GET /export              every match as CSV or JSONL, streamed (point in time + search_after)
    GET /series              documents grouped by agency and doc_type, ordered by year
    GET /openapi.json, /docs the API description

Errors are JSON `{"error": "…"}`: 400 for a query or parameter that cannot be searched
(never 500), 404 for an unknown document, 503 when Elasticsearch or S3 is unreachable.
Only GET (and HEAD) exist: the app never writes.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime, timezone
from importlib.resources import files
from itertools import chain
from typing import Annotated, Any

from elasticsearch import ApiError
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from govpub import index
from govpub.search import engine
from govpub.search.api import models
from govpub.search.formats import EXPORT_FORMATS, MEDIA_TYPES, export_lines
from govpub.settings import Settings
from govpub.search.query import QueryError, SearchParams

log = logging.getLogger("govpub.search.api")

#: the search page (package data of govpub.search.api), found through the import system like
#: mappings/ and schemas/; pip installs unpack it to a directory, which StaticFiles and FileResponse need
STATIC_DIR = files("govpub.search.api").joinpath("static")

_DOC_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

ERRORS = {
    400: {"model": models.ErrorResponse, "description": "the query or a parameter cannot be searched"},
    503: {"model": models.ErrorResponse, "description": "Elasticsearch (or S3) is not reachable"},
}

DESCRIPTION = """Search archived Chinese government publications (信息公开).

Query syntax (`q`): words are ANDed; `"课后服务"` (or “…”, 「…」) is an exact phrase; `OR` / `|`
either; `-word` or `NOT word` excludes; parentheses group; `title:…` searches titles only;
`site:` `type:` `year:` `source:` `agency:` `region:` `number:` filter. Traditional characters
find simplified documents and vice versa. See docs/search.md."""


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _Filters:
    """The filter parameters shared by /search, /export and /series."""

    def __init__(
        self,
        q: Annotated[str, Query(description="query text (see the syntax above)", max_length=2000)] = "",
        site: Annotated[list[str] | None, Query(description="site id(s); several are ORed")] = None,
        agency: Annotated[list[str] | None, Query(description="agency (机构) from the site registry")] = None,
        source: Annotated[list[str] | None, Query(description="source (来源) as printed on the page")] = None,
        region: Annotated[list[str] | None, Query(description="region (地区)")] = None,
        doc_type: Annotated[list[str] | None, Query(description="document type (文种): 工作要点, 通知 …")] = None,
        year: Annotated[list[str] | None, Query(description="the year a document is about (else its publish year)")] = None,
        status: Annotated[list[str] | None, Query(description="active | deleted")] = None,
        date_from: Annotated[str | None, Query(alias="from", description="published on or after YYYY-MM-DD")] = None,
        date_to: Annotated[str | None, Query(alias="to", description="published on or before YYYY-MM-DD")] = None,
        sort: Annotated[str | None, Query(description="relevance | date | date_asc (default: relevance with words, else date)")] = None,
        collapse: Annotated[bool, Query(description="one result per duplicate cluster")] = False,
    ):
        self.values = dict(q=q, site=site, agency=agency, source=source, region=region, doc_type=doc_type,
                           year=year, status=status, date_from=date_from, date_to=date_to, sort=sort,
                           collapse=collapse)

    def params(self, **extra) -> SearchParams:
        values = dict(self.values)
        q = values.pop("q")
        return SearchParams.make(q, **values, **extra)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="govpub search",
        version="1",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.es = index.client(settings)
    alias = settings.es_alias

    # -- errors ------------------------------------------------------------------------------
    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError):
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors()[:3]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(400, "; ".join(parts) or "invalid request")

    @app.exception_handler(index.IndexUnavailable)
    async def _unavailable(request: Request, exc: index.IndexUnavailable):
        return _error(503, str(exc))

    @app.exception_handler(ApiError)
    async def _es_error(request: Request, exc: ApiError):
        log.warning("Elasticsearch error on %s: %s", request.url.path, exc)
        return _error(502, f"Elasticsearch answered HTTP {exc.meta.status} ({type(exc).__name__})")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.url.path in ("/", "/index.html") or request.url.path.startswith("/static/"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'",
            )
            response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    # -- page --------------------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    # -- search ------------------------------------------------------------------------------
    @app.get("/search", response_model=models.SearchResponse, responses=ERRORS, summary="Full-text search")
    def search(
        filters: Annotated[_Filters, Depends()],
        page: Annotated[int, Query(ge=1, description="page number, from 1")] = 1,
        size: Annotated[int, Query(ge=0, le=100, description="hits per page")] = 10,
        facets: Annotated[bool, Query(description="include facet counts")] = True,
    ):
        offset = (page - 1) * size
        params = filters.params(offset=offset, size=size, facets=facets)
        result = engine.search(app.state.es, alias, params)
        data = result.to_dict()
        data.pop("offset")
        data.update(query=params.q, page=page, pages=math.ceil(result.total / size) if size else 0)
        return _json(data)

    # -- documents ---------------------------------------------------------------------------
    def _load(doc_id: str) -> dict[str, Any] | None:
        if not _DOC_ID_RE.match(doc_id):
            raise QueryError("a document id is letters, digits, '-' or '_'")
        return engine.get_document(app.state.es, alias, doc_id)

    def _s3_uri(key: str) -> str:
        return f"s3://{settings.s3_bucket}/{key}"

    @app.get(
        "/documents/{doc_id}", response_model=models.DocumentResponse,
        responses={**ERRORS, 404: {"model": models.ErrorResponse, "description": "no such document"}},
        summary="One document with its provenance",
    )
    def document(doc_id: str):
        doc = _load(doc_id)
        if doc is None:
            return _error(404, f"no document {doc_id}")
        return _json({"document": doc, "provenance": provenance(doc)})

    def provenance(doc: dict[str, Any]) -> dict[str, Any]:
        from govpub.archive import document_key

        raw = doc.get("raw")
        raw_info = None
        if raw and raw.get("key"):
            raw_info = {**raw, "bucket": settings.s3_bucket, "s3_uri": _s3_uri(raw["key"]),
                        "download": f"/documents/{doc['id']}/raw"}
        attachments = []
        for n, a in enumerate(doc.get("attachments") or ()):
            araw = a.get("raw") or None
            attachments.append({
                "name": a.get("name"), "url": a.get("url"), "content_type": a.get("content_type"),
                "sha256": a.get("sha256"),
                "raw": {**araw, "s3_uri": _s3_uri(araw["key"]),
                        "download": f"/documents/{doc['id']}/raw?attachment={n}"} if araw else None,
            })
        cluster = doc.get("cluster") or doc["id"]
        copies = engine.cluster_members(app.state.es, alias, cluster, exclude=doc["id"])
        return {
            "url": doc.get("url"),
            "page_urls": doc.get("page_urls") or [doc.get("url")],
            "fetched_at": doc.get("fetched_at"),
            "parser_version": doc.get("parser_version"),
            "raw": raw_info,
            "archived_document": _s3_uri(document_key(settings.s3_prefix, doc.get("site", ""), doc["id"])),
            "attachments": attachments,
            "cluster": {"id": cluster, "size": doc.get("cluster_size") or 1 + len(copies),
                        "is_canonical": doc.get("is_canonical", True), "canonical_id": doc.get("canonical_id"),
                        "copies": copies},
            "versions": versions(doc),
        }

    def versions(doc: dict[str, Any]) -> dict[str, Any]:
        """The index's latest version number and status; the archived versions when the archive lists them."""
        from govpub.archive import Archive, ArchiveUnavailable

        info: dict[str, Any] = {"latest": doc.get("version") or 1, "status": doc.get("status") or "active",
                                "status_date": doc.get("status_date"), "archived": None}
        archive = Archive(settings)
        list_versions = getattr(archive, "versions_of", None)  # archives with per-version objects
        if list_versions is not None:
            try:
                info["archived"] = [
                    {"version": n, "s3_uri": _s3_uri(archive.version_key(doc.get("site", ""), doc["id"], n))}
                    for n in list_versions(doc.get("site", ""), doc["id"])
                ]
            except ArchiveUnavailable as exc:
                log.warning("versions of %s: %s", doc["id"], exc)
        return info

    @app.get(
        "/documents/{doc_id}/raw",
        responses={**ERRORS, 200: {"content": {"application/gzip": {}}, "description": "the WARC record"},
                   404: {"model": models.ErrorResponse, "description": "no such document or record"}},
        summary="The raw WARC record a document (or attachment) was parsed from",
    )
    def raw_record(doc_id: str, attachment: Annotated[int | None, Query(ge=0)] = None):
        from govpub.archive import Archive, ArchiveUnavailable

        doc = _load(doc_id)
        if doc is None:
            return _error(404, f"no document {doc_id}")
        raw = doc.get("raw")
        if attachment is not None:
            items = doc.get("attachments") or []
            raw = items[attachment].get("raw") if attachment < len(items) else None
        if not raw or not raw.get("key"):
            return _error(404, "no raw record archived for this document")
        try:
            data = Archive(settings).get_range(raw["key"], int(raw["offset"]), int(raw["length"]))
        except ArchiveUnavailable as exc:
            return _error(503, str(exc))
        except Exception as exc:  # botocore ClientError: the object is gone
            return _error(404, f"raw record not found in the archive: {type(exc).__name__}")
        name = f"{doc_id}{'' if attachment is None else f'-attachment{attachment}'}.warc.gz"
        return Response(data, media_type="application/gzip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # -- export ------------------------------------------------------------------------------
    @app.get(
        "/export",
        responses={**ERRORS, 200: {"content": {"text/csv": {}, "application/x-ndjson": {}},
                                   "description": "every matching document, streamed"}},
        summary="The whole result set as CSV or JSONL (streamed)",
    )
    def export(
        filters: Annotated[_Filters, Depends()],
        format: Annotated[str, Query(description="csv | jsonl")] = "csv",
    ):
        if format not in EXPORT_FORMATS:
            raise QueryError(f"format must be csv or jsonl, got {format[:20]!r}")
        params = filters.params(size=0, facets=False)
        rows = engine.iter_export(app.state.es, alias, params)
        # Start the stream now, so that a bad query or a dead server is a 400/503, not a cut-off file.
        first = next(rows, None)
        rows = chain([first], rows) if first is not None else iter(())
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return StreamingResponse(
            export_lines(rows, format), media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="govpub-export-{stamp}.{format}"'},
        )

    # -- series ------------------------------------------------------------------------------
    @app.get("/series", response_model=models.SeriesResponse, responses=ERRORS,
             summary="Documents grouped by agency and doc_type, ordered by the year they are about")
    def series(filters: Annotated[_Filters, Depends()]):
        params = filters.params(size=0, facets=False)
        return _json({"groups": engine.series(app.state.es, alias, params)})

    return app
