"""List mechanisms: what a column's list page lists, and which list request comes next.

A pure function of one fetched list page: `read_list(links, url, text, state)` returns the
article links it holds (with their titles) and the next list request, if any, by the site's
`links.mechanism` (govpub.registry.models; the markup each expects: docs/presets.md):

- `next_link`: `links.article` selects article links, `links.next_page` the next list page;
  the page count, when `links.total_pages` finds one ("共 3 页"), is reported, not followed.
- `trs_pager`: TRS draws its pager in a script, `createPageHTML(count, current, "index",
  "html")` (arguments literal or `var` names); page n+1 of `count` is `index_<n+1>.html`. The
  div-id form `createPageHTML('page_div', count, current, 'index', 'html', records)` counts
  `current` from 1 (page n ≥ 2 at `index_<n>.html`). A page without that script falls back
  to `next_link`.
- `page_param`: `?page=N` pages; the count from `links.total_pages` (a regex over the page),
  else page N+1 exists when the page links it.
- `hanweb_jpage`: Hanweb jcms puts the first records of a column in `<script type="text/xml">
  <datastore><recordset><record><![CDATA[<li><a href=…>]]>`; further groups come from
  `module/web/jpage/dataproxy.jsp` — POST `col=1&appid=1&webid=…&columnid=…` (the
  parameters of the datastore's `<nextgroup>` link) with `startrecord/endrecord/perpage`
  in the query, sized by the page's `jpage({perPage, groupSize, totalRecord, proxyUrl})`.
  Each record is one article: its first link is the article link. A page without a
  datastore falls back to `next_link` (static Hanweb columns, div.default_pgContainer).
- `json_api`: a JSON list API; items at the dotted path `links.json_items`, each with its URL
  at `links.json_url` and title at `links.json_title`; `?page=N` pages, the count from
  `json_total_pages`, or `json_total` items over the first page's size, else until a page
  comes back empty.

The spider (spiders/spiders/column.py) fetches and filters (links.allow, the URL guard,
robots.txt); `govpub sites probe` reads a page through the same function. Neither parses
article bodies here. `state` is what a mechanism hands from one list page to the next
(Hanweb's record window, the JSON page size); it travels in the next request.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from govpub.registry.models import SiteLinks


class ListPageError(ValueError):
    """The page is not the kind of list page the mechanism reads (e.g. not JSON for json_api)."""


@dataclass(frozen=True)
class ListItem:
    url: str  #: absolute
    title: str = ""


@dataclass(frozen=True)
class ListRequest:
    """The next list page to fetch: a GET of `url`, or a POST of `form` to it."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()
    state: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def body(self) -> bytes:
        return urlencode(self.form).encode("ascii") if self.form else b""

    @property
    def identity(self) -> str:
        """What tells two list pages apart: the URL, and for a POST its form too (Hanweb's
        dataproxy answers every group of records at one URL)."""
        return self.url if self.method == "GET" else page_identity(self.url, self.method, self.body)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "method": self.method, "form": [list(p) for p in self.form], "state": self.state}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ListRequest":
        return cls(url=data["url"], method=data.get("method", "GET"),
                   form=tuple(tuple(p) for p in data.get("form", ())), state=dict(data.get("state") or {}))


def page_identity(url: str, method: str = "GET", body: bytes = b"") -> str:
    return url if method == "GET" else f"{url} {method} {body.decode('ascii', 'replace')}"


