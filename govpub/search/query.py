"""Elasticsearch request bodies built from the query language and the search parameters (pure).

The syntax is govpub.search.language's (its docstring; docs/search.md for users), the
parameters and their validation govpub.search.params's: both raise `QueryError` (the API's
400) for what cannot be searched, before a body is built here.

User text never reaches Elasticsearch's `query_string`/`simple_query_string`: the parser builds
bool / match / multi_match / match_phrase / term clauses, which have no syntax of their own.
Queries are converted to simplified Chinese (OpenCC t2s), as the indexed text is.
"""

from __future__ import annotations

from typing import Any

from govpub.search.language import (  # noqa: F401  (QUERY_FIELDS etc. re-exported for callers of the query API)
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    QUERY_FIELDS,
    And,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    has_text_terms,
    parse_query,
)
from govpub.search.params import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SORTS, SearchParams  # noqa: F401  (re-exported)

#: searched by unquoted words (zh_bigram analysed) and, for exact phrases, their `.exact` subfields
TEXT_FIELDS = ("title^3", "body", "attachments.text^0.5", "attachments.name.text^0.5")
EXACT_FIELDS = ("title.exact^3", "body.exact", "attachments.text.exact^0.5")

HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"

FACET_SIZE = 50

#: keyword facets: request name → indexed field (the `year` facet merges `year` and `publish_year`)
#: agency and region count a repost of an official document under its issuer (the site stays its own)
FACET_FIELDS = {
    "site": "site",
    "agency": "attributed_agency",
    "source": "source",
    "region": "attributed_region",
    "doc_type": "doc_type",
    "status": "status",
}

#: filter parameter → indexed field, where they differ
FILTER_FIELDS = {"agency": "attributed_agency", "region": "attributed_region"}

HIT_SOURCE_FIELDS = [
    "id", "title", "url", "site", "source", "agency", "region", "publish_date", "year", "publish_year",
    "doc_type", "doc_number", "status", "status_date", "fetched_at", "version", "cluster", "cluster_size",
    "is_canonical", "canonical_id", "attributed_agency", "attributed_region", "attributed_doc_number",
]

#: copies listed under a collapsed hit (the rest are counted: Hit.copies_total)
COPIES_SHOWN = 5


# --------------------------------------------------------------------------- tree → ES query


BIGRAM_PHRASE_FIELDS = tuple(f for f in TEXT_FIELDS if not f.startswith("attachments.name"))


def _cjk_only(text: str) -> bool:
    """Two or more CJK characters and nothing searchable besides (spaces/punctuation are dropped)."""
    chars = [ch for ch in text if ch.isalnum()]
    return len(chars) >= 2 and all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in chars)


def _word_clause(word: str) -> dict[str, Any]:
    if _cjk_only(word):
        # All bigrams of the word in one field; documents holding the word as written (its
        # bigrams in a row: a phrase on the bigram fields, far cheaper than on single
        # characters) score higher.
        return {
            "bool": {
                "must": [{"multi_match": {"query": word, "fields": list(TEXT_FIELDS), "operator": "and"}}],
                "should": [{"multi_match": {"query": word, "fields": list(BIGRAM_PHRASE_FIELDS), "type": "phrase"}}],
            }
        }
    # Single characters and Latin words exist only as unigrams (the `.exact` subfields):
    # the bigram match OR the exact character sequence.
    return {
        "bool": {
            "should": [
                {"multi_match": {"query": word, "fields": list(TEXT_FIELDS), "operator": "and"}},
                {"multi_match": {"query": word, "fields": list(EXACT_FIELDS), "type": "phrase"}},
            ],
            "minimum_should_match": 1,
        }
    }


def _phrase_clause(phrase: str) -> dict[str, Any]:
    # For CJK text a phrase of bigrams is the same constraint as a phrase of characters
    # (adjacent, in order) and much cheaper to run; anything else uses the `.exact` subfields.
    if _cjk_only(phrase):
        return {"multi_match": {"query": phrase, "fields": list(BIGRAM_PHRASE_FIELDS), "type": "phrase"}}
    return {"multi_match": {"query": phrase, "fields": list(EXACT_FIELDS), "type": "phrase"}}


def year_clause(year: int) -> dict[str, Any]:
    """The year a document is about: `year` when the parser found one, else the publish year."""
    return {
        "bool": {
            "should": [
                {"term": {"year": year}},
                {"bool": {"must_not": [{"exists": {"field": "year"}}], "filter": [{"term": {"publish_year": year}}]}},
            ],
            "minimum_should_match": 1,
        }
    }


