"""Terminal rendering of search results: highlights, CJK-aware column widths, tables, facets."""

from __future__ import annotations

import html
import sys
from typing import Any

from govpub.search.engine import SearchResult
from govpub.search.query import HIGHLIGHT_POST, HIGHLIGHT_PRE

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
    groups = (f" in {result.groups} clusters (one copy each, the official first; --all-copies lists every copy)"
              if result.groups is not None else "")
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
        official = "" if hit.is_canonical is not False else "  [repost]"
        if hit.attribution and hit.attribution.get("agency"):
            official = f"  [repost of {hit.attribution['agency']}]"
        extra = f"  (+{hit.copies_total} copies){official}" if hit.copies_total else official
        lines.append(
            f"{rank:>4}. {score}  {hit.publish_date or '----------':<10}  {fit(hit.site, 12)}  "
            f"{fit(hit.doc_type or '', 8)}  {title}{extra}"
        )
        lines.append(f"      {hit.url}")
        if hit.copies:
            also = ", ".join(f"{c['site']} {c.get('publish_date') or ''}".strip() for c in hit.copies)
            more = f" (+{hit.copies_total - len(hit.copies)} more)" if hit.copies_total > len(hit.copies) else ""
            lines.append(f"      also published at: {also}{more}")
        for snippet in hit.highlights:
            lines.append(f"        … {render_highlight(snippet, ansi=ansi)} …")
    return "\n".join(lines)


def format_facets(facets: dict[str, list[dict[str, Any]]], *, limit: int = 6) -> str:
    """One line per facet: `doc_type: 工作要点 7 · 通知 5 · …` (documents; `7/5`: documents/clusters)."""
    lines = []
    for name, values in facets.items():
        if values:
            items = " · ".join(f"{v['value']} {v['count']}" + (f"/{v['clusters']}" if "clusters" in v else "")
                               for v in values[:limit])
            more = f" · (+{len(values) - limit})" if len(values) > limit else ""
            lines.append(f"  {name}: {items}{more}")
    return "\n".join(lines)
