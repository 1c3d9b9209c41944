"""The search query language: user text → a syntax tree (pure functions).

Syntax (docs/search.md is the user documentation):

    课后 服务              words are ANDed (each word: all its CJK bigrams, or the exact characters)
    "课后服务"  “…” 「…」  exact phrase (match_phrase on the single-character `.exact` subfields)
    课后 OR 托管  课后 | 托管   either
    课后 AND 服务  课后 & 服务  both (the default)
    -收费  NOT 收费        exclude
    (课后 OR 托管) -收费    grouping
    title:要点  title:"工作要点"   only in the title
    site:longwan-jyj  type:通知  year:2024  source:… agency:… region:… number:…   filters

Everything is lenient: unbalanced quotes and parentheses, dangling operators and punctuation
are plain text or ignored, because researchers paste text. A query too long, too deep, with
too many terms or a non-numeric `year:` raises `QueryError` (the API answers 400).
Terms are converted to simplified Chinese (OpenCC t2s), as the indexed text is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from parsers.normalise import to_simplified

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
MAX_DEPTH = 8

#: `name:value` in query text → (kind, indexed field)
QUERY_FIELDS: dict[str, tuple[str, str]] = {
    "title": ("text", "title"),
    "site": ("keyword", "site"),
    "source": ("keyword", "source"),
    # a repost of an official document counts as its issuer's (schema.ATTRIBUTED_FROM)
    "agency": ("keyword", "attributed_agency"),
    "region": ("keyword", "attributed_region"),
    "type": ("keyword", "doc_type"),
    "doc_type": ("keyword", "doc_type"),
    "number": ("keyword", "attributed_doc_number"),
    "doc_number": ("keyword", "attributed_doc_number"),
    "status": ("keyword", "status"),
    "year": ("year", "year"),
}

class QueryError(ValueError):
    """The query or a parameter cannot be searched; the message says why (API: 400)."""


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False  #: quoted: exact character sequence
    field: str | None = None  #: None = full text; else a key of QUERY_FIELDS


@dataclass(frozen=True)
class Not:
    node: "Node"


@dataclass(frozen=True)
class And:
    nodes: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple["Node", ...]


Node = Union[Term, Not, And, Or]


# ASCII and CJK quotes: "…", “…”, 「…」, 『…』
_QUOTE_PAIRS = {'"': '"', "\u201c": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}
_ALL_QUOTES = set(_QUOTE_PAIRS) | set(_QUOTE_PAIRS.values())
_OPERATORS = {"AND": "AND", "&": "AND", "&&": "AND", "OR": "OR", "|": "OR", "||": "OR", "NOT": "NOT"}
_FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)


def _searchable(text: str) -> bool:
    """True when the analyser would keep something (letters, digits, CJK) — pure punctuation is dropped."""
    return any(ch.isalnum() for ch in text)


@dataclass
class _Tok:
    kind: str  #: WORD PHRASE AND OR NOT NEG LP RP
    text: str = ""
    field: str | None = None


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            toks.append(_Tok("LP"))
            i += 1
            continue
        if ch == ")":
            toks.append(_Tok("RP"))
            i += 1
            continue
        if ch in "-\uff0d" and i + 1 < n and not text[i + 1].isspace() and (not toks or toks[-1].kind != "NEG"):
            toks.append(_Tok("NEG"))
            i += 1
            continue
        closer = _QUOTE_PAIRS.get(ch)
        end = text.find(closer, i + 1) if closer else -1
        if closer and end != -1:
            toks.append(_Tok("PHRASE", " ".join(text[i + 1 : end].split())))
            i = end + 1
            continue
        # a plain word runs to whitespace or a parenthesis
        j = i
        while j < n and not text[j].isspace() and text[j] not in "()":
            j += 1
        word = text[i:j]
        if word in _OPERATORS:
            toks.append(_Tok(_OPERATORS[word]))
            i = j
            continue
        match = _FIELD_RE.match(word)
        if match and match.group(1).lower() in QUERY_FIELDS:
            name = match.group(1).lower()
            k = i + len(match.group(1)) + 1  # just after the colon
            closer = _QUOTE_PAIRS.get(text[k]) if k < n else None
            end = text.find(closer, k + 1) if closer else -1
            if closer and end != -1:  # title:"工作 要点" — the field applies to the quoted phrase
                toks.append(_Tok("PHRASE", " ".join(text[k + 1 : end].split()), field=name))
                i = end + 1
                continue
            value = "".join(" " if c in _ALL_QUOTES else c for c in match.group(2)).strip()
            if value:
                toks.append(_Tok("WORD", value, field=name))
            i = j
            continue
        i = j
        # stray (unbalanced) quote characters separate words
        for part in "".join(" " if c in _ALL_QUOTES else c for c in word).split():
            toks.append(_Tok("WORD", part))
    return toks


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks, self.pos, self.terms = toks, 0, 0

    def peek(self) -> str | None:
        return self.toks[self.pos].kind if self.pos < len(self.toks) else None

    def parse(self) -> Node | None:
        nodes = []
        while self.peek() is not None:
            if self.peek() == "RP":  # stray closing parenthesis
                self.pos += 1
                continue
            node = self.or_expr(0)
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def or_expr(self, depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            raise QueryError(f"query nested more than {MAX_DEPTH} parentheses deep")
        options = [self.and_expr(depth)]
        while self.peek() == "OR":
            self.pos += 1
            options.append(self.and_expr(depth))
        options = [o for o in options if o is not None]
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def and_expr(self, depth: int) -> Node | None:
        nodes = []
        while self.peek() not in (None, "OR", "RP"):
            if self.peek() == "AND":
                self.pos += 1
                continue
            node = self.unary(depth)
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def unary(self, depth: int) -> Node | None:
        kind = self.peek()
        if kind in ("NOT", "NEG"):
            self.pos += 1
            if self.peek() in (None, "OR", "RP", "AND"):
                return None  # a dangling NOT / '-' means nothing
            inner = self.unary(depth)
            if inner is None:
                return None
            return inner.node if isinstance(inner, Not) else Not(inner)
        if kind == "LP":
            self.pos += 1
            node = self.or_expr(depth + 1)
            if self.peek() == "RP":
                self.pos += 1
            return node  # a missing ')' closes at the end
        tok = self.toks[self.pos]
        self.pos += 1
        text = to_simplified(tok.text) if tok.field not in ("site", "year") else tok.text
        if not _searchable(text):
            return None
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"query has more than {MAX_TERMS} terms")
        if tok.field == "year" and not re.fullmatch(r"\d{4}", text):
            raise QueryError(f"year:{text} — a year is four digits, e.g. year:2024")
        return Term(text, phrase=tok.kind == "PHRASE", field=tok.field)


def _and(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def parse_query(text: str) -> Node | None:
    """User text → syntax tree (None when nothing searchable is left). Raises QueryError."""
    text = (text or "").replace("\u3000", " ")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query longer than {MAX_QUERY_CHARS} characters")
    return _Parser(_tokenize(text)).parse()


def has_text_terms(node: Node | None) -> bool:
    """True when the tree has a positive full-text term (relevance ranking makes sense)."""
    if node is None:
        return False
    if isinstance(node, Term):
        return node.field in (None, "title")
    if isinstance(node, Not):
        return False
    return any(has_text_terms(n) for n in node.nodes)


