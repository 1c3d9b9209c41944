"""Pure parser: raw page bytes of one article -> ParsedArticle.

No network, no storage clients, no global mutable state. Stages (trafilatura-like):
decode (bytes -> str) -> extract (fields + main container) -> clean (boilerplate)
-> normalise (t2s, whitespace, dates) -> attachments (PDF text).
"""

from parsers.article import parse_article
from parsers.template import Template, learn_template
from parsers.model import (
    PARSER_VERSION,
    AttachmentFile,
    Page,
    ParsedArticle,
    ParsedAttachment,
    ParseError,
)

__all__ = [
    "PARSER_VERSION",
    "AttachmentFile",
    "Page",
    "ParsedArticle",
    "ParsedAttachment",
    "ParseError",
    "Template",
    "learn_template",
    "parse_article",
]
