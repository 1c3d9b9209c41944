"""Elasticsearch side of govpub: mapping, versioned index behind an alias, bulk indexing, search.

Layout: documents live in a concrete index `<alias>-v<N>` (N = `_meta.version` of
mappings/documents.json); readers and writers only ever use the alias. A mapping change bumps
the version, so a new index is created next to the old one and the alias is moved after reindexing.

Chinese text: this Elasticsearch distribution has no analysis-common module (no `cjk` analyzer,
no ngram filters). `title`/`body` use `zh_bigram` (standard tokenizer = one token per CJK char,
then shingles of 2 joined with ""), i.e. overlapping bigrams; the `.exact` subfields keep
single-character tokens so quoted phrases match exactly as written (match_phrase).

User query text never goes through `query_string`: `build_query` turns it into match /
multi_match / match_phrase clauses, which analyse text and have no query syntax.
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Iterable, Iterator

from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError

from govpub.config import REPO_ROOT, Settings
from govpub.schema import INDEX_ONLY_FIELDS, Document

MAPPING_PATH = REPO_ROOT / "mappings" / "documents.json"

#: fields added by `to_es_source` that are not on `Document` (tests/unit/test_schema_mapping.py)
DERIVED_FIELDS = tuple(INDEX_ONLY_FIELDS)

BULK_CHUNK_SIZE = 500

#: searched by unquoted words (zh_bigram analysed) and, for exact phrases, their `.exact` subfields
TEXT_FIELDS = ("title^3", "body", "attachments.text^0.5")
EXACT_FIELDS = ("title.exact^3", "body.exact", "attachments.text.exact^0.5")

HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"

_HIT_SOURCE_FIELDS = ["id", "title", "url", "site", "source", "publish_date", "doc_type"]


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


# --------------------------------------------------------------------------- query building


@dataclass(frozen=True)
class ParsedQuery:
    phrases: tuple[str, ...] = ()  #: "quoted parts"
    words: tuple[str, ...] = ()  #: unquoted words
    excluded: tuple[str, ...] = ()  #: -word or -"phrase"

    @property
    def empty(self) -> bool:
        return not (self.phrases or self.words)


_t2s = None


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s); other text is returned unchanged."""
    global _t2s
    if _t2s is None:
        import opencc

        _t2s = opencc.OpenCC("t2s")
    return _t2s.convert(text)


# ASCII and CJK quotes: "…", “…”, 「…」, 『…』
_QUOTE_PAIRS = {'"': '"', "\u201c": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}
_ALL_QUOTES = set(_QUOTE_PAIRS) | set(_QUOTE_PAIRS.values())


def _searchable(text: str) -> bool:
    """True when the analyser would keep something (letters, digits, CJK) — pure punctuation is dropped."""
    return any(ch.isalnum() for ch in text)


def parse_query(text: str) -> ParsedQuery:
    """Split user text into quoted phrases, plain words and -exclusions (after t2s conversion).

    Unbalanced quotes are treated as plain text; characters with meaning in Lucene syntax
    (`*`, `(`, `\\`, `:` …) are plain text too — the analyser drops them.
    """
    text = to_simplified(text or "").replace("\u3000", " ")
    phrases: list[str] = []
    words: list[str] = []
    excluded: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negate = ch in "-\uff0d" and i + 1 < n and not text[i + 1].isspace()
        start = i + 1 if negate else i
        opener = text[start] if start < n else ""
        closer = _QUOTE_PAIRS.get(opener)
        end = text.find(closer, start + 1) if closer else -1
        if closer and end != -1:
            part, i = text[start + 1 : end].strip(), end + 1
            if _searchable(part):
                (excluded if negate else phrases).append(" ".join(part.split()))
            continue
        # a plain word runs to the next whitespace; stray quote characters are dropped
        j = start
        while j < n and not text[j].isspace():
            j += 1
        # stray (unbalanced) quote characters separate words
        parts, i = "".join(" " if c in _ALL_QUOTES else c for c in text[start:j]).split(), j
        for k, part in enumerate(parts):
            if _searchable(part):
                (excluded if negate and k == 0 else words).append(part)
    return ParsedQuery(tuple(phrases), tuple(words), tuple(excluded))


def _word_clause(word: str) -> dict[str, Any]:
    # Bigram match (all bigrams of the word, in any field's best match) OR the exact
    # character sequence: the exact leg rescues single characters and Latin words, which
    # only exist as unigrams in the `.exact` subfields.
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
    return {"multi_match": {"query": phrase, "fields": list(EXACT_FIELDS), "type": "phrase"}}


