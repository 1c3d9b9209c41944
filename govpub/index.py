"""Elasticsearch side of govpub: mapping, versioned index behind an alias, bulk indexing, search.

Layout: documents live in a concrete index `<alias>-v<N>` (N = `_meta.version` of
mappings/documents.json); readers and writers only ever use the alias. A mapping change bumps
the version, so a new index is created next to the old one and the alias is moved after reindexing.

Chinese text: this Elasticsearch distribution has no analysis-common module (no `cjk` analyzer,
no ngram filters). `title`/`body` use `zh_bigram` (standard tokenizer = one token per CJK char,
then shingles of 2 joined with ""), i.e. overlapping bigrams; the `.exact` subfields keep
single-character tokens so quoted phrases match exactly as written (match_phrase).

User query text never goes through `query_string`: govpub.query parses it (phrases, AND/OR/NOT,
fields) and builds bool / match / multi_match / match_phrase / term clauses, which have no syntax.
This module runs those requests: search with facets and collapsing, export through a point in
time, single documents with their cluster, and series (agency × doc_type ordered by year).
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError

from govpub.config import REPO_ROOT, Settings
from govpub.query import (  # noqa: F401  (re-exported: the query language lives in govpub.query)
    EXACT_FIELDS,
    HIGHLIGHT_FIELDS,
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    TEXT_FIELDS,
    QueryError,
    SearchParams,
    build_query,
    build_search,
    export_body,
    parse_query,
    query_clause,
    read_facets,
    to_simplified,
)
from govpub.schema import INDEX_ONLY_FIELDS, Document

MAPPING_PATH = REPO_ROOT / "mappings" / "documents.json"

#: fields added by `to_es_source` that are not on `Document` (tests/unit/test_schema_mapping.py)
DERIVED_FIELDS = tuple(INDEX_ONLY_FIELDS)

BULK_CHUNK_SIZE = 500


class IndexUnavailable(RuntimeError):
    """Elasticsearch cannot be reached (or refuses us); the message is one line naming the URL."""


# --------------------------------------------------------------------------- client


def client(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client for `settings.es_url` (basic auth when a username is set)."""
    kwargs: dict[str, Any] = {}
    if settings.es_username:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password or "")
    return Elasticsearch(
        settings.es_url,
        request_timeout=30,
        retry_on_timeout=True,
        max_retries=3,
        **kwargs,
    )


def _es_url(es: Elasticsearch) -> str:
    try:
        nodes = es.transport.node_pool.all()
        return ", ".join(str(n.base_url) for n in nodes) or "<unknown>"
    except Exception:  # pragma: no cover - defensive; only used in messages
        return "<unknown>"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConnectionTimeout):
        return "timed out"
    message = str(getattr(exc, "message", "") or exc)
    lowered = message.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "unknown host"
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if isinstance(exc, ApiError):
        if exc.meta.status in (401, 403):
            return f"authentication failed (HTTP {exc.meta.status})"
        return f"HTTP {exc.meta.status}: {exc.message}"
    message = " ".join(message.split())
    return message[:200] if message else type(exc).__name__


def _unavailable(es: Elasticsearch, exc: Exception) -> IndexUnavailable:
    return IndexUnavailable(f"Elasticsearch not reachable at {_es_url(es)} ({_reason(exc)})")


def check_reachable(es: Elasticsearch, settings: Settings | None = None) -> None:
    """Raise IndexUnavailable unless the cluster answers `GET /_cluster/health` (GET / is 405 here)."""
    url = settings.es_url if settings is not None else _es_url(es)
    try:
        es.options(max_retries=0, request_timeout=10).cluster.health()
    except ApiError as exc:
        raise IndexUnavailable(f"Elasticsearch not reachable at {url} ({_reason(exc)})") from exc
    except TransportError as exc:
        raise IndexUnavailable(f"Elasticsearch not reachable at {url} ({_reason(exc)})") from exc


def _translate_connection_errors(func):
    """Connection-level failures become IndexUnavailable (one clear line for the CLI)."""

    @functools.wraps(func)
    def wrapper(es: Elasticsearch, *args, **kwargs):
        try:
            return func(es, *args, **kwargs)
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise _unavailable(es, exc) from exc

    return wrapper


# --------------------------------------------------------------------------- index + alias