def _term_clause(term: Term) -> dict[str, Any]:
    if term.field is None:
        return _phrase_clause(term.text) if term.phrase else _word_clause(term.text)
    kind, name = QUERY_FIELDS[term.field]
    if kind == "text":
        exact = {"match_phrase": {f"{name}.exact": term.text}}
        if term.phrase:
            return exact
        return {"bool": {"should": [{"match": {name: {"query": term.text, "operator": "and"}}}, exact],
                         "minimum_should_match": 1}}
    if kind == "year":
        return {"bool": {"filter": [year_clause(int(term.text))]}}
    return {"bool": {"filter": [{"term": {name: term.text}}]}}


def _excluded(node: Node) -> dict[str, Any]:
    # An excluded word is excluded as written (its exact characters), never because its
    # bigrams happen to occur apart somewhere in the document.
    if isinstance(node, Term) and node.field is None:
        return _phrase_clause(node.text)
    return compile_node(node)


def compile_node(node: Node) -> dict[str, Any]:
    if isinstance(node, Term):
        return _term_clause(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [_excluded(node.node)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_node(n) for n in node.nodes], "minimum_should_match": 1}}
    must = [compile_node(n) for n in node.nodes if not isinstance(n, Not)]
    must_not = [_excluded(n.node) for n in node.nodes if isinstance(n, Not)]
    body: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def filter_clauses(params: SearchParams) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    for name in ("site", "agency", "source", "region", "doc_type", "status"):
        values = getattr(params, name)
        if values:
            filters.append({"terms": {FILTER_FIELDS.get(name, name): list(values)}})
    if params.year:
        filters.append({"bool": {"should": [year_clause(y) for y in params.year], "minimum_should_match": 1}})
    date_range = {k: v for k, v in (("gte", params.date_from), ("lte", params.date_to)) if v}
    if date_range:
        filters.append({"range": {"publish_date": {**date_range, "format": "yyyy-MM-dd"}}})
    if params.changed_since:
        filters.append(changed_since_clause(params.changed_since))
    return filters


def changed_since_clause(day: str) -> dict[str, Any]:
    """Changed (a later version, first seen on or after `day`: the latest version's fetch time) or
    taken down (deleted, status first seen on or after `day`)."""
    since = {"gte": day, "format": "yyyy-MM-dd"}
    return {"bool": {"should": [
        {"bool": {"filter": [{"range": {"version": {"gt": 1}}}, {"range": {"fetched_at": since}}]}},
        {"bool": {"filter": [{"term": {"status": "deleted"}}, {"range": {"status_date": since}}]}},
    ], "minimum_should_match": 1}}


