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
from fastapi.responses import HTMLResponse

from govpub.archive import ArchiveUnavailable
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
CAPTURE_STYLE = ("<style>a[data-govpub-link=live]::after{content:\" ↗\";color:#b35c00}"
                 ".govpub-dropped{color:#777;border:1px dashed #aaa;padding:0 .2em;font-size:90%}</style>")


def capture_path(doc_id: str) -> str:
    return f"/documents/{doc_id}/capture"


@router.get(
    "/documents/{doc_id}/capture",
    response_class=HTMLResponse,
    responses={**ERRORS, 200: {"content": {"text/html": {}}, "description": "the sandboxed capture view"},
               **not_found("no such document, version or archived HTML page")},
    summary="The page as captured: the archived HTML, sandboxed (no scripts, no outside requests)",
)
def capture(backends: Backends, doc_id: str,
            version: Annotated[int | None, Query(ge=1, description="archived version (default: latest)")] = None):
    doc = load_document(backends, doc_id)
    if doc is None:
        return error_response(404, f"no document {doc_id}")
    raw = doc.get("raw")
    try:
        if version is not None:
            stored = backends.archive.get_version(doc.get("site", ""), doc_id, version)
            if stored is None:
                return error_response(404, f"no version {version} of {doc_id}")
            raw = asdict(stored.raw) if stored.raw else None
        if not raw or not raw.get("key"):
            return error_response(404, "no raw record archived for this document")
        data = backends.archive.get_range(raw["key"], int(raw["offset"]), int(raw["length"]))
    except ArchiveUnavailable as exc:
        return error_response(503, str(exc))
    except Exception as exc:  # botocore ClientError: the object is gone
        return error_response(404, f"raw record not found in the archive: {type(exc).__name__}")
    fetched = read_one(data)
    content_type = fetched.content_type or ""
    if "html" not in content_type.lower():
        return error_response(404, f"the archived response is not an HTML page ({content_type or 'no type'})")
    archived = _archived_links(backends, capture_links(fetched.body, fetched.url, content_type))
    page = sanitise_capture(fetched.body, fetched.url, content_type, archived=archived)
    body = capture_view(doc, fetched, page, raw, version=version or doc.get("version") or 1)
    return HTMLResponse(body, headers={"Content-Security-Policy": CAPTURE_CSP, "Referrer-Policy": "no-referrer",
                                       "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"})


def _archived_links(backends: ApiBackends, urls: list[str]) -> dict[str, str]:
    return {url: capture_path(doc_id) for url, doc_id in engine.documents_at(backends.es, backends.alias, urls).items()}


def capture_view(doc: dict[str, Any], fetched, page, raw: dict[str, Any], *, version: int) -> str:
    """The banner and the sandboxed frame, as one HTML document."""
    e = html.escape
    archived_html = page.html.replace("<head>", "<head>" + CAPTURE_STYLE, 1)
    title = doc.get("title") or page.title or fetched.url
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>存档快照 · {e(title)}</title>
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
 · HTTP {fetched.status} · 第 {version} 版
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