def load_mapping() -> dict[str, Any]:
    """mappings/documents.json: {"_meta": {"version": N, ...}, "settings": {...}, "mappings": {...}}."""
    with MAPPING_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def mapping_version(mapping: dict[str, Any] | None = None) -> int:
    return int((mapping or load_mapping())["_meta"]["version"])


def index_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def alias_indices(es: Elasticsearch, alias: str) -> list[str]:
    """Concrete indices behind `alias` (sorted; empty when the alias does not exist)."""
    if not es.indices.exists_alias(name=alias):
        return []
    return sorted(es.indices.get_alias(name=alias).body.keys())


@_translate_connection_errors
def ensure_index(es: Elasticsearch, alias: str) -> str:
    """Return the index behind `alias`, creating `<alias>-v<version>` and the alias when missing.

    Idempotent and safe against a concurrent caller doing the same. When the alias already
    points at an older version, that index is returned as is (moving the alias is a reindex job).
    """
    existing = alias_indices(es, alias)
    if existing:
        return _pick_write_index(es, alias, existing)
    if es.indices.exists(index=alias):
        raise RuntimeError(f"{alias!r} is a concrete index, not an alias; refusing to use it as the govpub alias")

    mapping = load_mapping()
    name = index_name(alias, mapping_version(mapping))
    mappings = dict(mapping["mappings"])
    mappings["_meta"] = mapping["_meta"]
    try:
        es.indices.create(
            index=name,
            settings=mapping["settings"],
            mappings=mappings,
            aliases={alias: {"is_write_index": True}},
        )
    except ApiError as exc:
        if _error_type(exc) != "resource_already_exists_exception":
            raise
        # Someone else created it (or a previous run died before the alias existed).
        if not alias_indices(es, alias):
            es.indices.put_alias(index=name, name=alias, is_write_index=True)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
    return name


def _pick_write_index(es: Elasticsearch, alias: str, indices: list[str]) -> str:
    if len(indices) == 1:
        return indices[0]
    info = es.indices.get_alias(name=alias).body
    for name, data in info.items():
        if data.get("aliases", {}).get(alias, {}).get("is_write_index"):
            return name
    return indices[-1]