def query_clause(params: SearchParams, *, extra_filters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    tree = params.tree()
    main = compile_node(tree) if tree is not None else {"match_all": {}}
    filters = filter_clauses(params) + list(extra_filters or ())
    if not filters:
        return main if "bool" in main else {"bool": {"must": [main]}}
    return {"bool": {"must": [main], "filter": filters}}


#: among equals the official copy (its cluster's canonical) comes first
CANONICAL_FIRST = {"is_canonical": {"order": "desc", "missing": "_last", "unmapped_type": "boolean"}}


def sort_clause(sort: str) -> list[Any]:
    if sort == "date":
        return [{"publish_date": {"order": "desc", "missing": "_last"}}, CANONICAL_FIRST, {"id": "asc"}]
    if sort == "date_asc":
        return [{"publish_date": {"order": "asc", "missing": "_last"}}, CANONICAL_FIRST, {"id": "asc"}]
    return [{"_score": "desc"}, CANONICAL_FIRST, {"publish_date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]


def positive_terms(node: Node | None) -> list[Term]:
    """The full-text terms a hit matched because of (not those under NOT)."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node] if node.field in (None, "title") else []
    return [t for n in node.nodes for t in positive_terms(n)]


HIGHLIGHT_FIELDS = {"title": "title.exact", "body": "body.exact", "attachments": "attachments.text.exact"}


def highlight_clause(tree: Node | None = None) -> dict[str, Any]:
    """Snippets marked on the single-character `.exact` subfields, which index offsets.

    The highlight query marks every positive word and phrase where its exact characters occur
    (a word found through scattered bigrams gets a plain snippet). Highlighting the bigram
    fields instead would re-analyse each hit's text — several times slower.
    """
    clause: dict[str, Any] = {
        "type": "unified",
        "encoder": "html",  # snippet text is HTML-escaped; only the tags below are markup
        "pre_tags": [HIGHLIGHT_PRE],
        "post_tags": [HIGHLIGHT_POST],
        "fragment_size": 80,
        "number_of_fragments": 3,
        "require_field_match": False,
        "fields": {
            HIGHLIGHT_FIELDS["body"]: {"no_match_size": 80},
            HIGHLIGHT_FIELDS["title"]: {"number_of_fragments": 0},
            HIGHLIGHT_FIELDS["attachments"]: {},
        },
    }
    terms = positive_terms(tree)
    if terms:
        fields = [f.split("^")[0] for f in EXACT_FIELDS]
        clause["highlight_query"] = {"bool": {"should": [
            {"multi_match": {"query": t.text, "fields": fields, "type": "phrase"}} for t in terms
        ]}}
    return clause


def facet_aggs(clusters: bool = False) -> dict[str, Any]:
    """Terms aggregations counting documents; with `clusters`, each value also counts the distinct
    duplicate clusters among them (what a collapsed result list shows)."""
    def terms(field: str) -> dict[str, Any]:
        agg: dict[str, Any] = {"terms": {"field": field, "size": FACET_SIZE}}
        if clusters:
            agg["aggs"] = {"clusters": {"cardinality": {"field": "cluster"}}}
        return agg

    aggs: dict[str, Any] = {name: terms(f) for name, f in FACET_FIELDS.items()}
    aggs["year"] = terms("year")
    aggs["year_fallback"] = {
        "filter": {"bool": {"must_not": [{"exists": {"field": "year"}}]}},
        "aggs": {"years": terms("publish_year")},
    }
    return aggs


def build_search(params: SearchParams) -> dict[str, Any]:
    """Keyword arguments for `Elasticsearch.search` (the API and the benchmark send exactly this)."""
    body: dict[str, Any] = {
        "query": query_clause(params),
        "sort": sort_clause(params.effective_sort()),
        "highlight": highlight_clause(params.tree()),
        "from_": params.offset,
        "size": params.size,
        "track_total_hits": True,
        "source_includes": list(HIT_SOURCE_FIELDS),
    }
    if params.facets:
        body["aggs"] = facet_aggs(clusters=params.collapse)
    if params.collapse:
        # The group's canonical copy comes first among its inner hits, with its own highlights,
        # so the result shows the official copy even when a repost scored higher.
        body["collapse"] = {
            "field": "cluster",
            "inner_hits": {
                "name": "copies",
                "size": COPIES_SHOWN + 1,
                "_source": list(HIT_SOURCE_FIELDS),
                "sort": [CANONICAL_FIRST, {"publish_date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
                "highlight": body["highlight"],
            },
        }
        body.setdefault("aggs", {})["clusters"] = {"cardinality": {"field": "cluster"}}
    return body


def build_query(query: str = "", **kwargs) -> dict[str, Any]:
    """`build_search` for loose arguments: build_query("课后", site="x", date_from=…, size=5, offset=10)."""
    return build_search(SearchParams.make(query, **kwargs))


def export_body(params: SearchParams) -> dict[str, Any]:
    """The query + sort of an export (paged with a point in time and search_after by the caller).

    ES cannot collapse a search_after stream sorted by relevance or date, so an export with
    `collapse` keeps each cluster's canonical document (`is_canonical`), which is the same set.
    """
    extra = [{"term": {"is_canonical": True}}] if params.collapse else []
    sort = sort_clause(params.effective_sort()) + [{"_shard_doc": "asc"}]  # same order as /search
    return {"query": query_clause(params, extra_filters=extra), "sort": sort}


def read_facets(aggs: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """ES aggregations → {"site": [{"value": "x", "count": 3}, …], "year": […newest first], …}."""
    if not aggs:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name in FACET_FIELDS:
        out[name] = [_facet_value(b["key"], b) for b in aggs.get(name, {}).get("buckets", [])]
    years: dict[int, dict[str, Any]] = {}
    year_buckets = [*aggs.get("year", {}).get("buckets", []), *aggs.get("year_fallback", {}).get("years", {}).get("buckets", [])]
    for bucket in year_buckets:  # disjoint documents: `year` set, or not set and counted by publish year
        value = _facet_value(int(bucket["key"]), bucket)
        seen = years.setdefault(value["value"], {**value, "count": 0, **({"clusters": 0} if "clusters" in value else {})})
        seen["count"] += value["count"]
        if "clusters" in value:
            seen["clusters"] += value["clusters"]
    out["year"] = [years[y] for y in sorted(years, reverse=True)]
    return out


def _facet_value(key: Any, bucket: dict[str, Any]) -> dict[str, Any]:
    value = {"value": key, "count": bucket["doc_count"]}
    if "clusters" in bucket:
        value["clusters"] = int(bucket["clusters"]["value"])
    return value
