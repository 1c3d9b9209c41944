"""GET /feed: any search as an Atom feed (newest first), e.g. a topic or a bureau in a feed reader;
with `changed_since`, the documents changed or taken down since a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from govpub.search import engine
from govpub.search.api.backends import Backends
from govpub.search.api.errors import ERRORS
from govpub.search.api.filters import Filters
from govpub.search.feeds import MEDIA_TYPE, atom_feed

router = APIRouter()

FEED_SIZE = 50


def feed_title(values: dict) -> str:
    parts = [values["q"]] if values.get("q") else []
    for name in ("site", "agency", "source", "region", "doc_type", "year", "status"):
        parts.extend(f"{name}:{v}" for v in values.get(name) or ())
    if values.get("changed_since"):
        parts.append(f"changed since {values['changed_since']}")
    return "govpub · " + (" ".join(parts) if parts else "newest documents")


@router.get(
    "/feed",
    responses={**ERRORS, 200: {"content": {"application/atom+xml": {}}, "description": "an Atom 1.0 feed"}},
    summary="The search as an Atom feed, newest first",
)
def feed(request: Request, backends: Backends, filters: Filters,
         size: Annotated[int, Query(ge=1, le=100, description="entries")] = FEED_SIZE):
    params = filters.params(size=size, facets=False, sort="date")  # newest first, whatever the query
    result = engine.search(backends.es, backends.alias, params)
    root = str(request.base_url).rstrip("/")
    query = "&".join(part for part in request.url.query.split("&") if part and not part.startswith("size="))
    xml = atom_feed(
        (hit.__dict__ for hit in result.hits), title=feed_title(filters.values),
        self_url=str(request.url), page_url=f"{root}/#/search" + (f"?{query}" if query else ""), app_url=root,
    )
    return Response(xml, media_type=MEDIA_TYPE)
