"""The parser never crashes: any bytes give a ParsedArticle or a ParseError (never another exception),
and what it gives keeps the model's contract (parsers/model.py), the same on every call."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import AttachmentFile, Page, ParsedArticle, ParseError, parse_article

URL = "https://example.gov.cn/art/1.html"
TAGS = ["div", "p", "span", "table", "tr", "td", "br", "a", "h1", "script", "style", "form", "ul", "li", "title", "meta"]
WORDS = [
    "发布日期:2024-05-08", "来源:区教育局", "索引号：", "当前位置:首页 >", "网站标识码", "工作要点", "　　",
    "一、总体思路", "文章来", "源一流范文网课", "摘要:", "折扣价5.99", "TAG标签:", "xx市", "20**年", "發(fā)布",
    "<", ">", "&nbsp;", "&#0;", "\x00", "\ufffd", "\ue000", "。", "，", "(第2/3页)", "上一页 1 2 下一页",
]


MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")  # a tag; text inside <title>/<script> may hold one


def assert_text_shape(text: str | None) -> None:
    """Attachment text: None, or lines that are stripped and non-empty."""
    if text is not None:
        assert text, "empty text must be None"
        assert all(line and line == line.strip() for line in text.split("\n")), repr(text)


def assert_contract(result: ParsedArticle) -> None:
    assert isinstance(result, ParsedArticle)
    assert result.body or result.attachments, "an empty body only for an attachment-only notice"
    assert "\n\n" not in result.body and result.body == result.body.strip()
    assert all(line == line.strip() for line in result.body.split("\n")), "no padded lines"
    assert "\n" not in result.title and result.title == result.title.strip(), repr(result.title)
    assert result.script in ("hans", "hant")
    if result.publish_date is not None:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.publish_date), result.publish_date
        dt.date.fromisoformat(result.publish_date)  # a real calendar day
    assert result.year is None or 1900 <= result.year <= 2100, result.year
    assert isinstance(result.truncated, bool) and isinstance(result.placeholders, bool)
    assert result.doc_type
    for att in result.attachments:
        assert_text_shape(att.text)


def check(pages, attachments=()):
    """The result (None for a ParseError) after checking the contract and that a second parse is identical."""
    try:
        result = parse_article(pages, attachments)
    except ParseError as exc:
        # a ParseError must be a deliberate verdict, not a wrapped internal crash
        assert exc.__cause__ is None, f"internal error wrapped as ParseError: {exc!r}"
        with pytest.raises(ParseError, match=re.escape(str(exc))):
            parse_article(pages, attachments)  # the same verdict every time
        return None
    assert_contract(result)
    assert parse_article(pages, attachments) == result, "not deterministic"
    return result


@st.composite
def html_soup(draw):
    """Tag-ish soup: random (often unbalanced) tags, attributes and noisy Chinese fragments."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 3))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            cls = draw(st.sampled_from(["", ' class="TRS_Editor"', ' id="zoom"', ' class="footer"', ' style="display:none"']))
            parts.append(f"<{tag}{cls}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(WORDS)))
        else:
            parts.append(draw(st.text(max_size=30)))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=html_soup(), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk", "text/html; charset=bogus"]))
def test_random_html_never_crashes(html, encoding, content_type):
    body = html.encode(encoding, "replace")
    check([Page(URL, body, content_type)])


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=3000), content_type=st.one_of(st.none(), st.text(max_size=40)))
def test_random_bytes_never_crash(body, content_type):
    check([Page(URL, body, content_type)])


@settings(max_examples=50, deadline=None)
@given(pages=st.lists(st.binary(max_size=500), min_size=1, max_size=4), att=st.binary(max_size=500))
def test_random_multipage_and_attachments_never_crash(pages, att):
    check([Page(f"{URL}?p={i}", b) for i, b in enumerate(pages)], [AttachmentFile(URL + ".pdf", b"%PDF-1.4" + att)])


@settings(max_examples=60, deadline=None)
@given(url=st.text(max_size=60))
def test_odd_urls_never_crash(url):
    html = f'<html><body><div id="zoom"><p>正文第一段，内容。</p><a href="{url}">附件.pdf</a><a href="a.pdf">附件</a></div></body></html>'
    result = check([Page(url, html.encode("utf-8"))])
    # the URL never changes the text, and the relative link is always reported
    assert result.body == parse_article([Page(URL, html.encode("utf-8"))]).body
    assert result.body.split("\n")[0] == "正文第一段，内容。"
    assert "附件" in [a.name for a in result.attachments]


def test_a_mangled_attribute_name_is_no_crash():
    """`href=""{"` leaves an attribute named `{"`, which lxml reads as the start of a namespace
    (found by the property test above: its URL was `"{`)."""
    html = '<html><body><div id="zoom"><p>正文第一段，内容。</p><a href=""{">附件.pdf</a></div></body></html>'
    assert check([Page(URL, html.encode("utf-8"))]).body.split("\n")[0] == "正文第一段，内容。"


NO_BODY = None  # a ParseError ("no article body found")


