"""The parameters of one search (query text, facet filters, dates, sort, paging), normalised and
validated: what cannot be searched raises QueryError (the API's 400) before any request is built.
govpub.search.query turns them into Elasticsearch request bodies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from parsers.normalise import to_simplified

from govpub.search.language import Node, QueryError, has_text_terms, parse_query

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  #: Elasticsearch's index.max_result_window; deeper: /export
SORTS = ("relevance", "date", "date_asc")


def _tuple(value) -> tuple:
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v for v in value if v not in (None, ""))
    return (value,)


def _iso_date(value: str | date | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise QueryError(f"{name} wants a date as YYYY-MM-DD, got {str(value)[:40]!r}") from None


@dataclass(frozen=True)
class SearchParams:
    """One search: query text, facet filters (several values of one facet are ORed), paging."""

    q: str = ""
    site: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    date_from: str | None = None  #: publish_date ≥, YYYY-MM-DD
    date_to: str | None = None  #: publish_date ≤
    #: only documents changed (a version after the first, seen on or after this date) or taken
    #: down (status deleted since this date), YYYY-MM-DD
    changed_since: str | None = None
    sort: str | None = None  #: relevance | date | date_asc; default relevance with words, else date
    offset: int = 0
    size: int = 10
    collapse: bool = False  #: one hit per duplicate cluster
    facets: bool = True

    @classmethod
    def make(cls, q: str = "", **kwargs) -> "SearchParams":
        """Normalise and validate loose inputs (str or list filters, date objects, ints as text)."""
        values: dict[str, Any] = {"q": q or ""}
        for name in ("site", "agency", "source", "region", "doc_type", "status"):
            items = _tuple(kwargs.pop(name, None))
            values[name] = tuple(str(v) if name == "site" else to_simplified(str(v)) for v in items)
        years = []
        for y in _tuple(kwargs.pop("year", None)):
            try:
                years.append(int(y))
            except (TypeError, ValueError):
                raise QueryError(f"year wants a number like 2024, got {str(y)[:20]!r}") from None
        values["year"] = tuple(years)
        values["date_from"] = _iso_date(kwargs.pop("date_from", None), "from")
        values["date_to"] = _iso_date(kwargs.pop("date_to", None), "to")
        values["changed_since"] = _iso_date(kwargs.pop("changed_since", None), "changed_since")
        if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
            raise QueryError(f"from ({values['date_from']}) is after to ({values['date_to']})")
        sort = kwargs.pop("sort", None) or None
        if sort is not None and sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {str(sort)[:30]!r}")
        values["sort"] = sort
        try:
            offset, size = int(kwargs.pop("offset", 0) or 0), int(kwargs.pop("size", 10))
        except (TypeError, ValueError):
            raise QueryError("offset and size must be whole numbers") from None
        if offset < 0 or size < 0 or size > MAX_PAGE_SIZE:
            raise QueryError(f"size must be 0…{MAX_PAGE_SIZE} and offset ≥ 0")
        if offset + size > MAX_RESULT_WINDOW:
            raise QueryError(
                f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged; narrow the query or use /export"
            )
        values.update(offset=offset, size=size)
        values["collapse"] = bool(kwargs.pop("collapse", False))
        values["facets"] = bool(kwargs.pop("facets", True))
        if kwargs:
            raise TypeError(f"unknown search parameters: {sorted(kwargs)}")
        params = cls(**values)
        params.tree()  # raise QueryError now, not later
        return params

    def tree(self) -> Node | None:
        return parse_query(self.q)

    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if has_text_terms(self.tree()) else "date"

    def with_page(self, offset: int, size: int) -> "SearchParams":
        return replace(self, offset=offset, size=size)
