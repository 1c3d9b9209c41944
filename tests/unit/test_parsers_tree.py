"""parsers.tree.soup_of builds the tree BeautifulSoup(html, "lxml") builds, faster.

Checked on every fixture page, the sample site's pages and the 69 real CWCE pages. Allowed
differences, none of which the parser reads: comments and doctypes (skipped by every text walk),
bs4's re-encoding of `charset=` on output, and a bare boolean attribute's value (`defer` vs
`defer="defer"`: the parser only asks whether such an attribute is there).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from parsers.decode import decode_html
from parsers.tree import soup_of
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


def _normalised(soup: BeautifulSoup) -> str:
    for tag in soup.find_all(True):
        for name, value in list(tag.attrs.items()):
            if value == name:
                tag.attrs[name] = ""
    out = soup.html.decode() if soup.html else soup.decode()
    out = re.sub(r"<!--.*?-->|<!DOCTYPE[^>]*>", "", out, flags=re.S | re.I)
    out = re.sub(r"charset=[\w-]+", "charset=X", out)
    return re.sub(r"\s+", " ", out)


PAGES = _pages()


@pytest.mark.parametrize(("name", "body", "content_type"), PAGES, ids=[p[0] for p in PAGES])
def test_same_tree_as_beautifulsoup_with_lxml(name, body, content_type):
    html = re.sub(r"^\s*<\?xml[^>]*>", "", decode_html(body, content_type))
    assert _normalised(soup_of(html)) == _normalised(BeautifulSoup(html, "lxml"))


def test_text_below_libxml2s_depth_limit_is_kept():
    html = "<div>" * 3000 + "深层嵌套的正文。" + "</div>" * 3000
    assert soup_of(html).get_text() == "深层嵌套的正文。"


def test_strings_keep_their_bs4_kinds():
    soup = soup_of("<html><head><style>p{}</style><script>var a;</script></head>"
                   "<body><pre>  a\n </pre><p> </p><!-- note --></body></html>")
    assert type(soup.find("script").string).__name__ == "Script"
    assert type(soup.find("style").string).__name__ == "Stylesheet"
    assert soup.find("pre").string == "  a\n "  # whitespace kept in <pre>
    assert soup.find("p").string == " "  # collapsed elsewhere, as bs4 does
    assert soup.get_text() == "  a\n  "  # comments are not text


def test_class_is_a_list_as_in_bs4():
    assert soup_of('<p class="a  b">x</p>').p["class"] == ["a", "b"]


@pytest.mark.parametrize(("name", "body", "content_type"), PAGES, ids=[p[0] for p in PAGES])
def test_template_lines_without_bs4_are_the_parsers_lines(name, body, content_type):
    from parsers import clean, extract
    from parsers.tree import page_lines_fast

    html = re.sub(r"^\s*<\?xml[^>]*>", "", decode_html(body, content_type))
    soup = extract.parse_html(html)
    clean.drop_always(soup)
    assert page_lines_fast(html, extract.BLOCK_TAGS, clean.ALWAYS_DROP, clean.DISPLAY_NONE) == \
        extract.lines_of(soup.body or soup)
