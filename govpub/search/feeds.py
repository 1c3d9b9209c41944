"""Any search as an Atom feed (RFC 4287), pure: search hits → the XML text of a feed.

Each entry is one document: `id` a tag URI of the document id (stable across re-crawls), `title`,
`updated` (when the archive last saw a change: the latest version's fetch time, or the date it
was taken down), `published` (its publish date), `author` (the issuing agency: a repost's official copy's), a link to the
original page (`alternate`) and to its page in the app (`related`), the snippets as `summary`
and its 文种 as a `category`.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import Any, Iterable
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
TAG_AUTHORITY = "tag:govpub,2026"

_TAGS = re.compile(r"</?em>")


def _rfc3339(value: str | None) -> str | None:
    """An ISO date or datetime as an RFC 3339 timestamp (a bare date is midnight UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_updated(hit: dict[str, Any]) -> str:
    """When a document last changed in the archive: taken down, else its latest version seen, else published."""
    candidates = [_rfc3339(hit.get("status_date")) if hit.get("status") == "deleted" else None,
                  _rfc3339(hit.get("fetched_at")), _rfc3339(hit.get("publish_date"))]
    return max((c for c in candidates if c), default="1970-01-01T00:00:00Z")


def _text(parent: ET.Element, tag: str, text: str | None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def atom_feed(hits: Iterable[dict[str, Any]], *, title: str, self_url: str, page_url: str, app_url: str,
              now: datetime | None = None) -> str:
    """The feed's XML. `hits`: search hits as dicts (engine.Hit fields plus fetched_at, status_date);
    `self_url` the feed's own URL (also its id), `page_url` the same search on the page, `app_url`
    the app's root (document pages are `{app_url}/#/doc/{id}`)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    entries = list(hits)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", max((entry_updated(h) for h in entries), default=stamp))
    _text(feed, "link", None, rel="self", type="application/atom+xml", href=self_url)
    _text(feed, "link", None, rel="alternate", type="text/html", href=page_url)
    author = _text(feed, "author", None)
    _text(author, "name", "govpub")
    _text(feed, "generator", "govpub")
    for hit in entries:
        entry = _text(feed, "entry", None)
        _text(entry, "id", f"{TAG_AUTHORITY}:document:{hit['id']}")
        _text(entry, "title", hit.get("title") or "（无标题）")
        _text(entry, "updated", entry_updated(hit))
        published = _rfc3339(hit.get("publish_date"))
        if published:
            _text(entry, "published", published)
        who = _text(entry, "author", None)
        origin = hit.get("attribution") or {}
        _text(who, "name", origin.get("agency") or hit.get("agency") or hit.get("source") or hit.get("site") or "unknown")
        if hit.get("url"):
            _text(entry, "link", None, rel="alternate", type="text/html", href=hit["url"])
        _text(entry, "link", None, rel="related", type="text/html", href=f"{app_url}/#/doc/{hit['id']}")
        if hit.get("doc_type") and hit["doc_type"] != "other":
            _text(entry, "category", None, term=hit["doc_type"])
        summary = " … ".join(html.unescape(_TAGS.sub("", s)) for s in hit.get("highlights") or ())
        status = "（已撤下 " + hit["status_date"] + "）" if hit.get("status") == "deleted" and hit.get("status_date") else ""
        if summary or status:
            _text(entry, "summary", (status + summary).strip(), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