@dataclass(frozen=True)
class ListPage:
    items: list[ListItem]
    next: ListRequest | None
    total_pages: int | None = None  #: the column's page count, when the page says it
    how: str = ""  #: which reading applied ("trs_pager: createPageHTML(3, 0, …)", "next_link" …)

    @property
    def links(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.items:
            seen.setdefault(item.url, None)
        return list(seen)


def read_list(links: SiteLinks, url: str, text: str, state: dict[str, Any] | None = None) -> ListPage:
    """The articles a list page lists and the next list request, by `links.mechanism`."""
    state = state or {}
    reader = _READERS[links.mechanism]
    return reader(links, url, text, state)


# ----------------------------------------------------------------------------- mechanisms


def _next_link(links: SiteLinks, url: str, text: str, state: dict, how: str = "next_link") -> ListPage:
    page = Selector(text=text)
    items = _anchors(page, links.article or "a[href]", url)
    following = None
    if links.next_page:
        for href in page.css(links.next_page).xpath("@href").getall():
            target = _absolute(url, href)
            if target and target != url:
                following = ListRequest(target)
                break
    total = _stated_count(links, page, text)
    if total is not None:
        how = f"{how}, {total} pages stated"
    return ListPage(items, following, total, how)


def _stated_count(links: SiteLinks, page: Selector, text: str) -> int | None:
    """The column's page count by the regex `links.total_pages` over the page's text ("共 3 页")."""
    if not links.total_pages:
        return None
    found = re.search(links.total_pages, " ".join(page.css("body ::text").getall()) or text)
    return int(found.group(1)) if found else None


_CREATE_PAGE = re.compile(
    r"createPageHTML\s*\(\s*(?P<div>[\"'][^\"']*[\"']\s*,\s*)?(?P<count>[\w.]+)\s*,\s*(?P<current>[\w.]+)\s*,"
    r"\s*[\"'](?P<prefix>[^\"']+)[\"']\s*,\s*[\"'](?P<ext>[^\"']+)[\"']")


def _trs_pager(links: SiteLinks, url: str, text: str, state: dict) -> ListPage:
    """createPageHTML(count, current, "index", "html"): current from 0, page n at index_n.html (n ≥ 1);
    createPageHTML('page_div', count, current, 'index', 'html', records): current from 1, page n
    at index_n.html (n ≥ 2) — the div-id form of many TRS and Sohu-CMS templates."""
    call = _CREATE_PAGE.search(text)
    count = current = None
    if call:
        count, current = _js_int(call.group("count"), text), _js_int(call.group("current"), text)
    if count is None or current is None:
        return _next_link(links, url, text, state, how="trs_pager: no createPageHTML, next link")
    prefix, ext = call.group("prefix"), call.group("ext")
    last = count if call.group("div") else count - 1  # the number of the column's last page
    items = _anchors(Selector(text=text), links.article or "a[href]", url)
    following = ListRequest(urljoin(url, f"{prefix}_{current + 1}.{ext}")) if current < last else None
    shape = "'div', " if call.group("div") else ""
    return ListPage(items, following, count, f"trs_pager: createPageHTML({shape}{count}, {current}, {prefix!r}, {ext!r})")


def _js_int(token: str, text: str) -> int | None:
    """A literal, or the value of `var token = N` in the page's scripts."""
    if token.isdigit():
        return int(token)
    found = re.search(rf"\b{re.escape(token)}\s*=\s*(\d+)", text)
    return int(found.group(1)) if found else None


def _page_param(links: SiteLinks, url: str, text: str, state: dict) -> ListPage:
    page = Selector(text=text)
    items = _anchors(page, links.article or "a[href]", url)
    current = _page_number(url, links.page_param)
    total = _stated_count(links, page, text)
    following = None
    if total is not None:
        if current < total:
            following = ListRequest(_with_page(url, links.page_param, current + 1))
        how = f"page_param: page {current} of {total}"
    else:
        target = _with_page(url, links.page_param, current + 1)
        hrefs = {_absolute(url, h) for h in page.css("a::attr(href)").getall()}
        if items and target in hrefs:
            following = ListRequest(target)
        how = f"page_param: page {current}, no page count (next only when linked)"
    return ListPage(items, following, total, how)


_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S)


def _hanweb_jpage(links: SiteLinks, url: str, text: str, state: dict) -> ListPage:
    if state.get("proxy"):  # a dataproxy.jsp answer: <datastore> with this window's records
        records = _RECORD.findall(text)
        if not records and "<datastore" not in text:
            raise ListPageError(f"{url}: not a Hanweb dataproxy answer (no <datastore>)")
        total = _xml_int(text, "totalrecord") or state["total"]
        return _jpage_page(url, records, state, total)
    store = _DATASTORE.search(text)
    if not store:
        return _next_link(links, url, text, state, how="hanweb_jpage: no datastore, next link")
    records = _RECORD.findall(store.group(1))
    config = _jpage_config(text)
    form = [("col", "1"), ("appid", "1")]
    nextgroup = _NEXTGROUP.search(store.group(1))
    if nextgroup:
        href = Selector(text=nextgroup.group(1)).css("a::attr(href)").get() or ""
        query = [(k, v) for k, v in parse_qsl(urlsplit(href).query, keep_blank_values=True) if k != "page"]
        form = [p for p in form if p[0] not in {k for k, _ in query}] + query
        config.setdefault("proxyUrl", urlsplit(href).path)
    if "proxyUrl" not in config or "perPage" not in config:
        return ListPage(_record_items(records, url), None, None, "hanweb_jpage: datastore without a jpage pager")
    per = int(config["perPage"])
    group = int(config.get("groupSize", 1))
    total = int(config.get("totalRecord", len(records)))
    new_state = {"proxy": urljoin(url, config["proxyUrl"]), "per": per, "group": group, "total": total,
                 "form": form, "end": len(records)}
    return _jpage_page(url, records, new_state, total)


