"""The page as captured: archived HTML made safe to show (a pure function of the raw bytes).

What a browser would run or load by itself is removed — scripts, event handlers, `javascript:`
URLs, frames, objects, `<base>`, `<meta http-equiv>` (refresh, cookies), stylesheets and every
other sub-resource (`src`, `srcset`, `poster`, CSS `url()` and `@import`). The crawl archives
pages and attachments, not images or CSS, so those are dropped, and an image leaves a marker with
its alt text. Links are made absolute against the page's URL; those the archive holds a capture of
(`resolve`) point at that capture, the others still point at the live web and are marked so. Every
removal is counted: the banner reports them, nothing is dropped silently.

The view that shows the result (govpub/search/api/routes/capture.py) adds the other two layers:
a sandboxed iframe without `allow-scripts`, and a Content-Security-Policy with no script source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, Tag

from parsers.decode import decode_html

#: elements removed with their content
DROPPED_ELEMENTS = {
    "script": "scripts", "iframe": "frames", "frame": "frames", "frameset": "frames", "object": "objects",
    "applet": "objects", "portal": "frames", "base": "base", "link": "stylesheets/links", "template": "templates",
}
#: elements taken out but their content kept: media fallbacks, and what lxml wrongly nests inside
#: void elements it does not know as void (<embed><p>… keeps the <p>)
UNWRAPPED_ELEMENTS = {"embed": "objects", "video": "images/media", "audio": "images/media",
                      "picture": "images/media", "source": "images/media", "track": "images/media"}
IMAGES = ("img", "image")
#: attributes that make a browser fetch something by itself (on any element)
FETCHING_ATTRIBUTES = {"src", "srcset", "poster", "background", "lowsrc", "dynsrc", "data", "ping", "action",
                       "formaction", "manifest", "codebase", "archive", "longdesc", "xlink:href", "imagesrcset"}
#: elements whose `href` is a link a person follows (elsewhere, e.g. SVG <image href>, it is a fetch)
LINK_ELEMENTS = {"a", "area"}

_CSS_URL = re.compile(r"url\s*\([^)]*\)", re.I)
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_CSS_EXPRESSION = re.compile(r"expression\s*\(", re.I)

#: how a link to the live web is marked (the view's stylesheet adds an arrow)
LIVE_LINK_TITLE = "未存档：指向原网站（实时网络） "


@dataclass(frozen=True)
class CapturedPage:
    html: str  #: the sanitised document, UTF-8, with `<meta charset="utf-8">`
    title: str | None
    removed: dict[str, int] = field(default_factory=dict)  #: what was taken out, by kind
    links_archived: int = 0  #: links rewritten to an archived capture
    links_live: int = 0  #: links left pointing at the live web (marked)


def capture_links(body: bytes, url: str, content_type: str | None = None) -> list[str]:
    """The absolute http(s) URLs the page links to (fragment dropped), in page order, each once."""
    soup = BeautifulSoup(decode_html(body, content_type), "lxml")
    return list(dict.fromkeys(u for u in (_absolute(a.get("href"), url) for a in _links(soup)) if u))


def sanitise_capture(body: bytes, url: str, content_type: str | None = None, *,
                     archived: Mapping[str, str] | None = None) -> CapturedPage:
    """The page's HTML with nothing left that runs or loads by itself; links to URLs in `archived`
    (absolute URL → local path of its capture) rewritten, all other http(s) links marked live."""
    archived = archived or {}
    soup = BeautifulSoup(decode_html(body, content_type), "lxml")
    removed: Counter[str] = Counter()

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()  # conditional comments (<!--[if IE]><script…) are markup to old browsers
    for tag in soup.find_all(list(DROPPED_ELEMENTS)):
        if not tag.decomposed:
            removed[DROPPED_ELEMENTS[tag.name]] += 1
            tag.decompose()
    for meta in soup.find_all("meta"):
        if meta.get("http-equiv") or meta.get("charset"):
            if (meta.get("http-equiv") or "").lower() not in ("content-type", ""):
                removed["meta http-equiv"] += 1
            meta.decompose()
    for img in soup.find_all(IMAGES):
        removed["images/media"] += 1
        marker = soup.new_tag("span", attrs={"class": "govpub-dropped", "title": "图片未存档"})
        marker.string = f"[图片{'：' + img['alt'] if img.get('alt') else ''}]"
        img.insert_before(marker)
        img.unwrap()
    for tag in soup.find_all(list(UNWRAPPED_ELEMENTS)):
        removed[UNWRAPPED_ELEMENTS[tag.name]] += 1
        tag.unwrap()
    for style in soup.find_all("style"):
        css = style.string or ""
        cleaned, n = _clean_css(css)
        if n:
            removed["css urls"] += n
            style.string = cleaned

    links_archived = links_live = 0
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            lowered = name.lower()
            if lowered.startswith("on"):
                del tag[name]
                removed["event handlers"] += 1
            elif lowered in FETCHING_ATTRIBUTES or (lowered == "href" and tag.name not in LINK_ELEMENTS):
                del tag[name]
                removed["sub-resources"] += 1
            elif lowered == "style":
                cleaned, n = _clean_css(tag[name])
                if n:
                    removed["css urls"] += n
                    tag[name] = cleaned
        if tag.name == "form":
            tag.attrs.pop("method", None)
        if tag.name in LINK_ELEMENTS and tag.get("href") is not None:
            kind = _rewrite_link(tag, url, archived)
            if kind == "archived":
                links_archived += 1
            elif kind == "live":
                links_live += 1
            elif kind == "script":
                removed["javascript: links"] += 1

    head = soup.head or _ensure_head(soup)
    head.insert(0, soup.new_tag("meta", attrs={"charset": "utf-8"}))
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    return CapturedPage(html=str(soup), title=title or None, removed=dict(sorted(removed.items())),
                        links_archived=links_archived, links_live=links_live)


def _rewrite_link(tag: Tag, page_url: str, archived: Mapping[str, str]) -> str | None:
    href = (tag.get("href") or "").strip()
    scheme = urlsplit(href).scheme.lower()
    if scheme in ("javascript", "vbscript", "data"):
        del tag["href"]
        return "script"
    if href.startswith("#"):
        return None  # a place on this page
    target = _absolute(href, page_url)
    if target is None:
        return None  # mailto:, tel: … a person's choice, nothing loads by itself
    tag.attrs.pop("target", None)
    if target in archived:
        tag["href"] = archived[target] + (f"#{urlsplit(href).fragment}" if urlsplit(href).fragment else "")
        tag["target"] = "_top"  # leave the sandboxed frame for the capture view of that page
        tag["data-govpub-link"] = "archived"
        tag["title"] = f"存档快照：{target}"
        return "archived"
    tag["href"] = urljoin(page_url, href)
    tag["target"] = "_top"
    tag["rel"] = "noopener noreferrer nofollow"
    tag["data-govpub-link"] = "live"
    tag["title"] = LIVE_LINK_TITLE + target
    return "live"


def _links(soup: BeautifulSoup) -> Iterable[Tag]:
    return soup.find_all(list(LINK_ELEMENTS), href=True)


def _absolute(href: str | None, page_url: str) -> str | None:
    if not href or href.strip().startswith("#"):
        return None
    absolute, _ = urldefrag(urljoin(page_url, href.strip()))
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _clean_css(css: str) -> tuple[str, int]:
    n = len(_CSS_URL.findall(css)) + len(_CSS_IMPORT.findall(css)) + len(_CSS_EXPRESSION.findall(css))
    if not n:
        return css, 0
    css = _CSS_IMPORT.sub("", css)
    css = _CSS_URL.sub("none", css)
    return _CSS_EXPRESSION.sub("invalid(", css), n


def _ensure_head(soup: BeautifulSoup) -> Tag:
    head = soup.new_tag("head")
    (soup.html or soup).insert(0, head)
    return head


def describe_removed(removed: Mapping[str, int]) -> str:
    """'3 scripts, 9 event handlers' — for the banner."""
    return ", ".join(f"{n} {kind}" for kind, n in removed.items()) or "nothing"

