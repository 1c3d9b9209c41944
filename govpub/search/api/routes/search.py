"""GET /search: full-text search with facets, highlights, paging and collapsing."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from govpub.search import engine
from govpub.search.api import models
from govpub.search.api.backends import Backends
from govpub.search.api.errors import ERRORS
from govpub.search.api.filters import Filters

router = APIRouter()


@router.get("/search", response_model=models.SearchResponse, responses=ERRORS, summary="Full-text search")
def search(
    backends: Backends,
    filters: Filters,
    page: Annotated[int, Query(ge=1, description="page number, from 1")] = 1,
    size: Annotated[int, Query(ge=0, le=100, description="hits per page")] = 10,
    facets: Annotated[bool, Query(description="include facet counts")] = True,
):
    params = filters.params(offset=(page - 1) * size, size=size, facets=facets)
    result = engine.search(backends.es, backends.alias, params)
    data = result.to_dict()
    data.pop("offset")
    listed = result.groups if result.groups is not None else result.total  # a collapsed list pages over clusters
    data.update(query=params.q, page=page, pages=math.ceil(listed / size) if size else 0)
    return JSONResponse(data)  # already the response shape: no second validation
