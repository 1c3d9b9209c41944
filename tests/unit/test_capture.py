"""The capture view's sanitiser (govpub.search.capture): nothing that runs or loads by itself is
left, every removal is counted, links go to archived captures or are marked live."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from govpub.search.capture import FETCHING_ATTRIBUTES, capture_links, sanitise_capture
from govpub.settings import REPO_ROOT
from parsers.decode import decode_html

PAGE_URL = "http://example.gov.cn/col/art/1.html"

HOSTILE = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta http-equiv="refresh" content="0; url=http://evil.example/">
<base href="http://evil.example/">
<title>测试页</title>
<link rel="stylesheet" href="/css/site.css"><link rel="preload" href="http://evil.example/x.js">
<style>@import url(http://evil.example/a.css); body { background: url('http://evil.example/b.png') }</style>
<script>document.title = "ran"</script><script src="http://evil.example/tracker.js"></script>
</head><body onload="steal()">
<!--[if IE]><script src="http://evil.example/ie.js"></script><![endif]-->
<p style="text-indent:2em; background-image:url(http://evil.example/c.png)">正文第一段。</p>
<img src="http://evil.example/pixel.gif" alt="校园照片"><img srcset="/a.png 2x">
<iframe src="http://evil.example/frame"></iframe><object data="x.swf"></object><embed src="y.swf">
<video poster="http://evil.example/p.jpg"><source src="v.mp4"></video>
<svg><image href="http://evil.example/s.svg"/><use xlink:href="http://evil.example/u.svg#i"/></svg>
<form action="http://evil.example/post"><input type="image" src="http://evil.example/btn.png">
<button formaction="http://evil.example/f">提交</button></form>
<a href="javascript:alert(1)">打印</a> <a href="#top">顶部</a> <a href="mailto:x@example.gov.cn">邮件</a>
<a href="/col/art/2.html#p3" target="_blank" onclick="track()">第二篇（已存档）</a>
<a href="http://other.example/page.html">外部链接</a>
<div id="x" onmouseover="a()" ONCLICK="b()">事件</div>
</body></html>"""


def parsed(page) -> BeautifulSoup:
    return BeautifulSoup(page.html, "lxml")


def assert_inert(soup: BeautifulSoup) -> None:
    assert soup.find_all(["script", "iframe", "frame", "object", "embed", "base", "link", "img"]) == []
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            assert name.lower() not in FETCHING_ATTRIBUTES, (tag.name, name)
            assert name.lower() != "href" or tag.name in ("a", "area"), (tag.name, name)
            if name.lower() == "href":  # other attributes (class, title, content) are text
                assert urlsplit(str(value).strip()).scheme.lower() not in ("javascript", "vbscript", "data"), value
            if name.lower() == "style":
                assert "url(" not in str(value).lower() and "expression(" not in str(value).lower(), value
        assert not (tag.name == "meta" and (tag.get("http-equiv") or "").lower() == "refresh")
    for style in soup.find_all("style"):
        assert "url(" not in style.get_text() and "@import" not in style.get_text()


