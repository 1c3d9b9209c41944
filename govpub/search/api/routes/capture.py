"""GET /documents/{id}/capture: the page as it was captured, from its WARC record in S3; and
GET /capture?url=…&at=… (any archived URL: list pages, the column index, …, found through the
CDXJ indexes of the raw WARCs) with GET /captures?url=… (every capture of a URL, JSON).

One HTML response: a banner of ours (capture time, original URL, what was removed) above an
iframe whose `srcdoc` is the archived page after govpub.search.capture made it inert. Three
layers keep the archived page from running or loading anything: the sanitiser removes scripts,
handlers and sub-resources; the iframe is sandboxed without `allow-scripts` (and without
`allow-same-origin`, so it is an opaque origin); the response's Content-Security-Policy, which a
srcdoc frame inherits, has no script source and lets nothing load (`default-src 'none'`).
Links to pages the index holds a document for point at that document's capture view; links to
other archived URLs at their capture nearest the page's own capture time (/capture?url=…&at=…);
the rest at the live web, marked. An URL the archive has no capture of is a 404 page naming it,
never a redirect to the live web.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query
from botocore.exceptions import ClientError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from govpub.archive import ArchiveUnavailable
from govpub.archive.cdxj import Capture, find_capture, nearest, pad_timestamp, seconds_apart, site_of_warc
from govpub.archive.warc import Fetched, read_one
from govpub.search import engine
from govpub.search.api.backends import ApiBackends, Backends
from govpub.search.api.errors import ERRORS, error_response, not_found
from govpub.search.api.routes.documents import load_document
from govpub.search.capture import CapturedPage, capture_links, describe_removed, sanitise_capture
from govpub.search.query import QueryError

router = APIRouter()

#: the banner's styles are inline (this page loads nothing); the frame inherits the policy
CAPTURE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
               "base-uri 'none'; frame-ancestors 'self'")
#: the archived page's frame may navigate the whole tab when a person clicks a link, nothing else
FRAME_SANDBOX = "allow-top-navigation-by-user-activation"

#: added to the archived page: shows which links leave the archive and where images were
CAPTURE_STYLE = ('<meta http-equiv="x-dns-prefetch-control" content="off">'  # not even a DNS lookup of links
                 "<style>a[data-govpub-link=live]::after{content:\" ↗\";color:#b35c00}"
                 ".govpub-dropped{color:#777;border:1px dashed #aaa;padding:0 .2em;font-size:90%}</style>")


#: every capture view's response headers: nothing runs, nothing loads, nothing leaks the referrer
CAPTURE_HEADERS = {"Content-Security-Policy": CAPTURE_CSP, "Referrer-Policy": "no-referrer",
                   "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"}
#: other captures of the URL the banner lists (nearest first; the JSON listing has them all)
OTHER_CAPTURES_SHOWN = 10


def capture_path(doc_id: str) -> str:
    return f"/documents/{doc_id}/capture"


def url_capture_path(url: str, at: str | None = None) -> str:
    """The capture view of any archived URL, nearest to `at` (14 digits; None: the latest)."""
    return "/capture?" + urlencode({"url": url, **({"at": at} if at else {})})


def timestamp_of(fetched_at: str | None) -> str | None:
    """The WARC-Date (ISO 8601) as the 14 digits CDXJ lines and `at` use."""
    digits = re.sub(r"\D", "", fetched_at or "")[:14]
    return digits if len(digits) == 14 else None


@router.get(
    "/documents/{doc_id}/capture",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}, "application/octet-stream": {}},
                               "description": "the sandboxed capture view (an attachment: its archived bytes)"},
               **not_found("no such document, version, page, attachment or archived HTML page")},
    summary="The page as captured: the archived HTML, sandboxed (no scripts, no outside requests)",
)
def capture(
    backends: Backends, doc_id: str,
    version: Annotated[int | None, Query(ge=1, description="archived version (default: latest)")] = None,
    page: Annotated[int, Query(ge=1, description="page of a multi-page article, from 1")] = 1,
    attachment: Annotated[int | None, Query(ge=0, description="an attachment's archived file instead")] = None,
):
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    try:
        if version is not None:
            stored = backends.archive.get_version(doc.get("site", ""), doc_id, version)
            if stored is None:
                return error_response(404, f"no version {version} of {doc_id}")
            doc = {**doc, **asdict(stored), "version": version}
        raw = doc.get("raw")
        if attachment is not None:
            items = doc.get("attachments") or []
            if attachment >= len(items) or not items[attachment].get("raw"):
                return error_response(404, f"no archived attachment {attachment}")
            return _attachment_file(backends, items[attachment])
        pages = doc.get("page_urls") or [doc.get("url")]
        if page > len(pages):
            return error_response(404, f"the document has {len(pages)} page(s)")
        if not raw or not raw.get("key"):
            return error_response(404, "no raw record archived for this document")
        if page > 1:  # further pages were fetched in the same crawl, into the same WARC part
            raw = find_capture(backends.archive, raw["key"], pages[page - 1])
            if raw is None:
                return error_response(404, f"page {page} is not in {doc['raw']['key']}")
        fetched = read_one(backends.archive.get_range(raw["key"], int(raw["offset"]), int(raw["length"])))
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    except ClientError as exc:  # the object is gone
        return error_response(404, f"raw record not found in the archive: {type(exc).__name__}")
    content_type = fetched.content_type or ""
    if "html" not in content_type.lower():
        return error_response(404, f"the archived response is not an HTML page ({content_type or 'no type'})")
    try:
        archived = archived_links(backends, fetched, content_type, own=own_captures(doc),
                                  page_site=site_of_warc(raw["key"], backends.archive.prefix))
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    captured = sanitise_capture(fetched.body, fetched.url, content_type, archived=archived)
    body = capture_view(doc, fetched, captured, raw, version=doc.get("version") or 1, page_no=page,
                        pages=len(pages))
    return HTMLResponse(body, headers=CAPTURE_HEADERS)


@router.get(
    "/capture",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}, "application/octet-stream": {}},
                               "description": "the sandboxed capture view (not HTML: the archived bytes, as a download)"},
               404: {"content": {"text/html": {}}, "description": "the archive holds no capture of the URL"}},
    summary="Any archived URL as captured (list pages too): its capture nearest a time, sandboxed",
)
def capture_of_url(
    backends: Backends,
    url: Annotated[str, Query(max_length=4000, description="the page's URL, as it was fetched (http or https)")],
    at: Annotated[str | None, Query(description="capture time wanted, 4 to 14 digits YYYYMMDDhhmmss "
                                                "(a prefix means the start of that period); default: the latest")] = None,
):
    when, sites = _url_request(backends, url, at)
    try:
        captures = backends.captures.captures(url, sites)
        chosen = nearest(captures, when)
        if chosen is None:
            return _not_archived(url, sites, captures, backends.captures.index_count(sites))
        fetched = read_one(backends.archive.get_range(chosen.key, chosen.offset, chosen.length))
        content_type = fetched.content_type or chosen.mime or ""
        if "html" not in content_type.lower():
            return _archived_file(fetched, content_type)
        archived = archived_links(backends, fetched, content_type, own={},
                                  page_site=site_of_warc(chosen.key, backends.archive.prefix))
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    except ClientError as exc:  # the WARC part is gone
        return error_response(404, f"raw record not found in the archive: {type(exc).__name__}")
    document = engine.documents_at(backends.es, backends.alias, [fetched.url]).get(fetched.url)
    captured = sanitise_capture(fetched.body, fetched.url, content_type, archived=archived)
    body = url_capture_view(chosen, fetched, captured, captures, document=document)
    return HTMLResponse(body, headers=CAPTURE_HEADERS)


@router.get(
    "/captures",
    responses={**ERRORS},
    summary="Every capture of a URL in the archive's CDXJ indexes (time, status, WARC record, view path)",
)
def captures_of_url(
    backends: Backends,
    url: Annotated[str, Query(max_length=4000, description="the page's URL, as it was fetched (http or https)")],
):
    _, sites = _url_request(backends, url, None)
    try:
        captures = backends.captures.captures(url, sites)
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    return JSONResponse({"url": url, "sites": sites, "total": len(captures), "captures": [
        {**c.to_dict(), "view": url_capture_path(c.url, c.timestamp) if c.status != "304" else None}
        for c in captures]})


def _url_request(backends: ApiBackends, url: str, at: str | None) -> tuple[str | None, list[str]]:
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
        raise QueryError(f"url must be an http(s) URL, got {url[:80]!r}")
    try:
        when = pad_timestamp(at) if at else None
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    return when, backends.sites_for([url])


def archived_links(backends: ApiBackends, fetched: Fetched, content_type: str, *, own: dict[str, str],
                   page_site: str) -> dict[str, str]:
    """Every link of the page the archive holds → the local path of its capture: `own` (a
    document's own pages and attachments) first, then documents the index holds (their capture
    view), then any other URL with a capture in the CDXJ indexes of the sites that may have fetched
    it (the page's own site and those whose domains hold its host), nearest the page's capture time."""
    archived = dict(own)
    links = [u for u in capture_links(fetched.body, fetched.url, content_type) if u not in archived]
    archived.update(_archived_links(backends, links))
    rest = [u for u in links if u not in archived]
    if rest:
        sites = sorted({page_site, *backends.sites_for(rest)})
        at = timestamp_of(fetched.fetched_at)
        found = backends.captures.captures_of(rest, sites)
        archived.update({u: url_capture_path(u, at) for u, captures in found.items() if nearest(captures, at)})
    return archived


def own_captures(doc: dict[str, Any]) -> dict[str, str]:
    """The document's own pages and attachments → their capture paths (same version)."""
    base = capture_path(doc["id"])
    version = f"version={doc['version']}&" if doc.get("version") else ""
    links = {url: f"{base}?{version}page={n}" for n, url in enumerate(doc.get("page_urls") or [], start=1)}
    for n, item in enumerate(doc.get("attachments") or []):
        if item.get("raw") and item.get("url"):
            links[item["url"]] = f"{base}?{version}attachment={n}"
    return links


def _attachment_file(backends: ApiBackends, item: dict[str, Any]) -> Response:
    """The attachment's archived bytes, as a download: never rendered inside the app's origin."""
    raw = item["raw"]
    fetched = read_one(backends.archive.get_range(raw["key"], int(raw["offset"]), int(raw["length"])))
    return _archived_file(fetched, item.get("content_type"))


def _archived_file(fetched: Fetched, content_type: str | None) -> Response:
    """Archived bytes that are no HTML page, as a download (never rendered in the app's origin)."""
    name = urlsplit(fetched.url).path.rsplit("/", 1)[-1] or "attachment"
    return Response(fetched.body, media_type=content_type or "application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{safe_filename(name)}\"",
        "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "no-store"})


def safe_filename(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:120] or "attachment"


def _archived_links(backends: ApiBackends, urls: list[str]) -> dict[str, str]:
    return {url: capture_path(doc_id) for url, doc_id in engine.documents_at(backends.es, backends.alias, urls).items()}


def capture_view(doc: dict[str, Any], fetched, page, raw: dict[str, Any], *, version: int,
                 page_no: int = 1, pages: int = 1) -> str:
    """The banner and the sandboxed frame, as one HTML document."""
    e = html.escape
    title = doc.get("title") or page.title or fetched.url
    banner = f"""<h1>存档快照（只读，脚本与外部资源已移除）：{e(title)}</h1>
<p>抓取时间 {_time(fetched)} · HTTP {fetched.status} · 第 {version} 版{f' · 第 {page_no}/{pages} 页' if pages > 1 else ''}
 · 原始网址 {_original(fetched)}</p>
<p>存档记录 <code>{e(raw['key'])} @ {int(raw['offset'])} (+{int(raw['length'])} 字节)</code>
 · <a href="/documents/{e(doc['id'])}/raw">下载 WARC 记录</a> · <a href="/#/doc/{e(doc['id'])}">← 文档页</a></p>
{_removed(page)}"""
    return _view_page(title, banner, page)


def url_capture_view(chosen: Capture, fetched: Fetched, page: CapturedPage, captures: list[Capture], *,
                     document: str | None) -> str:
    """A URL's capture (a list page, a column index …): the banner, with the URL's other captures,
    and the sandboxed frame."""
    e = html.escape
    title = page.title or fetched.url
    shown = sorted((c for c in captures if c is not chosen and c.status != "304"),
                   key=lambda c: (seconds_apart(c.timestamp, chosen.timestamp), c.timestamp))
    others = " ".join(f'<a href="{e(url_capture_path(c.url, c.timestamp))}">{e(_when(c.timestamp))}'
                      f'{"" if c.status == "200" else f" (HTTP {e(str(c.status))})"}</a>'
                      for c in shown[:OTHER_CAPTURES_SHOWN])
    not_modified = sum(1 for c in captures if c.status == "304")
    listing = e(f"/captures?{urlencode({'url': chosen.url})}")
    banner = f"""<h1>存档快照（只读，脚本与外部资源已移除）：{e(title)}</h1>
<p>抓取时间 {_time(fetched)} · HTTP {fetched.status} · 原始网址 {_original(fetched)}</p>
<p>存档记录 <code>{e(chosen.key)} @ {chosen.offset} (+{chosen.length} 字节)</code>
{f' · 此网址为文档：<a href="/#/doc/{e(document)}">文档页</a> · <a href="{e(capture_path(document))}">文档快照</a>' if document else ''}</p>
<p id="capture-others">本网址共存档 {len(captures)} 次{f'（其中 {not_modified} 次为 304 未修改）' if not_modified else ''}
{f'· 其他快照（按时间远近，列出 {min(len(shown), OTHER_CAPTURES_SHOWN)} / {len(shown)} 个）：' + others if shown else ''}
 · <a href="{listing}">全部抓取记录 (JSON)</a></p>
{_removed(page)}"""
    return _view_page(title, banner, page)


def _not_archived(url: str, sites: list[str], captures: list[Capture], indexes: int) -> HTMLResponse:
    """404: no capture of the URL with a page (none at all, or only 304s) — said, not redirected;
    and when the sites have no CDXJ index at all, that too (an archive `govpub cdxj` never backfilled)."""
    e = html.escape
    why = (f"只有 {len(captures)} 次 304 未修改的抓取记录，没有页面内容" if captures else "没有此网址的抓取记录")
    searched = (f"{'、'.join(sites)}，共 {indexes} 个索引" if indexes else
                f"{'、'.join(sites)}：尚无索引，可用 govpub cdxj 补建") if sites else "无（没有站点的域名包含此网址的主机）"
    body = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>未存档 · {e(url)}</title>
<style>body{{font:14px/1.5 system-ui,sans-serif;margin:2em}} .live::after{{content:" ↗";color:#b35c00}}</style></head>
<body><main id="capture-missing"><h1>未存档：<code>{e(url)}</code></h1>
<p>本存档{e(why)}（已查站点的 CDXJ 索引：{e(searched)}）。</p>
<p>原网站（实时网络，非存档）：<a class="live" href="{e(url)}" rel="noopener noreferrer nofollow">{e(url)}</a></p>
</main></body></html>
"""
    return HTMLResponse(body, status_code=404, headers=CAPTURE_HEADERS)


def _when(timestamp: str) -> str:
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]}"


def _time(fetched: Fetched) -> str:
    e = html.escape
    return f'<time id="capture-time" datetime="{e(fetched.fetched_at or "")}">{e(fetched.fetched_at or "")}</time>'


def _original(fetched: Fetched) -> str:
    e = html.escape
    return (f'<a id="capture-original" class="live" href="{e(fetched.url)}" rel="noopener noreferrer nofollow"'
            f' title="原网站（实时网络），非存档">{e(fetched.url)}</a>')


def _removed(page: CapturedPage) -> str:
    e = html.escape
    return (f'<p id="capture-removed">已移除：{e(describe_removed(page.removed))} · 链接：{page.links_archived} 个指向存档快照，\n'
            f'{page.links_live} 个指向原网站（标 ↗）</p>')


def _view_page(title: str, banner: str, page: CapturedPage) -> str:
    """One HTML document: our banner above the archived page, framed in the sandbox."""
    e = html.escape
    archived_html = page.html.replace("<head>", "<head>" + CAPTURE_STYLE, 1)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="x-dns-prefetch-control" content="off"><title>存档快照 · {e(title)}</title>
<style>
html,body{{margin:0;height:100%}} body{{display:flex;flex-direction:column;font:14px/1.5 system-ui,sans-serif}}
#capture-banner{{background:#fff8e1;border-bottom:2px solid #e0b000;padding:.5em 1em}}
#capture-banner h1{{font-size:15px;margin:0 0 .2em}} #capture-banner p{{margin:.1em 0}}
#capture-banner a{{color:#0645ad}} #capture-banner .live::after{{content:" ↗";color:#b35c00}}
#capture-banner code{{font-size:12px}} iframe{{flex:1;border:0;width:100%}}
</style></head><body>
<header id="capture-banner">
{banner}
</header>
<iframe id="capture-frame" title="存档页面" sandbox="{FRAME_SANDBOX}" referrerpolicy="no-referrer"
 srcdoc="{e(archived_html, quote=True)}"></iframe>
</body></html>
"""
