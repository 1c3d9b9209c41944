"""Site-template learning: blocks recurring across a site's pages are boilerplate, no rule needed.

The three `template_site_*` fixture pages are one synthetic site whose article container carries a
notice and a hotline blurb that no rule in parsers/clean.py names.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from govpub.documents import group_articles, parse_articles
from govpub.registry import Site, SiteLinks
from govpub.archive.warc import Fetched, WarcFileWriter, read_records
from parsers import Page, ParseError, Template, learn_template, parse_article

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
SITE_CASES = ["template_site_1", "template_site_2", "template_site_3"]
NOTICE = "【温馨提示】本栏目信息每周二、周五集中更新，敬请关注。"
BLURB = "市民可拨打教育服务热线反映诉求，我们将在三个工作日内予以答复并跟踪办理。"


def site_pages() -> list[Page]:
    out = []
    for case in SITE_CASES:
        meta = json.loads((FIXTURES / case / "meta.json").read_text(encoding="utf-8"))
        out.append(Page(meta["urls"][0], (FIXTURES / case / "page.html").read_bytes(), meta["content_type"]))
    return out


def expected_body(case: str) -> str:
    return json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))["body"]


def test_without_a_template_the_unnamed_blocks_leak():
    body = parse_article([site_pages()[0]]).body
    assert NOTICE in body and BLURB in body  # proves no rule removes them: only the template can


def test_learned_template_removes_them_and_keeps_shared_structure():
    pages = site_pages()
    template = learn_template([[p] for p in pages])
    assert NOTICE.replace(" ", "") in template.lines and BLURB in template.lines
    for case, page in zip(SITE_CASES, pages):
        body = parse_article([page], template=template).body
        assert body == expected_body(case)
        # recurring but structural: headings, the signature, dates stay
        assert "平阳县教育局" in body.splitlines()
    assert "一、工作目标" in parse_article([pages[1]], template=template).body


def test_template_is_deterministic_and_order_independent():
    pages = site_pages()
    a = learn_template([[p] for p in pages])
    b = learn_template([[p] for p in reversed(pages)])
    c = learn_template(pages)  # a bare Page is a one-page article
    assert a == b == c and a.articles == 3


def test_too_few_articles_learn_nothing():
    pages = site_pages()
    assert learn_template(pages[:2]).lines == frozenset()
    assert learn_template([]).lines == frozenset()


def test_a_line_on_under_half_of_the_pages_is_not_learned():
    pages = site_pages()
    others = [Page(f"https://x.example/{i}.html", f"<html><body><p>第{i}篇不同的正文内容，没有重复的提示。</p></body></html>".encode())
              for i in range(4)]
    template = learn_template(pages + others)  # notice on 3 of 7 pages
    assert NOTICE not in template.lines


def test_unreadable_pages_teach_nothing_and_do_not_raise():
    template = learn_template([Page("u1", b""), Page("u2", b"\x00\xff" * 50), Page("u3", b"<html>")])
    assert template == Template(frozenset(), 3)


def test_parse_article_rejects_a_non_template():
    with pytest.raises(ParseError):
        parse_article(site_pages()[:1], template="not a template")  # type: ignore[arg-type]


def test_documents_parse_articles_learns_the_template_of_the_crawl():
    """govpub.documents.parse_articles gets every article of one crawl and applies the template."""
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    for page in site_pages():
        writer.write(Fetched(url=page.url, status=200, response_headers=[("Content-Type", "text/html")], body=page.body,
                             fetched_at="2026-11-23T09:00:00Z",
                             context={"site": "pingyang", "kind": "article", "article_url": page.url, "page_no": 1}))
    buffer.seek(0)
    records = [("raw/pingyang/t.warc.gz", r) for r in read_records(buffer)]
    site = Site(id="pingyang", name="平阳县教育局", agency="平阳县教育局", region=None, kind="official",
                allowed_domains=(), start_urls=(), links=SiteLinks(article="a"))
    outcome = parse_articles(site, group_articles(records))
    assert outcome.errors == []
    assert [d.body for d in outcome.documents] == [expected_body(c) for c in SITE_CASES]


# ---------------------------------------------------------------- fragments of learnt lines

REPO = Path(__file__).resolve().parents[2]


def fanwen_articles() -> list[tuple[list[Page], list[str]]]:
    """The sample content farm as crawled: its articles' pages and their manifest bodies."""
    manifest = json.loads((REPO / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
    www = REPO / "sample_site" / "www"
    return [([Page("http://sample.govpub.test" + p, (www / p.lstrip("/")).read_bytes(), "text/html")
              for p in a["pages"]], a["body"].splitlines())
            for a in manifest["articles"] if a["site"] == "fanwen"]


def test_a_watermark_split_over_two_lines_goes_whole_never_half():
    # The farm prints `文章来` / `源一流范文网课` around each body: the second half is long enough to
    # learn, the first is not; removing only the learnt half left a stray `文章来` first and last line.
    articles = fanwen_articles()
    template = learn_template([pages for pages, _ in articles])
    assert "源一流范文网课" in template.lines and ("文章来", "源一流范文网课") in template.attached
    for pages, want in articles:
        got = parse_article(pages, template=template).body.splitlines()
        assert "文章来" not in got
        assert got == want


def _farm_page(i: int, body: str) -> Page:
    html = (f"<html><body><div class='art'><p>本文</p><p>来自某某范文站，转载请注明出处</p>"
            f"<p>一、</p><p>{body}</p><p>本文</p><p>来自某某范文站，转载请注明出处</p></div></body></html>")
    return Page(f"https://farm.example/{i}.html", html.encode())


def test_fragments_go_with_their_learnt_line_and_nothing_else():
    bodies = [f"第{i}篇正文，讲述本校第{i}项工作的做法与成效，内容各不相同。" for i in range(4)]
    pages = [_farm_page(i, b) for i, b in enumerate(bodies)]
    template = learn_template(pages)
    for page, want in zip(pages, bodies):
        lines = parse_article([page], template=template).body.splitlines()
        assert "本文" not in lines and want in lines
        assert "一、" in lines  # a short heading next to the watermark is structure, never a fragment


def test_stripping_keeps_lines_a_fragment_only_resembles():
    template = Template(frozenset({"源一流范文网课"}), 9, frozenset({("文章来", "源一流范文网课")}))
    # `文章来` away from the learnt line is text of the document, not a fragment of the watermark
    assert template.strip(["文章来", "正文第一段。", "源一流范文网课"]) == ["文章来", "正文第一段。"]
    assert template.strip(["正文。", "文章来", "源一流范文网课"]) == ["正文。"]
