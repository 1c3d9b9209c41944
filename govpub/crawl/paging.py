"""When a column walk ends, and when it is a trap: judged by behaviour, never by a page count.

The column spider asks `ColumnWalk.verdict` about every list page it read (its URL, the article
links on it, its next-page link). A long column is not a trap: a walk goes on as long as each
list page brings article links this crawl has not seen yet. It stops

- at the column's end: no next link, or a next link to the page itself (many CMSs do that on
  the last page) — `END`;
- as a trap (a reported `trap` error, the column is then `incomplete`):
  - a list page whose article links are exactly those of a page already walked (a pager that
    ignores its page number, `?page=N` past the end answering the last page again);
  - a list page with a next link but no article link new to this crawl (an empty calendar
    month, a pager that runs on past the last article);
  - a next link back to a list page already walked (a cycle);
  - a calendar walk (`?date=`, `/2024-05.html`, `/20240501/`: URLs that differ only in a date)
    stepping past the crawl date: calendars go on into the future, archives end today;
- at an explicit bound the site's entry sets (`links.max_list_pages`; none by default): a
  reported `budget` error, the column `incomplete`.

Pure: no Scrapy, no I/O, so the rules are unit-tested on their own (tests/unit/test_paging.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urldefrag

FOLLOW, END, TRAP, BUDGET = "follow", "end", "trap", "budget"

# A date inside a URL: 2024-05, 2024_05_01, 2024/05/01, 202405, 20240501 (years 1990-2099).
_DATE = re.compile(r"(?<!\d)((?:199|20\d)\d)([-_/]?)(0[1-9]|1[0-2])(?:\2(0[1-9]|[12]\d|3[01]))?(?!\d)")


@dataclass(frozen=True)
class Verdict:
    action: str  #: FOLLOW | END | TRAP | BUDGET
    reason: str = ""

    @property
    def stops_incomplete(self) -> bool:
        return self.action in (TRAP, BUDGET)


@dataclass
class ColumnWalk:
    """The list pages walked in one crawl (every column of a site shares one walk)."""

    crawl_date: date
    max_list_pages: int | None = None  #: an explicit bound from the site's entry; None = no count bound
    pages: dict[str, int] = field(default_factory=dict)  #: list page URL → its page number
    link_sets: dict[frozenset, str] = field(default_factory=dict)  #: article links of a page → that page
    seen_links: set[str] = field(default_factory=set)

    def verdict(self, url: str, page_no: int, links: list[str], next_url: str | None) -> Verdict:
        url, next_url = _bare(url), _bare(next_url) if next_url else None
        self.pages.setdefault(url, page_no)
        link_set = frozenset(links)
        new = link_set - self.seen_links
        self.seen_links |= link_set
        twin = self.link_sets.get(link_set) if link_set else None
        if link_set and twin is None:
            self.link_sets[link_set] = url
        if not next_url or next_url == url:
            return Verdict(END)
        if twin is not None and twin != url:
            return Verdict(TRAP, f"list page {page_no} ({url}) holds the same {len(link_set)} article links as {twin}")
        if not new:
            return Verdict(TRAP, f"list page {page_no} ({url}) links a next page but no article link new to this "
                                 f"crawl ({len(link_set)} links, all seen)")
        if next_url in self.pages:
            return Verdict(TRAP, f"list page {page_no} ({url}) links back to list page {self.pages[next_url]} "
                                 f"({next_url}), already walked")
        ahead = calendar_step(url, next_url)
        if ahead is not None and ahead > self.crawl_date:
            return Verdict(TRAP, f"calendar walk: list page {page_no} ({url}) links {next_url}, dated "
                                 f"{ahead.isoformat()}, after the crawl date {self.crawl_date.isoformat()}")
        if self.max_list_pages is not None and page_no >= self.max_list_pages:
            return Verdict(BUDGET, f"list page {page_no} ({url}) still links a next page; stopped at "
                                   f"links.max_list_pages={self.max_list_pages}")
        return Verdict(FOLLOW)


def calendar_step(url: str, next_url: str) -> date | None:
    """The date `next_url` steps to when the two URLs differ only in a date (a calendar walk), else None."""
    here, there = list(_DATE.finditer(url)), list(_DATE.finditer(next_url))
    if not here or len(here) != len(there):
        return None
    if _DATE.sub("#", url) != _DATE.sub("#", next_url):
        return None
    changed = [(a, b) for a, b in zip(here, there) if a.group(0) != b.group(0)]
    if not changed:
        return None
    step = changed[-1][1]
    year, month, day = int(step.group(1)), int(step.group(3)), int(step.group(4) or 1)
    try:
        return date(year, month, day)
    except ValueError:  # 2024-02-30: still a calendar's link, dated by its month
        return date(year, month, 1)


def _bare(url: str) -> str:
    return urldefrag(url)[0]
