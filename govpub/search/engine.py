"""Runs the searches govpub.search.query builds: search with facets and collapsing, single
documents with their cluster, export through a point in time, and series (agency × doc_type
ordered by year).

User query text never goes through `query_string`: govpub.search.query parses it (phrases,
AND/OR/NOT, fields) and builds bool / match / multi_match / match_phrase / term clauses,
which have no syntax.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from elasticsearch import ApiError, Elasticsearch, NotFoundError

from govpub.index.client import translate_connection_errors
from govpub.search.query import (
    COPIES_SHOWN,
    HIGHLIGHT_FIELDS,
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    QueryError,
    SearchParams,
    build_search,
    export_body,
    query_clause,
    read_facets,
)

@dataclass
class Hit:
    id: str
    title: str
    url: str
    site: str
    source: str | None
    publish_date: str | None
    doc_type: str | None
    score: float | None
    highlights: list[str] = field(default_factory=list)  #: HTML-escaped snippets, matches in <em>…</em>
    title_highlight: str | None = None  #: HTML-escaped title with <em> marks, when the title matched
    agency: str | None = None
    region: str | None = None
    year: int | None = None  #: the year the document is about (`year`, else the publish year)
    doc_number: str | None = None
    status: str | None = None
    status_date: str | None = None  #: when it was first seen taken down (status deleted)
    fetched_at: str | None = None  #: when its latest version was fetched
    version: int | None = None
    cluster: str | None = None
    cluster_size: int | None = None
    is_canonical: bool | None = None  #: the official copy of its duplicate cluster (or a document without copies)
    canonical_id: str | None = None
    #: other documents of its cluster, official first (collapse; at most query.COPIES_SHOWN)
    copies: list[dict[str, Any]] = field(default_factory=list)
    copies_total: int = 0  #: how many other documents its cluster has (collapse), listed or not
    #: for a repost of an official document: that copy's canonical_id and agency, region, doc_number
    #: (from the indexed attributed_* fields: attribution_of)
    attribution: dict[str, Any] | None = None


@dataclass
class SearchResult:
    total: int
    took_ms: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    groups: int | None = None  #: distinct duplicate clusters among the matches (collapse only)
    collapsed: bool = False  #: one hit per duplicate cluster (hits count clusters, `total` documents)
    #: what `total` and each facet `count` count; with collapse, facet values also carry `clusters`
    counts: str = "documents"
    offset: int = 0
    size: int = 10
    sort: str = "relevance"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _effective_year(src: dict[str, Any]) -> int | None:
    return src.get("year") if src.get("year") is not None else src.get("publish_year")


def _bad_request(exc: ApiError) -> QueryError:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    causes = error.get("root_cause") or []
    reason = (causes[0].get("reason") if causes and isinstance(causes[0], dict) else None) or error.get("reason")
    return QueryError(f"Elasticsearch rejected the query: {reason or exc.message}"[:300])


@contextmanager
def _rejections_as_query_errors():
    """Elasticsearch's 400 (a query it cannot run) becomes a QueryError; other errors pass."""
    try:
        yield
    except ApiError as exc:
        if exc.meta.status == 400:
            raise _bad_request(exc) from exc
        raise


def _run_search(es: Elasticsearch, alias: str, body: dict[str, Any]) -> Any | None:
    try:
        with _rejections_as_query_errors():
            return es.search(index=alias, **body)
    except NotFoundError:
        return None  # nothing indexed yet under this alias


_ADJACENT_MARKS = HIGHLIGHT_POST + HIGHLIGHT_PRE


def _merge_marks(snippet: str) -> str:
    # The .exact subfields hold one token per character, so a phrase comes back as
    # <em>课</em><em>后</em>…: adjacent marks become one, <em>课后服务</em>.
    return snippet.replace(_ADJACENT_MARKS, "")


COPY_FIELDS = ("id", "url", "site", "title", "publish_date", "is_canonical")


