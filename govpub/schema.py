"""The document schema: the one place that says what a govpub document is.

Everything else derives from or is checked against these classes:

- derived: the JSON written to S3 (`Document.to_json`), the `govpub parse` output, the
  Parquet columns of the export (`govpub.archive.export.arrow_schema`);
- checked by unit tests: the Elasticsearch mappings (`mappings/*.json`,
  tests/unit/test_schema_mapping.py), the JSON Schemas of the archive contract
  (`schemas/document.schema.json`, `schemas/site-stats.schema.json`) and the search
  API's models, `Hit` and the fields a search fetches (tests/unit/test_schema_contracts.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any


# Bump on any change to the JSON shape of Document (docs/archive.md lists the history).
SCHEMA_VERSION = 1


def doc_id_for(url: str) -> str:
    """Stable document id: derived from the canonical URL of the article's first page.

    Re-crawling, re-parsing or re-indexing the same article always yields the same id,
    so S3 keys and Elasticsearch `_id`s overwrite instead of duplicating.
    """
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:24]


def canonical_url(url: str) -> str:
    """URL normalised for identity: scheme/host lower-cased, fragment dropped, default ports dropped."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, parts.query, ""))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class RawRef:
    """Where the raw bytes a document was parsed from live in the archive."""

    key: str  #: S3 key of the gzip WARC file
    offset: int  #: byte offset of the response record (gzip member) in that file
    length: int  #: byte length of that gzip member
    record_id: str  #: WARC-Record-ID of the response record
    url: str  #: target URI of that record


@dataclass(frozen=True, kw_only=True)
class Attachment:
    url: str
    name: str  #: link text as printed on the page (e.g. "附件1：2024年工作要点.pdf")
    content_type: str | None = None
    sha256: str | None = None  #: of the raw bytes, when fetched
    text: str | None = None  #: extracted text (simplified Chinese), when the format is supported
    raw: RawRef | None = None


@dataclass(frozen=True, kw_only=True)
class Document:
    """One article, normalised.

    Text fields hold simplified Chinese with one paragraph per line. Dates are ISO
    `YYYY-MM-DD` or None when the page does not state one (never guessed).
    """

    id: str  #: doc_id_for(url)
    url: str  #: canonical URL of the first page of the article
    site: str  #: site id from the registry (e.g. "longwan-jyj")
    title: str
    publish_date: str | None  #: YYYY-MM-DD
    source: str | None  #: issuing agency as printed on the page (来源 / 发布机构)
    doc_number: str | None  #: 发文字号, e.g. "温龙教〔2024〕12号"
    index_no: str | None  #: 索引号
    body: str  #: clean text, simplified Chinese, one paragraph per line
    truncated: bool = False  #: True when the page only carries part of the text (paywall, cut-off)
    attachments: tuple[Attachment, ...] = ()
    fetched_at: str  #: ISO 8601 UTC time the first page was fetched
    parser_version: str
    raw: RawRef | None  #: the first page's raw WARC record
    body_sha256: str  #: sha256 of `body` (utf-8)
    # Extra fields the parser fills in; all optional so older JSON still loads.
    page_urls: tuple[str, ...] = ()  #: every page the article was stitched from, in order
    script: str = "hans"  #: script of the original page: "hans" (simplified) or "hant" (traditional)
    doc_type: str = "other"  #: 工作要点, 工作总结, 工作计划, 通知, 意见, … or "other"
    placeholders: bool = False  #: anonymised template text (xx市, xxxx年, 20**年, XX) present
    agency: str | None = None  #: agency that runs the site (from the registry)
    region: str | None = None  #: region of the agency (from the registry)
    year: int | None = None  #: the year the document is about when stated, else None (never guessed)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["attachments"] = [asdict(a) for a in self.attachments]
        data["page_urls"] = list(self.page_urls)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        raw = values.get("raw")
        values["raw"] = RawRef(**raw) if isinstance(raw, dict) else raw
        values["attachments"] = tuple(
            Attachment(**{**a, "raw": RawRef(**a["raw"]) if a.get("raw") else None})
            for a in values.get("attachments", ())
        )
        values["page_urls"] = tuple(values.get("page_urls", ()))
        return cls(**values)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Document":
        return cls.from_dict(json.loads(text))


DOCUMENT_FIELDS = tuple(f.name for f in fields(Document))

def _described(text: str) -> Any:
    return field(metadata={"description": text})


@dataclass(frozen=True, kw_only=True)
class IndexOnly:
    """Index-only fields: not part of a document version (they change without its content
    changing), set when indexing from the archive's clusters / status records.

    Declared as a class for their types (the Parquet export and the tests read them); the
    index and the export carry them as plain dict entries beside `Document.to_dict()`.
    """

    publish_year: int | None = _described("year of publish_date (facet fallback when `year` is not stated)")
    version: int = _described("number of the latest version of the document (1, 2, …)")
    status: str = _described("\"active\" or \"deleted\" (the page answered 404/410 or left its column)")
    status_date: str | None = _described("YYYY-MM-DD the status was first seen")
    cluster: str = _described("id of the duplicate cluster (the canonical document's id)")
    canonical_id: str = _described("id of the cluster's canonical document (== id for the canonical one)")
    is_canonical: bool = _described("True for the copy search shows when collapsing duplicates")
    cluster_size: int = _described("number of documents in the cluster")
    attributed_agency: str | None = _described(
        "agency the document is attributed to: its cluster's official canonical's, else its own `agency`")
    attributed_region: str | None = _described(
        "region the document is attributed to: its cluster's official canonical's, else its own `region`")
    attributed_doc_number: str | None = _described(
        "文号 the document is attributed to: its cluster's official canonical's, else its own `doc_number`")


