"""Public data types of the parser: what goes in (pages, attachment files) and what comes out."""

from __future__ import annotations

from dataclasses import dataclass

# Bump when the output for the same input bytes may change (re-parse triggers downstream).
PARSER_VERSION = "1.4.0"


class ParseError(ValueError):
    """The input cannot be turned into an article (empty, not HTML, no body text...)."""


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    content_type: str | None = None  #: HTTP Content-Type header as fetched


@dataclass(frozen=True)
class AttachmentFile:
    url: str
    body: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class ParsedAttachment:
    url: str  #: absolute URL
    name: str  #: link text as printed on the page
    content_type: str | None
    text: str | None  #: extracted text (simplified), when bytes were given and the format is supported


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    publish_date: str | None  #: YYYY-MM-DD
    source: str | None
    doc_number: str | None  #: 发文字号
    index_no: str | None  #: 索引号
    body: str  #: simplified Chinese, one paragraph per line, no blank lines
    truncated: bool  #: the page carries only part of the text (paywall, cut-off)
    script: str  #: "hans" | "hant": script of the original page
    doc_type: str  #: 工作要点, 工作总结, 通知, ... or "other"
    attachments: tuple[ParsedAttachment, ...]
    placeholders: bool  #: anonymised template text (xx市, xxxx年, 20**年, XX) present
    year: int | None = None  #: the year the document is about when stated (2024年工作要点 → 2024)
