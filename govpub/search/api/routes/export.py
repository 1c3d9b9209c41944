"""GET /export: every match as CSV or JSONL, streamed (point in time + search_after)."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import chain
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from govpub.search import engine
from govpub.search.api.backends import Backends
from govpub.search.api.errors import ERRORS
from govpub.search.api.filters import Filters
from govpub.search.formats import EXPORT_FORMATS, MEDIA_TYPES, export_lines
from govpub.search.query import QueryError

router = APIRouter()


@router.get(
    "/export",
    responses={**ERRORS, 200: {"content": {"text/csv": {}, "application/x-ndjson": {}},
                               "description": "every matching document, streamed"}},
    summary="The whole result set as CSV or JSONL (streamed)",
)
def export(
    backends: Backends,
    filters: Filters,
    format: Annotated[str, Query(description="csv | jsonl")] = "csv",
):
    if format not in EXPORT_FORMATS:
        raise QueryError(f"format must be csv or jsonl, got {format[:20]!r}")
    params = filters.params(size=0, facets=False)
    rows = engine.iter_export(backends.es, backends.alias, params)
    # Start the stream now, so that a bad query or a dead server is a 400/503, not a cut-off file.
    first = next(rows, None)
    rows = chain([first], rows) if first is not None else iter(())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        export_lines(rows, format), media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="govpub-export-{stamp}.{format}"'},
    )
