"""GET /documents/{id}/capture: the page as it was captured, from its WARC record in S3.

One HTML response: a banner of ours (capture time, original URL, what was removed) above an
iframe whose `srcdoc` is the archived page after govpub.search.capture made it inert. Three
layers keep the archived page from running or loading anything: the sanitiser removes scripts,
handlers and sub-resources; the iframe is sandboxed without `allow-scripts` (and without
`allow-same-origin`, so it is an opaque origin); the response's Content-Security-Policy, which a
srcdoc frame inherits, has no script source and lets nothing load (`default-src 'none'`).
Links to pages the index holds point at their capture view; others at the live web, marked.
"""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from botocore.exceptions import ClientError
from fastapi.responses import HTMLResponse, Response

from govpub.archive import ArchiveUnavailable
from govpub.archive.cdxj import find_capture
from govpub.archive.warc import read_one
from govpub.search import engine
from govpub.search.api.backends import ApiBackends, Backends
from govpub.search.api.errors import ERRORS, error_response, not_found
from govpub.search.api.routes.documents import load_document
from govpub.search.capture import capture_links, describe_removed, sanitise_capture

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


def capture_path(doc_id: str) -> str:
    return f"/documents/{doc_id}/capture"


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
    archived = own_captures(doc)
    others = [u for u in capture_links(fetched.body, fetched.url, content_type) if u not in archived]
    archived.update(_archived_links(backends, others))
    captured = sanitise_capture(fetched.body, fetched.url, content_type, archived=archived)
    body = capture_view(doc, fetched, captured, raw, version=doc.get("version") or 1, page_no=page,
                        pages=len(pages))
    return HTMLResponse(body, headers={"Content-Security-Policy": CAPTURE_CSP, "Referrer-Policy": "no-referrer",
                                       "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"})


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
    name = item.get("url", "attachment").rsplit("/", 1)[-1] or "attachment"
    return Response(fetched.body, media_type=item.get("content_type") or "application/octet-stream", headers={
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
    archived_html = page.html.replace("<head>", "<head>" + CAPTURE_STYLE, 1)
    title = doc.get("title") or page.title or fetched.url
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
<h1>存档快照（只读，脚本与外部资源已移除）：{e(title)}</h1>
<p>抓取时间 <time id="capture-time" datetime="{e(fetched.fetched_at or '')}">{e(fetched.fetched_at or '')}</time>
 · HTTP {fetched.status} · 第 {version} 版{f' · 第 {page_no}/{pages} 页' if pages > 1 else ''}
 · 原始网址 <a id="capture-original" class="live" href="{e(fetched.url)}" rel="noopener noreferrer nofollow"
 title="原网站（实时网络），非存档">{e(fetched.url)}</a></p>
<p>存档记录 <code>{e(raw['key'])} @ {int(raw['offset'])} (+{int(raw['length'])} 字节)</code>
 · <a href="/documents/{e(doc['id'])}/raw">下载 WARC 记录</a> · <a href="/#/doc/{e(doc['id'])}">← 文档页</a></p>
<p id="capture-removed">已移除：{e(describe_removed(page.removed))} · 链接：{page.links_archived} 个指向存档快照，
{page.links_live} 个指向原网站（标 ↗）</p>
</header>
<iframe id="capture-frame" title="存档页面" sandbox="{FRAME_SANDBOX}" referrerpolicy="no-referrer"
 srcdoc="{e(archived_html, quote=True)}"></iframe>
</body></html>
"""