def _date(value: str | date | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def build_query(
    query: str,
    *,
    site: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    size: int = 10,
    offset: int = 0,
) -> dict[str, Any]:
    """The search request body for `search` (pure function; no client needed).

    Returns keyword arguments for `Elasticsearch.search`: query, sort (only without
    positive terms), highlight, from_, size, track_total_hits, _source.
    """
    parsed = parse_query(query)
    must: list[dict[str, Any]] = [_phrase_clause(p) for p in parsed.phrases]
    must += [_word_clause(w) for w in parsed.words]
    must_not = [_phrase_clause(x) for x in parsed.excluded]
    filters: list[dict[str, Any]] = []
    if site:
        filters.append({"term": {"site": site}})
    date_range = {k: v for k, v in (("gte", _date(date_from)), ("lte", _date(date_to))) if v}
    if date_range:
        filters.append({"range": {"publish_date": {**date_range, "format": "yyyy-MM-dd"}}})

    bool_query: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if must_not:
        bool_query["must_not"] = must_not
    if filters:
        bool_query["filter"] = filters

    body: dict[str, Any] = {
        "query": {"bool": bool_query},
        "highlight": _highlight(),
        "from_": max(0, int(offset)),
        "size": max(0, int(size)),
        "track_total_hits": True,
        "source_includes": list(_HIT_SOURCE_FIELDS),
    }
    if parsed.empty:
        body["sort"] = [{"publish_date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
    return body


def _highlight() -> dict[str, Any]:
    return {
        "type": "unified",
        "encoder": "html",
        "pre_tags": [HIGHLIGHT_PRE],
        "post_tags": [HIGHLIGHT_POST],
        "fragment_size": 80,
        "number_of_fragments": 3,
        "fields": {
            # matched_fields: bigram and exact-phrase matches both show up in the one body snippet
            "body": {"matched_fields": ["body", "body.exact"], "no_match_size": 80},
            "title": {"matched_fields": ["title", "title.exact"], "number_of_fragments": 0},
            "attachments.text": {"matched_fields": ["attachments.text", "attachments.text.exact"]},
        },
    }


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


@dataclass
class SearchResult:
    total: int
    took_ms: int
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@_translate_connection_errors
def search(
    es: Elasticsearch,
    alias: str,
    query: str,
    *,
    site: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    size: int = 10,
    offset: int = 0,
) -> SearchResult:
    body = build_query(query, site=site, date_from=date_from, date_to=date_to, size=size, offset=offset)
    try:
        resp = es.search(index=alias, **body)
    except NotFoundError:
        return SearchResult(total=0, took_ms=0, hits=[])  # nothing indexed yet under this alias
    hits = []
    for h in resp["hits"]["hits"]:
        src = h.get("_source", {})
        hl = h.get("highlight", {})
        title_hl = hl.get("title", [None])[0]
        snippets = list(hl.get("body", [])) + list(hl.get("attachments.text", []))
        hits.append(
            Hit(
                id=src.get("id") or h["_id"],
                title=src.get("title", ""),
                url=src.get("url", ""),
                site=src.get("site", ""),
                source=src.get("source"),
                publish_date=src.get("publish_date"),
                doc_type=src.get("doc_type"),
                score=h.get("_score"),
                highlights=snippets,
                title_highlight=title_hl if title_hl and HIGHLIGHT_PRE in title_hl else None,
            )
        )
    total = resp["hits"]["total"]
    return SearchResult(
        total=int(total["value"] if isinstance(total, dict) else total),
        took_ms=int(resp.get("took", 0)),
        hits=hits,
    )


# --------------------------------------------------------------------------- output


_BOLD, _RESET = "\033[1m", "\033[0m"


def render_highlight(snippet: str, *, ansi: bool = False) -> str:
    """HTML-escaped snippet with <em> marks → terminal text (【】 or ANSI bold); newlines → " ⏎ "."""
    start, end = (_BOLD, _RESET) if ansi else ("【", "】")
    text = snippet.replace(HIGHLIGHT_PRE, "\x00").replace(HIGHLIGHT_POST, "\x01")
    text = html.unescape(text).replace("\x00", start).replace("\x01", end)
    return " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip())


def format_hits_table(result: SearchResult, *, ansi: bool | None = None) -> str:
    """Human-readable result list for the CLI (ANSI bold marks when stdout is a TTY)."""
    if ansi is None:
        ansi = sys.stdout.isatty()
    lines = [f"{result.total} result(s) in {result.took_ms} ms"]
    for rank, hit in enumerate(result.hits, start=1):
        score = f"{hit.score:6.2f}" if hit.score is not None else "     -"
        title = render_highlight(hit.title_highlight, ansi=ansi) if hit.title_highlight else hit.title
        lines.append(f"{rank:>3}. {score}  {hit.publish_date or '----------'}  {hit.site}  {title}")
        lines.append(f"     {hit.url}")
        for snippet in hit.highlights:
            lines.append(f"       … {render_highlight(snippet, ansi=ansi)} …")
    return "\n".join(lines)