#: name → description of each index-only field (`IndexOnly`)
INDEX_ONLY_FIELDS: dict[str, str] = {f.name: f.metadata["description"] for f in fields(IndexOnly)}


#: fields added by `to_es_source` that are not on `Document` (tests/unit/test_schema_mapping.py)
DERIVED_FIELDS = tuple(INDEX_ONLY_FIELDS)

#: attributed field → the document's own field it defaults to (a repost of an official document
#: inherits its issuer's values; an overlay's None means "not attributed: the document's own")
ATTRIBUTED_FROM = {"attributed_agency": "agency", "attributed_region": "region", "attributed_doc_number": "doc_number"}


def resolve_attribution(source: dict[str, Any]) -> dict[str, Any]:
    """Fill each attributed field that is None with the document's own value (in place; returns it)."""
    for attributed, own in ATTRIBUTED_FROM.items():
        if source.get(attributed) is None:
            source[attributed] = source.get(own)
    return source


_YEAR_RE = re.compile(r"^(\d{4})-")


def to_es_source(doc: Document, overlay: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `_source` indexed for `doc`: Document.to_dict() plus the index-only fields (the one place).

    `overlay` carries what the archive knows beyond this version (cluster, status, version);
    without it the document stands alone: active, version 1, its own cluster.
    """
    # the parser package (BeautifulSoup, OpenCC) loads when a document is indexed, not with the schema
    from parsers.normalise import to_simplified

    source = doc.to_dict()
    # Search is script-insensitive because both sides are simplified: queries are converted in
    # govpub.search.query, the parser stores body/title/source simplified, and the short fields are
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
         "is_canonical": True, "cluster_size": 1, **dict.fromkeys(ATTRIBUTED_FROM)}
    )
    if overlay:
        unknown = set(overlay) - set(INDEX_ONLY_FIELDS)
        if unknown:
            raise ValueError(f"not index-only fields: {sorted(unknown)}")
        source.update(overlay)
    return resolve_attribution(source)


def same_content(a: Document, b: Document) -> bool:
    """True when two versions differ only in when/where they were fetched."""
    ignore = {"fetched_at", "raw", "attachments"}
    da = {k: v for k, v in a.to_dict().items() if k not in ignore}
    db = {k: v for k, v in b.to_dict().items() if k not in ignore}
    strip = lambda d: [{k: v for k, v in x.items() if k != "raw"} for x in d]  # noqa: E731
    return da == db and strip(a.to_dict()["attachments"]) == strip(b.to_dict()["attachments"])


#: Bump on any change to the JSON shape of SiteStats (docs/operations.md lists the history).
STATS_SCHEMA_VERSION = 1


@dataclass(kw_only=True)
class SiteStats:
    """What one run did for one site.

    Returned by tasks (XCom) and logged; the complete record (built by `govpub.ops.stats`) is
    stored with the run as `runs/{run_id}/{site}/stats.json` in S3 and in the Elasticsearch
    stats index (`_id` = "{site}@{run_id}", so a re-run overwrites). docs/operations.md
    documents every field; schemas/site-stats.schema.json is its JSON Schema.
    """

    site: str
    pages_fetched: int = 0
    bytes_fetched: int = 0
    articles_found: int = 0
    documents_parsed: int = 0  #: documents parsed this run (new or re-fetched pages)
    documents_written: int = 0  #: new or changed documents written to S3
    documents_unchanged: int = 0
    documents_indexed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  #: {"kind", "url", "message"} (first 50)
    # -- run record fields (additive; all defaulted so older dicts still load) ------------
    schema_version: int = STATS_SCHEMA_VERSION
    run_id: str = ""
    dag_id: str | None = None  #: None when run outside Airflow (`govpub crawl`)
    run_date: str | None = None  #: the run's logical date, YYYY-MM-DD
    recorded_at: str = ""  #: ISO 8601 UTC time the run was first recorded (kept when the run is re-run)
    outcome: str = "completed"  #: "completed" (all four steps ran) or "failed"
    failed_step: str | None = None  #: first step without a result when outcome == "failed"
    full_sweep: bool = True  #: the crawl walked every list page (False: incremental, stopped at known items)
    documents_not_modified: int = 0  #: known articles that answered 304 (incremental crawl): seen, not re-parsed
    documents_seen: int = 0  #: the site's yield this run: documents_parsed + documents_not_modified
    documents_new: int | None = None  #: None when the archive step does not tell new from changed
    documents_changed: int | None = None
    documents_deleted: int | None = None  #: None when the archive step does not track deletions
    errors_total: int = 0
    errors_by_kind: list[dict[str, Any]] = field(default_factory=list)  #: [{"kind", "count"}], sorted by kind
    blocked_pages: int = 0  #: crawl errors whose kind starts with "blocked" (firewall / anti-bot)
    parse_errors: int = 0  #: parse-step errors of kind "parse"
    future_dated: int = 0  #: documents whose publish_date lies after the run date
    empty_bodies: int = 0  #: documents with an empty body
    duration_seconds: float = 0.0  #: crawl + parse + archive + index processing time
    step_seconds: dict[str, float] = field(default_factory=dict)  #: per step, when the step reported it
    quality_ok: bool = True
    quality_issues: list[dict[str, Any]] = field(default_factory=list)  #: [{"check", "message", "value", "threshold"}]
    usual_yield: float | None = None  #: median documents_seen of the site's previous completed runs
    archive_documents: int | None = None  #: the site's documents in the archive after the run (None: not measured)
    index_documents: int | None = None  #: the site's documents in the index after the run (None: index unreachable)
    index_behind: int | None = None  #: archived documents the index lacks, or holds at an older version, after the run

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SiteStats":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