@pytest.mark.parametrize(
    ("body", "want"),
    [
        (b"", NO_BODY),
        (b" \n\t ", NO_BODY),
        (b"\x00" * 100, NO_BODY),
        (bytes(range(256)) * 8, NO_BODY),
        (b"\xff\xfe" + "正文，内容。".encode("utf-16-le"), NO_BODY),
        (b"%PDF-1.4\n%broken", NO_BODY),
        (b"<html>", NO_BODY),
        (b"<html><body></body></html>", NO_BODY),
        (b"<?xml version='1.0' encoding='gbk'?><html><body><p>\xd5\xfd\xce\xc4\xa3\xac\xc4\xda\xc8\xdd\xa1\xa3</p></body></html>",
         "正文，内容。"),
        (("<div>" * 3000 + "深层嵌套的正文，内容。" + "</div>" * 3000).encode(), "深层嵌套的正文，内容。"),
        (b"<table>" + b"<tr><td>" * 500 + b"</table>", NO_BODY),
    ],
    ids=["empty", "blank", "nul", "all-bytes", "utf16-bom", "pdf-bytes", "open-tag", "empty-body", "xml-decl-gbk",
         "deep-nesting", "unclosed-cells"],
)
def test_edge_inputs(body, want):
    result = check([Page(URL, body, "text/html")])
    assert (result and result.body) == want


def test_empty_input_raises_parse_error():
    with pytest.raises(ParseError):
        parse_article([Page(URL, b"")])


def test_xml_declared_gbk_page_is_decoded():
    body = "<?xml version='1.0' encoding='gbk'?><html><body><p>正文，内容。</p></body></html>".encode("gbk")
    assert parse_article([Page(URL, body)]).body == "正文，内容。"


def test_non_page_input_raises_parse_error():
    with pytest.raises(ParseError):
        parse_article([Page(URL, "字符串不是字节")])  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_article(["not a page"])  # type: ignore[list-item]


def test_broken_pdf_attachment_gives_no_text():
    html = '<html><body><div id="zoom"><p>正文，内容。</p><a href="/f/a.pdf">附件</a></div></body></html>'.encode()
    att = parse_article([Page(URL, html)], [AttachmentFile("https://example.gov.cn/f/a.pdf", b"%PDF-1.7 garbage")])
    assert att.attachments[0].text is None
    assert att.attachments[0].content_type == "application/pdf"


# ---------------------------------------------------------------- site templates, office files, more markup

from parsers import learn_template  # noqa: E402
from parsers.attachments import extract_text  # noqa: E402

CMS = ['class="TRS_Editor"', 'id="UCAP-CONTENT"', 'id="zoom"', 'class="arc_content"', 'id="Article"', 'class="content"']


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages=st.lists(html_soup(), min_size=0, max_size=6), pick=st.integers(0, 5))
def test_template_learning_and_use_never_crash(pages, pick):
    raw = [Page(f"{URL}?a={i}", html.encode("utf-8", "replace")) for i, html in enumerate(pages)]
    template = learn_template(raw)
    assert template == learn_template(list(reversed(raw)))  # order-independent
    if raw:
        page = raw[pick % len(raw)]
        try:
            result = parse_article([page], template=template)
        except ParseError as exc:
            assert exc.__cause__ is None, f"internal error wrapped as ParseError: {exc!r}"
        else:
            assert_contract(result)
            assert parse_article([page], template=template) == result, "not deterministic"
            # a template only removes recurring lines: it never adds text
            plain = check([page])
            assert plain is not None, "with a template it found a body, without none"
            assert set(result.body.split("\n")) <= set(plain.body.split("\n")) | {""}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cms=st.sampled_from(CMS), rows=st.lists(st.lists(st.text(max_size=8), max_size=4), max_size=5),
       words=st.lists(st.sampled_from(WORDS), max_size=12), encoding=st.sampled_from(["utf-8", "gb18030", "big5"]),
       declared=st.sampled_from(["", '<meta charset="utf-8">', '<meta charset="gbk">', '<meta charset="big5">']))
def test_cms_pages_with_tables_in_any_encoding_never_crash(cms, rows, words, encoding, declared):
    table = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows) + "</table>"
    html = f"<html><head>{declared}<title>标题</title></head><body><div {cms}><p>{''.join(words)}</p>{table}</div></body></html>"
    result = check([Page(URL, html.encode(encoding, "replace"))])
    if result is not None and not any("<" in c or "&" in c for r in rows for c in r):
        assert not MARKUP.search(result.body), MARKUP.search(result.body)[0]


@settings(max_examples=150, deadline=None)
@given(head=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.4", b""]),
       body=st.binary(max_size=2000))
def test_office_extraction_never_raises_on_random_bytes(head, body):
    text = extract_text(head + body)
    assert_text_shape(text)
    assert extract_text(head + body) == text


@settings(max_examples=60, deadline=None)
@given(members=st.dictionaries(
    st.sampled_from(["word/document.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "OFD.xml", "Doc_0/Document.xml",
                     "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"]),
    st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: f"<a><b>{t}</b></a>".encode("utf-8", "replace"))),
    max_size=5))
def test_random_zip_office_files_never_raise(members):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    text = extract_text(buf.getvalue())
    assert_text_shape(text)
    assert extract_text(buf.getvalue()) == text


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@settings(max_examples=60, deadline=None)
@given(paras=st.lists(st.text(alphabet="正文内容学校教师工作通知一二三，。", min_size=1, max_size=20), min_size=1, max_size=8))
def test_docx_paragraph_text_survives(paras):
    """A known input, not only a type: each paragraph of a minimal DOCX comes back as one line."""
    import io
    import zipfile

    xml = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paras)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W_NS}"><w:body>{xml}</w:body></w:document>')
    assert extract_text(buf.getvalue()) == "\n".join(paras)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk", "big5"])
@pytest.mark.parametrize("declared", [None, "text/html", "text/html; charset=iso-8859-1"])
def test_undeclared_or_wrongly_declared_legacy_bytes_decode(encoding, declared):
    from parsers.decode import decode_html

    text = "<p>為了做好學校的工作，我們將進一步加強管理。</p>" if encoding == "big5" else "<p>为了做好学校的工作，我们将进一步加强管理。</p>"
    assert decode_html(text.encode(encoding), declared) == text