def _jpage_page(url: str, records: list[str], state: dict, total: int) -> ListPage:
    end, per, group = state["end"], state["per"], state["group"]
    following = None
    if records and end < total:
        window = per * group
        start, stop = end + 1, min(end + window, total)
        target = f"{state['proxy']}?{urlencode({'startrecord': start, 'endrecord': stop, 'perpage': per})}"
        following = ListRequest(target, "POST", tuple(tuple(p) for p in state["form"]), {**state, "end": stop})
    pages = math.ceil(total / per) if per else None
    return ListPage(_record_items(records, url), following, pages,
                    f"hanweb_jpage: {len(records)} records up to {end} of {total}, {per} per page")


def _record_items(records: list[str], url: str) -> list[ListItem]:
    items = []
    for record in records:
        found = _anchors(Selector(text=record), "a[href]", url)
        if found:
            items.append(found[0])
    return items


def _jpage_config(text: str) -> dict[str, str]:
    config = {}
    for key in ("perPage", "groupSize", "totalRecord"):
        found = re.search(rf"\b{key}\s*:\s*['\"]?(\d+)", text)
        if found:
            config[key] = found.group(1)
    found = re.search(r"\bproxyUrl\s*:\s*['\"]([^'\"]+)['\"]", text)
    if found:
        config["proxyUrl"] = found.group(1)
    return config


def _xml_int(text: str, tag: str) -> int | None:
    found = re.search(rf"<{tag}>\s*(\d+)\s*</{tag}>", text)
    return int(found.group(1)) if found else None


def _json_api(links: SiteLinks, url: str, text: str, state: dict) -> ListPage:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ListPageError(f"{url}: not JSON ({exc})") from None
    rows = _dig(data, links.json_items or "")
    if not isinstance(rows, list):
        raise ListPageError(f"{url}: no list at {links.json_items!r} in the JSON answer")
    items = []
    for row in rows:
        target = _dig(row, links.json_url) if isinstance(row, dict) else None
        if isinstance(target, str) and (absolute := _absolute(url, target)):
            title = _dig(row, links.json_title)
            items.append(ListItem(absolute, title if isinstance(title, str) else ""))
    current = _page_number(url, links.page_param)
    per = state.get("per") or len(rows)
    total_pages = _dig(data, links.json_total_pages) if links.json_total_pages else None
    if not isinstance(total_pages, int) and links.json_total:
        total = _dig(data, links.json_total)
        total_pages = math.ceil(total / per) if isinstance(total, int) and per else None
    if isinstance(total_pages, int):
        more = current < total_pages
        how = f"json_api: page {current} of {total_pages}"
    else:
        total_pages, more = None, bool(rows)
        how = f"json_api: page {current}, no page count (until an empty page)"
    following = ListRequest(_with_page(url, links.page_param, current + 1), state={"per": per}) if more else None
    return ListPage(items, following, total_pages, how)


def _dig(data: Any, path: str) -> Any:
    for part in (p for p in path.split(".") if p):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


_READERS = {
    "next_link": _next_link, "trs_pager": _trs_pager, "page_param": _page_param,
    "hanweb_jpage": _hanweb_jpage, "json_api": _json_api,
}


# ----------------------------------------------------------------------------- helpers


def _anchors(page: Selector, selector: str, base: str) -> list[ListItem]:
    items = []
    for anchor in page.css(selector):
        target = _absolute(base, anchor.attrib.get("href") or "")
        if target:
            title = anchor.attrib.get("title") or " ".join(anchor.css("::text").getall()).strip()
            items.append(ListItem(target, title))
    return items


def _absolute(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    target = urljoin(base, href).split("#")[0]
    return target if urlsplit(target).scheme in ("http", "https") else None


def _page_number(url: str, param: str) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == param and value.isdigit():
            return int(value)
    return 1


def _with_page(url: str, param: str, number: int) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == param for k, _ in query):  # in place: the site's own order of parameters
        query = [(k, str(number) if k == param else v) for k, v in query]
    else:
        query.append((param, str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


__all__ = ["ListItem", "ListPage", "ListPageError", "ListRequest", "read_list"]
