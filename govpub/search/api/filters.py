"""The filter parameters shared by /search, /export and /series (a FastAPI dependency)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from govpub.search.params import SearchParams


class _FilterParams:
    def __init__(
        self,
        q: Annotated[str, Query(description="query text (see the syntax above)", max_length=2000)] = "",
        site: Annotated[list[str] | None, Query(description="site id(s); several are ORed")] = None,
        agency: Annotated[list[str] | None, Query(description="agency (机构) a document is attributed to: "
                                                          "the site registry's, or for a repost of an official document its issuer's")] = None,
        source: Annotated[list[str] | None, Query(description="source (来源) as printed on the page")] = None,
        region: Annotated[list[str] | None, Query(description="region (地区), attributed like agency")] = None,
        doc_type: Annotated[list[str] | None, Query(description="document type (文种): 工作要点, 通知 …")] = None,
        year: Annotated[list[str] | None, Query(description="the year a document is about (else its publish year)")] = None,
        status: Annotated[list[str] | None, Query(description="active | deleted")] = None,
        date_from: Annotated[str | None, Query(alias="from", description="published on or after YYYY-MM-DD")] = None,
        date_to: Annotated[str | None, Query(alias="to", description="published on or before YYYY-MM-DD")] = None,
        changed_since: Annotated[str | None, Query(description="only documents changed (a new version seen) or "
                                                   "taken down on or after YYYY-MM-DD")] = None,
        sort: Annotated[str | None, Query(description="relevance | date | date_asc (default: relevance with words, else date)")] = None,
        collapse: Annotated[bool, Query(description="one result per duplicate cluster, its official copy shown "
                                        "(default); false lists every copy")] = True,
    ):
        self.values = dict(q=q, site=site, agency=agency, source=source, region=region, doc_type=doc_type,
                           year=year, status=status, date_from=date_from, date_to=date_to, changed_since=changed_since, sort=sort,
                           collapse=collapse)

    def params(self, **extra) -> SearchParams:
        """The validated search (raises QueryError → 400); `extra`: paging and facets."""
        values = {**self.values, **extra}
        q = values.pop("q")
        return SearchParams.make(q, **values)


#: route parameter type: `def route(filters: Filters)` receives the request's filter parameters
Filters = Annotated[_FilterParams, Depends()]
