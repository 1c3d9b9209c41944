"""GET /series: documents grouped by agency and doc_type, ordered by the year they are about."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from govpub.search import engine
from govpub.search.api import models
from govpub.search.api.backends import Backends
from govpub.search.api.errors import ERRORS
from govpub.search.api.filters import Filters

router = APIRouter()


@router.get("/series", response_model=models.SeriesResponse, responses=ERRORS,
            summary="Documents grouped by agency and doc_type, ordered by the year they are about")
def series(backends: Backends, filters: Filters):
    params = filters.params(size=0, facets=False)
    return JSONResponse({"groups": engine.series(backends.es, backends.alias, params)})
