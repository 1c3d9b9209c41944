"""Site-template learning: text blocks that recur across many articles of one site are boilerplate.

`learn_template(articles)` is a pure, order-independent function of the raw page bytes of one
crawl (or any set of pages of one site), so re-parsing from the WARC gives the same template and
the same documents. `parse_article(..., template=t)` then drops body lines the template names,
even when no rule in `clean.py` knows them (a site's own disclaimer, slogan or service blurb).

Lines that recur because documents share a structure are never learned: numbered headings
(一、 （二） 第三条 1.), addressee lines ending in a colon, dates, signatures (agency names),
and short lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from parsers import clean, extract
from parsers.decode import decode_html
from parsers.model import Page
from parsers.normalise import iso_date, strip_pinyin_glosses

MIN_ARTICLES = 3  #: fewer articles than this never yield a template
MIN_SHARE = 0.5  #: a line must appear in at least this share of the articles
MIN_CHARS = 6  #: shorter lines are too generic to learn

_STRUCTURE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十百\d]+[章条节部分]"
    r"|\d{1,2}[.、．](?!\d)|附件\s*\d*\s*[:：]?)"
)
_SIGNATURE = re.compile(r"(?:局|委|办|办公室|府|院|校|学校|会|委员会|室|部|厅|处|中心|园|所|站|队)$")


@dataclass(frozen=True)
class Template:
    """Boilerplate lines of one site (whitespace-free keys) and how many articles taught them.

    `attached` holds recurring (line, next line) pairs of a learnt line and a fragment too short to
    learn alone (`文章来` before `源一流范文网课`: one watermark broken over two lines), so removing
    the learnt line takes its fragment with it instead of leaving half a sentence behind.
    """

    lines: frozenset[str] = frozenset()
    articles: int = 0
    attached: frozenset[tuple[str, str]] = frozenset()

    def is_boilerplate(self, line: str) -> bool:
        return bool(self.lines) and key(line) in self.lines

    def strip(self, lines: list[str]) -> list[str]:
        """`lines` without learnt boilerplate and the fragments that recur attached to it."""
        if not self.lines:
            return lines
        keys = [key(line) for line in lines]
        drop = [k in self.lines for k in keys]
        changed = True
        while changed:  # a fragment may hang on a fragment (a watermark broken over three lines)
            changed = False
            for i in range(len(keys) - 1):
                pair = (keys[i], keys[i + 1])
                if drop[i] != drop[i + 1] and pair in self.attached:
                    drop[i] = drop[i + 1] = changed = True
        return [line for line, d in zip(lines, drop) if not d]


EMPTY = Template()


def key(line: str) -> str:
    return "".join(line.split())


def learnable(line_key: str) -> bool:
    """Could this recurring line be site chrome rather than shared document structure?"""
    if len(line_key) < MIN_CHARS or _STRUCTURE.match(line_key):
        return False
    if line_key.endswith((":", "：")) and len(line_key) <= 30:
        return False  # addressees: 各中小学、幼儿园：
    if len(line_key) <= 24 and (_SIGNATURE.search(line_key) or iso_date(line_key)):
        return False  # signatures and dates under a notice
    return True


def page_lines(page: Page) -> list[str]:
    """Every text line of a page as the parser renders it (scripts, media and hidden parts dropped)."""
    try:
        tree = extract.parse_html(strip_pinyin_glosses(decode_html(page.body, page.content_type)))
        clean.drop_always(tree)
        body = tree.body()
        return extract.lines_of(body, tree) if body is not None else []
    except Exception:  # a page the parser cannot read teaches nothing; parse_article reports it
        return []


def fragment(line_key: str) -> bool:
    """Too short to learn alone, but not a heading or a date: a piece of a broken line."""
    return len(line_key) < MIN_CHARS and not _STRUCTURE.match(line_key) and not iso_date(line_key)


def learn_template(articles: Sequence[Sequence[Page] | Page]) -> Template:
    """Learn the boilerplate of one site from its articles (each a sequence of pages, or one Page)."""
    counts: Counter[str] = Counter()
    pair_counts: Counter[tuple[str, str]] = Counter()
    n = 0
    for article in articles:
        pages = [article] if isinstance(article, Page) else list(article)
        seen: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for page in pages:
            if not isinstance(page, Page):
                continue
            keys = [key(line) for line in page_lines(page)]
            seen.update(keys)
            pairs.update(p for p in zip(keys, keys[1:]) if fragment(p[0]) != fragment(p[1]))
        counts.update(k for k in seen if learnable(k))
        pair_counts.update(pairs)
        n += 1
    if n < MIN_ARTICLES:
        return Template(frozenset(), n)
    need = max(MIN_ARTICLES, MIN_SHARE * n)
    lines = frozenset(k for k, c in counts.items() if c >= need)
    attached = frozenset(
        (a, b) for (a, b), c in pair_counts.items()
        if c >= need and ((a in lines and fragment(b)) or (b in lines and fragment(a)))
    )
    return Template(lines, n, attached)
