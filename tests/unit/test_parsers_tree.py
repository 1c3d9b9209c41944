"""parsers.tree reads lxml's tree with the text rules of BeautifulSoup(html, "lxml").

The parser works on lxml's C-built tree (building bs4's tree was most of a parse). These tests
pin that every element's text is the text bs4 gives for it — `get_text()` and
`get_text(" ", strip=True)`, before and after the parser drops scripts, media and hidden
elements — on every fixture page, the sample site's pages and the 69 real CWCE pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from parsers import clean
from parsers.decode import decode_html
from parsers.extract import element_index, lines_of
from parsers.tree import Tree, parse_tree, simplify_text, text_of
from tests import fixture_pages

REPO = Path(__file__).resolve().parents[2]


def _pages() -> list[tuple[str, bytes, str | None]]:
    out = []
    for name in fixture_pages.case_names():
        for page in fixture_pages.load(name).pages():
            out.append((name, page.body, page.content_type))
    for path in sorted((REPO / "bench" / "data" / "cwce").glob("*/page.html")):
        out.append((path.parent.name[:8], path.read_bytes(), "text/html"))
    for path in sorted((REPO / "sample_site" / "www").rglob("*.html"))[:10]:
        out.append((str(path.relative_to(REPO / "sample_site" / "www")), path.read_bytes(), "text/html"))
    return out


PAGES = _pages()


def _always_dropped(tag) -> bool:
    style = tag.get("style")
    return tag.name in clean.ALWAYS_DROP or "hidden" in tag.attrs or bool(
        isinstance(style, str) and clean.DISPLAY_NONE.search(style))


def _texts_match(soup: BeautifulSoup, tree: Tree) -> None:
    tags = [t for t in soup.find_all(True)]
    elements = [el for el in tree.elements() if not tree.removed(el)]
    assert [t.name for t in tags] == [el.tag for el in elements]
    for tag, el in zip(tags, elements):
        assert text_of(el, tree, " ", True) == tag.get_text(" ", strip=True), tag.name
        # bs4's own builder splits a few whitespace runs differently from libxml2's tree (3 CWCE pages)
        assert _spaced(text_of(el, tree)) == _spaced(tag.get_text()), tag.name


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(("name", "body", "content_type"), PAGES, ids=[p[0] for p in PAGES])
def test_every_elements_text_is_bs4s(name, body, content_type):
    html = re.sub(r"^\s*<\?xml[^>]*>", "", decode_html(body, content_type))
    soup, tree = BeautifulSoup(html, "lxml"), parse_tree(html)
    _texts_match(soup, tree)
    for tag in [t for t in soup.find_all(True) if _always_dropped(t)]:
        if not tag.decomposed:
            tag.decompose()
    clean.drop_always(tree, element_index(tree)["*"])
    _texts_match(soup, tree)


def test_text_below_libxml2s_depth_limit_is_kept():
    tree = parse_tree("<div>" * 3000 + "深层嵌套的正文。" + "</div>" * 3000)
    assert text_of(tree.root, tree) == "深层嵌套的正文。"


def test_strings_keep_their_bs4_kinds():
    tree = parse_tree("<html><head><style>p{}</style><script>var a;</script></head>"
                      "<body><pre>  a\n </pre><p> </p><!-- note --><ruby>漢<rt>han</rt></ruby></body></html>")
    assert text_of(tree.root, tree) == "  a\n  漢"  # no script, style, comment or ruby gloss; <pre> kept
    assert text_of(next(tree.root.iter("script")), tree) == "var a;"
    assert text_of(next(tree.root.iter("p")), tree) == " "  # whitespace-only: one space, as bs4 collapses it


def test_a_dropped_element_keeps_its_tail_and_splits_no_string():
    tree = parse_tree("<html><body><p>前文 <img src=x.png> 后文</p><div>甲<span hidden>隐藏</span>乙</div></body></html>")
    clean.drop_always(tree)
    p, div = next(tree.root.iter("p")), next(tree.root.iter("div"))
    assert text_of(p, tree, " ", True) == "前文 后文" and text_of(div, tree) == "甲乙"
    assert lines_of(tree.body(), tree) == ["前文 后文", "甲乙"]


def test_two_top_level_html_elements_are_both_read():
    # libxml2 leaves a second <html> beside the first for some broken pages; bs4 keeps both
    html = (REPO / "bench" / "data" / "cwce" / "33a95b71-b49b-42c1-9c0a-ab8e3feba3cf" / "page.html").read_bytes()
    tree = parse_tree(decode_html(html, "text/html"))
    assert [el.tag for el in tree.root] == ["html", "html"]
    assert "短信内容" in text_of(tree.root, tree)


def test_simplify_text_keeps_control_characters_out_of_lxml():
    tree = parse_tree("<html><body><p>發佈\x0b日期</p><meta name=x content='機關'></body></html>")
    simplify_text(tree, lambda s: s.replace("發佈", "发布").replace("機關", "机关"))
    assert text_of(tree.root, tree) == "发布日期"
    assert next(tree.root.iter("meta")).get("content") == "机关"