def _error_type(exc: ApiError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    return (body.get("error") or {}).get("type") if isinstance(body.get("error"), dict) else None


@_translate_connection_errors
def count(es: Elasticsearch, alias: str) -> int:
    """Documents behind `alias` (0 when the alias does not exist yet)."""
    try:
        return int(es.count(index=alias)["count"])
    except NotFoundError:
        return 0


@_translate_connection_errors
def refresh(es: Elasticsearch, alias: str) -> None:
    es.indices.refresh(index=alias)


def delete_alias_and_indices(es: Elasticsearch, alias: str) -> None:
    """Delete the alias and every versioned index `<alias>-v*` (tests, `govpub index --reset`)."""
    names = set(alias_indices(es, alias))
    found = es.indices.get(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True).body
    names.update(found.keys())
    for name in sorted(names):
        es.options(ignore_status=404).indices.delete(index=name)


# --------------------------------------------------------------------------- indexing

_YEAR_RE = re.compile(r"^(\d{4})-")


def to_es_source(doc: Document, overlay: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `_source` indexed for `doc`: Document.to_dict() plus the index-only fields (the one place).

    `overlay` carries what the archive knows beyond this version (cluster, status, version);
    without it the document stands alone: active, version 1, its own cluster.
    """
    source = doc.to_dict()
    # Search is script-insensitive because both sides are simplified: queries are converted in
    # govpub.query, the parser stores body/title/source simplified, and the short fields are
    # converted again here so documents from any parser version facet and match the same way.
    for name in ("title", "source"):
        if source.get(name):
            source[name] = to_simplified(source[name])
    for attachment in source.get("attachments") or ():
        for name in ("name", "text"):
            if attachment.get(name):
                attachment[name] = to_simplified(attachment[name])
    match = _YEAR_RE.match(doc.publish_date or "")
    source["publish_year"] = int(match.group(1)) if match else None
    source.update(
        {"version": 1, "status": "active", "status_date": None, "cluster": doc.id, "canonical_id": doc.id,
         "is_canonical": True, "cluster_size": 1}
    )
    if overlay:
        unknown = set(overlay) - set(INDEX_ONLY_FIELDS)
        if unknown:
            raise ValueError(f"not index-only fields: {sorted(unknown)}")
        source.update(overlay)
    return source


@dataclass
class BulkResult:
    indexed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  #: {"id", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _actions(
    alias: str, docs: Iterable[Document], overlays: dict[str, dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    for doc in docs:
        overlay = (overlays or {}).get(doc.id)
        yield {"_op_type": "index", "_index": alias, "_id": doc.id, "_source": to_es_source(doc, overlay)}


def _item_reason(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    reason = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    caused = error.get("caused_by")
    if isinstance(caused, dict) and caused.get("reason"):
        reason += f" (caused by {caused.get('type', '')}: {caused['reason']})"
    return reason


@_translate_connection_errors
def bulk_index(
    es: Elasticsearch,
    alias: str,
    docs: Iterable[Document],
    refresh: bool = False,
    overlays: dict[str, dict[str, Any]] | None = None,
) -> BulkResult:
    """Index `docs` through `alias` with `_id = doc.id` (re-runs overwrite, never duplicate).

    One bad document never raises: its error is reported in `BulkResult.errors`.
    429 (too many requests) responses are retried with backoff by streaming_bulk.
    """
    # Never let an index request auto-create a concrete index named like the alias (dynamic mapping).
    ensure_index(es, alias)
    result = BulkResult()
    for ok, item in helpers.streaming_bulk(
        es,
        _actions(alias, docs, overlays),
        chunk_size=BULK_CHUNK_SIZE,
        raise_on_error=False,
        max_retries=5,
        initial_backoff=1,
        max_backoff=30,
    ):
        info = item.get("index", item) if isinstance(item, dict) else {}
        if ok:
            result.indexed += 1
        else:
            result.errors.append({"id": str(info.get("_id")), "reason": _item_reason(info.get("error"))})
    if refresh:
        es.indices.refresh(index=alias)
    return result


@_translate_connection_errors
def update_overlays(es: Elasticsearch, alias: str, overlays: dict[str, dict[str, Any]], refresh: bool = True) -> int:
    """Partial updates of index-only fields (status, cluster …); documents not indexed yet are skipped."""
    actions = (
        {"_op_type": "update", "_index": alias, "_id": doc_id, "doc": overlay}
        for doc_id, overlay in overlays.items()
    )
    updated = 0
    for ok, item in helpers.streaming_bulk(es, actions, chunk_size=BULK_CHUNK_SIZE, raise_on_error=False):
        info = item.get("update", {}) if isinstance(item, dict) else {}
        if ok:
            updated += 1
        elif (info.get("error") or {}).get("type") != "document_missing_exception":
            raise RuntimeError(f"index update of {info.get('_id')} failed: {_item_reason(info.get('error'))}")
    if refresh and overlays:
        es.indices.refresh(index=alias)
    return updated


# --------------------------------------------------------------------------- search


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
    version: int | None = None
    cluster: str | None = None
    cluster_size: int | None = None
    copies: list[dict[str, Any]] = field(default_factory=list)  #: other documents of its cluster (collapse)


@dataclass
class SearchResult:
    total: int
    took_ms: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    groups: int | None = None  #: distinct duplicate clusters among the matches (collapse only)
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


def _run_search(es: Elasticsearch, alias: str, body: dict[str, Any]) -> Any | None:
    try:
        return es.search(index=alias, **body)
    except NotFoundError:
        return None  # nothing indexed yet under this alias
    except ApiError as exc:
        if exc.meta.status == 400:
            raise _bad_request(exc) from exc
        raise


_ADJACENT_MARKS = HIGHLIGHT_POST + HIGHLIGHT_PRE


def _merge_marks(snippet: str) -> str:
    # The .exact subfields hold one token per character, so a phrase comes back as
    # <em>课</em><em>后</em>…: adjacent marks become one, <em>课后服务</em>.
    return snippet.replace(_ADJACENT_MARKS, "")


def parse_hit(h: dict[str, Any]) -> Hit:
    src = h.get("_source", {})
    hl = h.get("highlight", {})
    title_hl = hl.get(HIGHLIGHT_FIELDS["title"], [None])[0]
    title_hl = _merge_marks(title_hl) if title_hl else None
    snippets = [_merge_marks(s) for s in (*hl.get(HIGHLIGHT_FIELDS["body"], ()), *hl.get(HIGHLIGHT_FIELDS["attachments"], ()))]
    copies = []
    inner = h.get("inner_hits", {}).get("copies", {}).get("hits", {})
    for c in inner.get("hits", []):
        csrc = c.get("_source", {})
        if csrc.get("id", c.get("_id")) != src.get("id", h.get("_id")):
            copies.append({k: csrc.get(k) for k in ("id", "url", "site", "title", "publish_date")})
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
        version=src.get("version"),
        cluster=src.get("cluster"),
        cluster_size=src.get("cluster_size"),
        copies=copies,
    )


def read_search_response(resp: Any | None, params: SearchParams) -> SearchResult:
    sort = params.effective_sort()
    if resp is None:
        return SearchResult(total=0, took_ms=0, offset=params.offset, size=params.size, sort=sort)
    total = resp["hits"]["total"]
    aggs = resp.get("aggregations") or {}
    return SearchResult(
        total=int(total["value"] if isinstance(total, dict) else total),
        took_ms=int(resp.get("took", 0)),
        hits=[parse_hit(h) for h in resp["hits"]["hits"]],
        facets=read_facets(aggs) if params.facets else {},
        groups=int(aggs["clusters"]["value"]) if params.collapse and "clusters" in aggs else None,
        offset=params.offset,
        size=params.size,
        sort=sort,
    )


@_translate_connection_errors
def search(es: Elasticsearch, alias: str, query: str | SearchParams = "", **kwargs) -> SearchResult:
    """Run one search. `query` is user text (kwargs: SearchParams fields) or a SearchParams.

    Raises QueryError for input that cannot be searched (also when Elasticsearch answers 400).
    """
    params = query if isinstance(query, SearchParams) else SearchParams.make(query, **kwargs)
    return read_search_response(_run_search(es, alias, build_search(params)), params)


# --------------------------------------------------------------------------- documents


@_translate_connection_errors
def get_document(es: Elasticsearch, alias: str, doc_id: str) -> dict[str, Any] | None:
    """The indexed `_source` of one document (an ids query works on an alias over several indices)."""
    resp = _run_search(es, alias, {"query": {"ids": {"values": [doc_id]}}, "size": 1})
    hits = resp["hits"]["hits"] if resp is not None else []
    return hits[0]["_source"] if hits else None


@_translate_connection_errors
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


# --------------------------------------------------------------------------- export

EXPORT_BATCH = 500


@_translate_connection_errors
def iter_export(es: Elasticsearch, alias: str, params: SearchParams, *, batch: int = EXPORT_BATCH,
                source_excludes: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every matching document's `_source`, in the search's order, however many there are.

    Pages with a point in time + search_after (consistent while it runs; no result-window limit).
    The point in time is closed when the iterator finishes or is closed early.
    """
    body = export_body(params)
    try:
        pit = es.open_point_in_time(index=alias, keep_alive="2m")["id"]
    except NotFoundError:
        return
    except ApiError as exc:
        if exc.meta.status == 400:
            raise _bad_request(exc) from exc
        raise
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
            try:
                resp = es.search(**request)
            except ApiError as exc:
                if exc.meta.status == 400:
                    raise _bad_request(exc) from exc
                raise
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


@_translate_connection_errors
def series(es: Elasticsearch, alias: str, params: SearchParams, *, agencies: int = 30,
           doc_types: int = 30) -> list[dict[str, Any]]:
    """Documents grouped by agency, then doc_type, each group ordered by the year it is about.

    Returns [{"agency", "count", "years": [2019, …], "series": [{"doc_type", "count",
    "documents": [{id, title, year, publish_date, url, site}, … oldest first]}]}], biggest agency
    first. The agency is the site registry's (`agency`), else the page's `source`.
    `params` filters as in search (q, site, doc_type, year, dates…); with `collapse`, only each
    cluster's canonical copy is listed.
    """
    extra = [{"term": {"is_canonical": True}}] if params.collapse else []
    top = {
        "top_hits": {
            "size": SERIES_DOCS_PER_TYPE,
            "sort": [{"year": {"order": "asc", "missing": "_last"}}, {"publish_date": {"order": "asc", "missing": "_last"}}],
            "_source": ["id", "title", "year", "publish_year", "publish_date", "url", "site", "doc_number"],
        }
    }
    by_type = {"terms": {"field": "doc_type", "size": doc_types}, "aggs": {"docs": top}}
    body = {
        "query": query_clause(params, extra_filters=extra),
        "size": 0,
        "aggs": {
            "agency": {"terms": {"field": "agency", "size": agencies}, "aggs": {"types": by_type}},
            "no_agency": {
                "filter": {"bool": {"must_not": [{"exists": {"field": "agency"}}]}},
                "aggs": {"source": {"terms": {"field": "source", "size": agencies}, "aggs": {"types": by_type}}},
            },
        },
    }
    resp = _run_search(es, alias, body)
    if resp is None:
        return []
    aggs = resp["aggregations"]
    buckets = list(aggs["agency"]["buckets"]) + list(aggs["no_agency"]["source"]["buckets"])
    groups = []
    for bucket in buckets:
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
                             "site": src.get("site"), "doc_number": src.get("doc_number")})
            docs.sort(key=lambda d: (d["year"] is None, d["year"] or 0, d["publish_date"] or ""))
            types.append({"doc_type": tb["key"], "count": tb["doc_count"], "documents": docs})
        groups.append({"agency": bucket["key"], "count": bucket["doc_count"], "years": sorted(years),
                       "series": types})
    groups.sort(key=lambda g: -g["count"])
    return groups