def parse_hit(h: dict[str, Any]) -> Hit:
    """One hit; a collapsed hit is shown as its cluster's canonical copy (first inner hit) when
    that copy matched too, with the group's other matching documents as `copies`."""
    inner = h.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("hits", [])
    shown = h
    if inner and inner[0].get("_source", {}).get("is_canonical"):
        shown = {**inner[0], "_score": h.get("_score")}  # the official copy, at the group's rank
    shown_id = shown.get("_source", {}).get("id") or shown.get("_id")
    copies = [
        {k: c.get("_source", {}).get(k) for k in COPY_FIELDS}
        for c in inner if (c.get("_source", {}).get("id") or c.get("_id")) != shown_id
    ][:COPIES_SHOWN]
    hit = _hit_of(shown)
    if "inner_hits" in h:
        hit.copies = copies
        hit.copies_total = max((hit.cluster_size or 1) - 1, len(copies))
    return hit


def _hit_of(h: dict[str, Any]) -> Hit:
    src = h.get("_source", {})
    hl = h.get("highlight", {})
    title_hl = hl.get(HIGHLIGHT_FIELDS["title"], [None])[0]
    title_hl = _merge_marks(title_hl) if title_hl else None
    snippets = [_merge_marks(s) for s in (*hl.get(HIGHLIGHT_FIELDS["body"], ()), *hl.get(HIGHLIGHT_FIELDS["attachments"], ()))]
    score = h.get("_score")
    return Hit(
        id=src.get("id") or h["_id"],
        title=src.get("title", ""),
        url=src.get("url", ""),
        site=src.get("site", ""),
        source=src.get("source"),
        publish_date=src.get("publish_date"),
        doc_type=src.get("doc_type"),
        score=float(score) if isinstance(score, (int, float)) else None,
        highlights=snippets,
        title_highlight=title_hl if title_hl and HIGHLIGHT_PRE in title_hl else None,
        agency=src.get("agency"),
        region=src.get("region"),
        year=_effective_year(src),
        doc_number=src.get("doc_number"),
        status=src.get("status"),
        status_date=src.get("status_date"),
        fetched_at=src.get("fetched_at"),
        version=src.get("version"),
        cluster=src.get("cluster"),
        cluster_size=src.get("cluster_size"),
        is_canonical=src.get("is_canonical"),
        canonical_id=src.get("canonical_id"),
        attribution=attribution_of(src),
    )


def read_search_response(resp: Any | None, params: SearchParams) -> SearchResult:
    sort = params.effective_sort()
    if resp is None:
        return SearchResult(total=0, took_ms=0, offset=params.offset, size=params.size, sort=sort,
                            collapsed=params.collapse)
    total = resp["hits"]["total"]
    aggs = resp.get("aggregations") or {}
    return SearchResult(
        total=int(total["value"] if isinstance(total, dict) else total),
        took_ms=int(resp.get("took", 0)),
        hits=[parse_hit(h) for h in resp["hits"]["hits"]],
        facets=read_facets(aggs) if params.facets else {},
        groups=int(aggs["clusters"]["value"]) if params.collapse and "clusters" in aggs else None,
        collapsed=params.collapse,
        offset=params.offset,
        size=params.size,
        sort=sort,
    )


@translate_connection_errors
def search(es: Elasticsearch, alias: str, query: str | SearchParams = "", **kwargs) -> SearchResult:
    """Run one search. `query` is user text (kwargs: SearchParams fields) or a SearchParams.

    Raises QueryError for input that cannot be searched (also when Elasticsearch answers 400).
    """
    params = query if isinstance(query, SearchParams) else SearchParams.make(query, **kwargs)
    return read_search_response(_run_search(es, alias, build_search(params)), params)


# --------------------------------------------------------------------------- documents


@translate_connection_errors
def get_document(es: Elasticsearch, alias: str, doc_id: str) -> dict[str, Any] | None:
    """The indexed `_source` of one document (an ids query works on an alias over several indices)."""
    resp = _run_search(es, alias, {"query": {"ids": {"values": [doc_id]}}, "size": 1})
    hits = resp["hits"]["hits"] if resp is not None else []
    return hits[0]["_source"] if hits else None


@translate_connection_errors
def documents_at(es: Elasticsearch, alias: str, urls: list[str], *, batch: int = 1000) -> dict[str, str]:
    """URL → id of the indexed documents whose (first page) URL is one of `urls`, all of them."""
    found: dict[str, str] = {}
    for start in range(0, len(urls), batch):
        chunk = urls[start:start + batch]
        resp = _run_search(es, alias, {"query": {"terms": {"url": chunk}}, "size": len(chunk),
                                       "source_includes": ["id", "url"]})
        found.update({h["_source"]["url"]: h["_source"]["id"] for h in (resp["hits"]["hits"] if resp else [])})
    return found