def test_a_hostile_page_comes_out_inert_and_every_removal_is_counted():
    archived = {"http://example.gov.cn/col/art/2.html": "/documents/abc/capture"}
    page = sanitise_capture(HOSTILE.encode("gb18030"), PAGE_URL, "text/html; charset=gbk", archived=archived)
    soup = parsed(page)
    assert_inert(soup)
    assert page.title == "测试页" and "正文第一段。" in soup.get_text()
    assert soup.find("p")["style"].startswith("text-indent:2em")  # harmless style kept
    assert soup.find("meta", charset="utf-8") is not None and "gb2312" not in page.html
    assert page.removed["scripts"] == 2  # the one inside the conditional comment went with the comment
    assert page.removed["event handlers"] == 4  # lxml keeps one of ONCLICK/onclick
    assert page.removed["javascript: links"] == 1
    assert page.removed["frames"] == 1 and page.removed["objects"] == 2 and page.removed["base"] == 1
    assert page.removed["stylesheets/links"] == 2 and page.removed["meta http-equiv"] == 1
    assert page.removed["images/media"] == 5 and page.removed["css urls"] == 4
    assert soup.find("span", class_="govpub-dropped").get_text() == "[图片：校园照片]"
    # links: the archived one goes to its capture (fragment kept), the other is marked live
    archived_link = soup.find("a", attrs={"data-govpub-link": "archived"})
    assert archived_link["href"] == "/documents/abc/capture#p3" and archived_link["target"] == "_top"
    live = soup.find_all("a", attrs={"data-govpub-link": "live"})
    assert [a["href"] for a in live] == ["http://other.example/page.html"]
    assert "noreferrer" in live[0]["rel"] and live[0]["title"].startswith("未存档")
    assert (page.links_archived, page.links_live) == (1, 1)
    assert soup.find("a", href="#top") is not None and soup.find("a", href="mailto:x@example.gov.cn") is not None


def test_links_are_listed_absolute_without_fragments_once_each():
    links = capture_links(HOSTILE.encode("utf-8"), PAGE_URL)
    assert links == ["http://example.gov.cn/col/art/2.html", "http://other.example/page.html"]


def test_a_page_without_head_still_gets_its_charset():
    page = sanitise_capture("<p onclick='x()'>只有正文</p>".encode("utf-8"), PAGE_URL)
    assert parsed(page).find("meta", charset="utf-8") is not None and page.removed == {"event handlers": 1}


SAMPLE_PAGES = sorted((REPO_ROOT / "sample_site" / "www").rglob("*.html"))


@pytest.mark.parametrize("path", SAMPLE_PAGES[::4], ids=lambda p: str(p.relative_to(REPO_ROOT / "sample_site")))
def test_every_sample_page_comes_out_inert_with_its_text(path):
    body = path.read_bytes()
    page = sanitise_capture(body, "http://127.0.0.1:8765/" + str(path.relative_to(REPO_ROOT / "sample_site" / "www")))
    assert_inert(parsed(page))
    original = BeautifulSoup(decode_html(body), "lxml")
    for s in original.find_all(["script", "style"]):
        s.decompose()
    words = [w for w in original.get_text(" ").split() if len(w) > 8][:20]
    assert all(w in parsed(page).get_text(" ") for w in words)


# -- any mix of hostile markup ---------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TAGS = ["p", "div", "a", "img", "script", "iframe", "svg", "image", "use", "style", "link", "embed", "object",
        "form", "input", "button", "video", "source", "meta", "base", "noscript", "table", "td", "span", "math"]
ATTRS = ["href", "src", "srcset", "onclick", "onerror", "ONLOAD", "style", "action", "formaction", "poster",
         "xlink:href", "data", "http-equiv", "content", "ping", "background", "class", "title"]
VALUES = ["javascript:alert(1)", " JaVaScRiPt:x()", "http://evil.example/x", "/local/y.html", "#frag",
          "background:url(http://evil.example/z.png)", "refresh", "0;url=http://evil.example/", "x", "文字",
          "data:text/html,<script>x()</script>", "mailto:a@b.cn"]

fragment = st.recursive(
    st.sampled_from(["文本", "text", "<!-- c -->", "<!--[if IE]><script>x()</script><![endif]-->", ""]),
    lambda inner: st.builds(
        lambda tag, attrs, body: f"<{tag}{''.join(f' {a}={v!r}' for a, v in attrs)}>{body}</{tag}>",
        st.sampled_from(TAGS), st.lists(st.tuples(st.sampled_from(ATTRS), st.sampled_from(VALUES)), max_size=4),
        st.lists(inner, max_size=3).map("".join)),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(fragment, min_size=1, max_size=4).map("".join))
def test_any_mix_of_hostile_markup_comes_out_inert(markup):
    page = sanitise_capture(f"<html><head></head><body>{markup}</body></html>".encode("utf-8"), PAGE_URL)
    assert_inert(parsed(page))
