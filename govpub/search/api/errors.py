"""Errors as JSON `{"error": "…"}`: 400 for what cannot be searched (never 500), 404 for an unknown
document, 503 when Elasticsearch is unreachable, 502 for any other Elasticsearch error."""

from __future__ import annotations

import logging

from elasticsearch import ApiError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from govpub import index
from govpub.search.api import models
from govpub.search.query import QueryError

log = logging.getLogger("govpub.search.api")

#: the error responses every search route documents in /openapi.json
ERRORS = {
    400: {"model": models.ErrorResponse, "description": "the query or a parameter cannot be searched"},
    503: {"model": models.ErrorResponse, "description": "Elasticsearch (or S3) is not reachable"},
}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def not_found(description: str) -> dict:
    return {404: {"model": models.ErrorResponse, "description": description}}


async def _query_error(request: Request, exc: QueryError):
    return error_response(400, str(exc))


async def _validation_error(request: Request, exc: RequestValidationError):
    # at most three problems, each as "parameter: what is wrong"
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(400, "; ".join(parts) or "invalid request")


async def _index_unavailable(request: Request, exc: index.IndexUnavailable):
    return error_response(503, str(exc))


async def _elasticsearch_error(request: Request, exc: ApiError):
    log.warning("Elasticsearch error on %s: %s", request.url.path, exc)
    return error_response(502, f"Elasticsearch answered HTTP {exc.meta.status} ({type(exc).__name__})")


async def _http_error(request: Request, exc: StarletteHTTPException):
    return error_response(exc.status_code, str(exc.detail))


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(index.IndexUnavailable, _index_unavailable)
    app.add_exception_handler(ApiError, _elasticsearch_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