@translate_connection_errors
def cluster_members(es: Elasticsearch, alias: str, cluster: str, *, exclude: str | None = None,
                    size: int = 50) -> list[dict[str, Any]]:
    """The other documents of a duplicate cluster (canonical first, then oldest first)."""
    query: dict[str, Any] = {"bool": {"filter": [{"term": {"cluster": cluster}}]}}
    if exclude:
        query["bool"]["must_not"] = [{"ids": {"values": [exclude]}}]
    resp = _run_search(es, alias, {
        "query": query, "size": size,
        "sort": [{"is_canonical": "desc"}, {"publish_date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
        "source_includes": ["id", "url", "site", "title", "publish_date", "is_canonical", "fetched_at"],
    })
    return [h["_source"] for h in resp["hits"]["hits"]] if resp is not None else []


#: the attribution's fields → the index-only fields the clusters step writes them to (mapping v4)
ATTRIBUTED_FIELDS = {"agency": "attributed_agency", "region": "attributed_region", "doc_number": "attributed_doc_number"}


def attribution_of(src: dict[str, Any]) -> dict[str, Any] | None:
    """Who issued a repost, as the index holds it: for a copy whose attributed fields (its cluster's
    official canonical's agency, region, 文号: the clusters step) are not its own, the canonical's
    id and those values. None for a canonical or standalone document, a copy of a non-official
    canonical (attributed = its own), and an index older than mapping v4 (no attributed fields).
    Read from the document's own indexed source: no request."""
    canonical_id = src.get("canonical_id")
    if src.get("is_canonical", True) or not canonical_id or canonical_id == src.get("id"):
        return None
    if not all(field in src for field in ATTRIBUTED_FIELDS.values()):
        return None
    attributed = {own: src.get(field) for own, field in ATTRIBUTED_FIELDS.items()}
    if attributed == {own: src.get(own) for own in ATTRIBUTED_FIELDS}:
        return None
    return {"canonical_id": canonical_id, **attributed}


# --------------------------------------------------------------------------- export

EXPORT_BATCH = 500


@translate_connection_errors
def iter_export(es: Elasticsearch, alias: str, params: SearchParams, *, batch: int = EXPORT_BATCH,
                source_excludes: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every matching document's `_source`, in the search's order, however many there are.

    Pages with a point in time + search_after (consistent while it runs; no result-window limit).
    The point in time is closed when the iterator finishes or is closed early.
    """
    body = export_body(params)
    try:
        with _rejections_as_query_errors():
            pit = es.open_point_in_time(index=alias, keep_alive="2m")["id"]
    except NotFoundError:
        return
    try:
        after = None
        while True:
            request: dict[str, Any] = {
                "query": body["query"], "sort": body["sort"], "size": batch, "track_total_hits": False,
                "pit": {"id": pit, "keep_alive": "2m"},
            }
            if source_excludes:
                request["source_excludes"] = source_excludes
            if after is not None:
                request["search_after"] = after
            with _rejections_as_query_errors():
                resp = es.search(**request)
            pit = resp.get("pit_id", pit)
            hits = resp["hits"]["hits"]
            for h in hits:
                yield h["_source"]
            if len(hits) < batch:
                return
            after = hits[-1]["sort"]
    finally:
        try:
            es.close_point_in_time(id=pit)
        except Exception:  # pragma: no cover - the PIT expires by itself after keep_alive
            pass


# --------------------------------------------------------------------------- series

SERIES_DOCS_PER_TYPE = 100  #: top_hits cap (index.max_inner_result_window)
MAX_SERIES_COPIES = 10_000  #: copies listed under a series' documents (each says copies_total)


@translate_connection_errors
def series(es: Elasticsearch, alias: str, params: SearchParams, *, agencies: int = 30,
           doc_types: int = 30) -> list[dict[str, Any]]:
    """Documents grouped by agency, then doc_type, each group ordered by the year it is about.

    Returns [{"agency", "count", "years": [2019, …], "series": [{"doc_type", "count",
    "documents": [{id, title, year, publish_date, url, site}, … oldest first]}]}], biggest agency
    first. The agency is the one a document is attributed to (`attributed_agency`: a repost of an
    official document counts as its issuer's; otherwise the site registry's), else the page's `source`;
    each document keeps its own `site`, where it was found.
    `params` filters as in search (q, site, doc_type, year, dates…); with `collapse`, only each
    cluster's canonical copy is listed, with the cluster's other documents (reposts, found on other
    sites) as its `copies` — so a bureau's series holds its own documents, and a content farm's
    copies of them sit under them instead of in the farm's series.
    """
    resp = _run_search(es, alias, _series_body(params, agencies=agencies, doc_types=doc_types))
    if resp is None:
        return []
    aggs = resp["aggregations"]
    buckets = list(aggs["agency"]["buckets"]) + list(aggs["no_agency"]["source"]["buckets"])
    groups = [_series_group(bucket) for bucket in buckets]
    groups.sort(key=lambda g: -g["count"])
    listed = [d for g in groups for s in g["series"] for d in s["documents"]]
    if params.collapse:
        _attach_copies(es, alias, listed)
    else:
        for d in listed:
            d.pop("cluster_size", None)
    return groups


def _attach_copies(es: Elasticsearch, alias: str, documents: list[dict[str, Any]]) -> None:
    """`copies` of each listed canonical document: its cluster's other members (one search)."""
    clustered = {d["cluster"]: d for d in documents if (d.get("cluster_size") or 1) > 1}
    for d in documents:
        d["copies"] = []
        d["copies_total"] = max((d.pop("cluster_size", None) or 1) - 1, 0)  # listed or not
    if not clustered:
        return
    resp = _run_search(es, alias, {
        "query": {"bool": {"filter": [{"terms": {"cluster": sorted(clustered)}}, {"term": {"is_canonical": False}}]}},
        "size": min(MAX_SERIES_COPIES, sum(d["copies_total"] for d in clustered.values())),
        "sort": [{"publish_date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
        "source_includes": ["id", "url", "site", "title", "publish_date", "cluster"],
    })
    for h in (resp["hits"]["hits"] if resp is not None else []):
        src = h["_source"]
        clustered[src["cluster"]]["copies"].append({k: src.get(k) for k in ("id", "url", "site", "title", "publish_date")})


def _series_body(params: SearchParams, *, agencies: int, doc_types: int) -> dict[str, Any]:
    """Agency (else source) → doc_type buckets, each with its documents oldest first."""
    extra = [{"term": {"is_canonical": True}}] if params.collapse else []
    top = {
        "top_hits": {
            "size": SERIES_DOCS_PER_TYPE,
            "sort": [{"year": {"order": "asc", "missing": "_last"}}, {"publish_date": {"order": "asc", "missing": "_last"}}],
            "_source": ["id", "title", "year", "publish_year", "publish_date", "url", "site", "doc_number",
                        "attributed_doc_number", "cluster", "cluster_size"],
        }
    }
    by_type = {"terms": {"field": "doc_type", "size": doc_types}, "aggs": {"docs": top}}
    return {
        "query": query_clause(params, extra_filters=extra),
        "size": 0,
        "aggs": {
            "agency": {"terms": {"field": "attributed_agency", "size": agencies}, "aggs": {"types": by_type}},
            "no_agency": {
                "filter": {"bool": {"must_not": [{"exists": {"field": "attributed_agency"}}]}},
                "aggs": {"source": {"terms": {"field": "source", "size": agencies}, "aggs": {"types": by_type}}},
            },
        },
    }


def _series_group(bucket: dict[str, Any]) -> dict[str, Any]:
    types, years = [], set()
    for tb in bucket["types"]["buckets"]:
        docs = []
        for h in tb["docs"]["hits"]["hits"]:
            src = h["_source"]
            year = _effective_year(src)
            if year is not None:
                years.add(year)
            docs.append({"id": src.get("id"), "title": src.get("title"), "year": year,
                         "publish_date": src.get("publish_date"), "url": src.get("url"),
                         "site": src.get("site"),
                         "doc_number": src.get("attributed_doc_number") or src.get("doc_number"),
                         "cluster": src.get("cluster") or src.get("id"), "cluster_size": src.get("cluster_size")})
        docs.sort(key=lambda d: (d["year"] is None, d["year"] or 0, d["publish_date"] or ""))
        types.append({"doc_type": tb["key"], "count": tb["doc_count"], "documents": docs})
    return {"agency": bucket["key"], "count": bucket["doc_count"], "years": sorted(years), "series": types}


