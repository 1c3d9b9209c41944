"""Response shapes of the search API (documentation: they feed /openapi.json).

Handlers return JSON directly (no per-request validation cost); tests/integration check
that the responses match these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    error: str = Field(description="one line saying what is wrong")


class Copy(BaseModel):
    id: str
    url: str | None = None
    site: str | None = None
    title: str | None = None
    publish_date: str | None = None
    is_canonical: bool | None = Field(None, description="the cluster's official copy")


class SearchHit(BaseModel):
    id: str
    title: str
    title_highlight: str | None = Field(None, description="HTML-escaped title, matches in <em>…</em>")
    url: str
    site: str
    source: str | None = None
    agency: str | None = None
    region: str | None = None
    publish_date: str | None = None
    year: int | None = Field(None, description="the year the document is about (else its publish year)")
    doc_type: str | None = None
    doc_number: str | None = None
    status: str | None = None
    status_date: str | None = Field(None, description="YYYY-MM-DD it was first seen taken down")
    fetched_at: str | None = Field(None, description="when its latest version was fetched")
    version: int | None = None
    cluster: str | None = None
    cluster_size: int | None = None
    is_canonical: bool | None = Field(None, description="the official copy of its duplicate cluster")
    canonical_id: str | None = Field(None, description="id of its cluster's official copy")
    score: float | None = Field(None, description="relevance score; null when sorted by date")
    highlights: list[str] = Field(default_factory=list, description="HTML-escaped snippets, matches in <em>…</em>")
    copies: list[Copy] = Field(default_factory=list, description="also published at: other matching documents "
                               "of its cluster, official first (collapsed results; at most 5)")
    copies_total: int = Field(0, description="other documents in its cluster, listed or not (collapsed results)")
    attribution: dict[str, Any] | None = Field(None, description="a repost of an official document: the official "
                                               "copy's canonical_id, agency, region, doc_number (as indexed: "
                                               "attributed_*)")


class FacetValue(BaseModel):
    value: str | int
    count: int = Field(description="matching documents with this value")
    clusters: int | None = Field(None, description="distinct duplicate clusters among them (collapsed results)")


class SearchResponse(BaseModel):
    query: str
    total: int = Field(description="matching documents (every copy counts)")
    groups: int | None = Field(None, description="distinct duplicate clusters among them (collapse=true): "
                               "the number of results a collapsed list holds")
    collapsed: bool = Field(description="one hit per duplicate cluster (the default; collapse=false lists every copy)")
    counts: str = Field("documents", description="what `total` and facet `count`s count")
    took_ms: int
    page: int
    size: int
    pages: int
    sort: str
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]] = Field(
        description="counts per value among the matches: site, agency, source, region, doc_type, status, year "
                    "(agency and region as attributed: a repost of an official document counts under its issuer)"
    )


class RawLocation(BaseModel):
    bucket: str
    key: str
    offset: int
    length: int
    record_id: str | None = None
    url: str | None = None
    s3_uri: str
    download: str = Field(description="API path that returns this WARC record (gzip member)")
    capture: str | None = Field(None, description="API path of the page as captured (sandboxed HTML view)")


class Provenance(BaseModel):
    url: str
    page_urls: list[str]
    fetched_at: str | None
    parser_version: str | None
    raw: RawLocation | None
    archived_document: str = Field(description="s3:// URI of the normalised document JSON")
    attachments: list[dict[str, Any]]
    cluster: dict[str, Any]
    versions: dict[str, Any]


class Attribution(BaseModel):
    canonical_id: str = Field(description="the official copy this repost duplicates")
    site: str | None = Field(None, description="the official copy's site (from the cluster's members)")
    url: str | None = None
    agency: str | None = Field(None, description="the official copy's agency: who issued the document")
    region: str | None = None
    doc_number: str | None = None


class DocumentResponse(BaseModel):
    document: dict[str, Any] = Field(description="the indexed document (govpub.schema.Document + index-only fields)")
    attribution: Attribution | None = Field(None, description="for a repost of an official document: its origin")
    provenance: Provenance


class SeriesDocument(BaseModel):
    id: str
    title: str | None
    year: int | None
    publish_date: str | None
    url: str | None
    site: str | None
    doc_number: str | None = None
    cluster: str | None = Field(None, description="its duplicate cluster")
    copies: list[Copy] = Field(default_factory=list, description="the cluster's other documents: reposts found "
                               "on other sites (collapse, the default)")
    copies_total: int = Field(0, description="how many other documents its cluster has")


class SeriesType(BaseModel):
    doc_type: str
    count: int
    documents: list[SeriesDocument]


class SeriesGroup(BaseModel):
    agency: str
    count: int
    years: list[int]
    series: list[SeriesType]


class SeriesResponse(BaseModel):
    groups: list[SeriesGroup]