# --------------------------------------------------------------------------- output


_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render_highlight(snippet: str, *, ansi: bool = False) -> str:
    """HTML-escaped snippet with <em> marks → terminal text (【】 or ANSI bold); newlines → " ⏎ "."""
    start, end = (_BOLD, _RESET) if ansi else ("【", "】")
    text = snippet.replace(HIGHLIGHT_PRE, "\x00").replace(HIGHLIGHT_POST, "\x01")
    text = html.unescape(text).replace("\x00", start).replace("\x01", end)
    return " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip())


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide/fullwidth characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """`text` cut (with …) or padded to exactly `width` terminal columns."""
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - (1 if display_width(text) > width else 0):
            out.append("…")
            used += 1
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * max(0, width - used)


def format_hits_table(result: SearchResult, *, ansi: bool | None = None, width: int | None = None) -> str:
    """Human-readable result list for the CLI (ANSI bold marks when stdout is a TTY).

    One row per hit — rank, score, date, site, type, title — then its URL and snippets.
    """
    import shutil

    if ansi is None:
        ansi = sys.stdout.isatty()
    width = width or max(80, min(160, shutil.get_terminal_size((120, 24)).columns))
    first, last = result.offset + 1, result.offset + len(result.hits)
    groups = f", {result.groups} clusters" if result.groups is not None else ""
    shown = f"; showing {first}–{last}" if result.hits else ""
    lines = [f"{result.total} result(s){groups} in {result.took_ms} ms (sorted by {result.sort}){shown}"]
    if result.hits:
        head = f"{'#':>4}  {'score':>6}  {'date':<10}  {fit('site', 12)}  {fit('type', 8)}  title"
        lines.append(head if not ansi else f"{_DIM}{head}{_RESET}")
    title_width = max(20, width - 50)
    for rank, hit in enumerate(result.hits, start=first):
        score = f"{hit.score:6.2f}" if hit.score is not None else "     -"
        title = render_highlight(hit.title_highlight, ansi=False) if hit.title_highlight else hit.title
        title = fit(title, title_width).rstrip()
        if ansi and hit.title_highlight:
            title = title.replace("【", _BOLD).replace("】", _RESET)
        extra = f"  (+{len(hit.copies)} copies)" if hit.copies else ""
        lines.append(
            f"{rank:>4}. {score}  {hit.publish_date or '----------':<10}  {fit(hit.site, 12)}  "
            f"{fit(hit.doc_type or '', 8)}  {title}{extra}"
        )
        lines.append(f"      {hit.url}")
        for snippet in hit.highlights:
            lines.append(f"        … {render_highlight(snippet, ansi=ansi)} …")
    return "\n".join(lines)


def format_facets(facets: dict[str, list[dict[str, Any]]], *, limit: int = 6) -> str:
    """One line per facet: `doc_type: 工作要点 7 · 通知 5 · …`."""
    lines = []
    for name, values in facets.items():
        if values:
            items = " · ".join(f"{v['value']} {v['count']}" for v in values[:limit])
            more = f" · (+{len(values) - limit})" if len(values) > limit else ""
            lines.append(f"  {name}: {items}{more}")
    return "\n".join(lines)
