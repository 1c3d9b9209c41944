"""Parser tests over hand-checked fixture pages (tests/fixtures/pages/<case>/)."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from parsers import (
    PARSER_VERSION,
    AttachmentFile,
    Page,
    ParsedArticle,
    ParsedAttachment,
    ParseError,
    learn_template,
    parse_article,
)
from tests import fixture_pages

FIXTURES = fixture_pages.FIXTURES
CASES = fixture_pages.case_names()
ARTICLE_FIELDS = {f.name for f in dataclasses.fields(ParsedArticle)}
ATTACHMENT_FIELDS = {f.name for f in dataclasses.fields(ParsedAttachment)}


def load_case(name: str) -> tuple[list[Page], list[AttachmentFile], dict]:
    case = fixture_pages.load(name)
    return case.pages(), case.attachments(), case.expected


def site_template(name: str):
    """The template learned from every fixture case of the same synthetic site (meta.json "site")."""
    site = fixture_pages.load(name).site
    if not site:
        return None
    group = [c for c in CASES if fixture_pages.load(c).site == site]
    return learn_template([load_case(c)[0] for c in group])


def parse_case(name: str) -> ParsedArticle:
    pages, attachments, _ = load_case(name)
    return parse_article(pages, attachments, template=site_template(name))


def as_json(article: ParsedArticle) -> dict:
    data = dataclasses.asdict(article)
    data["attachments"] = [dict(a) for a in data["attachments"]]
    return data


def test_fixture_cases_exist():
    assert len(CASES) >= 8, CASES


def test_sample_site_references_exist_and_match_their_urls():
    """A case naming sample-site pages reads them in place; each path exists and is its url's path."""
    refs = 0
    for name in CASES:
        case = fixture_pages.load(name)
        paths = case.meta.get("sample_site_pages", []) + [
            a["sample_site_file"] for a in case.meta.get("attachments", []) if "sample_site_file" in a]
        urls = case.meta["urls"][: len(case.meta.get("sample_site_pages", []))] + [
            a["url"] for a in case.meta.get("attachments", []) if "sample_site_file" in a]
        for path, url in zip(paths, urls):
            assert (fixture_pages.SAMPLE_WWW / path).is_file(), f"{name}: sample_site/www/{path} is missing"
            assert url == fixture_pages.SAMPLE_BASE + path, f"{name}: {url} is not the url of {path}"
            refs += 1
    assert refs >= 8  # the five sample_* cases: 7 pages and a PDF


def test_no_fixture_file_is_a_copy_of_a_sample_site_file():
    """Name the sample-site page in meta.json ("sample_site_pages") instead of copying it."""
    def digest(p):
        return hashlib.sha256(p.read_bytes()).hexdigest()

    sample = {digest(p): p for p in fixture_pages.SAMPLE_WWW.rglob("*") if p.is_file()}
    copies = [f"{p.relative_to(FIXTURES)} == {sample[digest(p)].relative_to(fixture_pages.SAMPLE_WWW)}"
              for p in FIXTURES.rglob("*") if p.is_file() and digest(p) in sample]
    assert not copies, copies


@pytest.mark.parametrize("case", CASES)
def test_expected_json_names_every_field(case):
    _, _, expected = load_case(case)
    assert set(expected) == ARTICLE_FIELDS, f"missing {ARTICLE_FIELDS - set(expected)}, extra {set(expected) - ARTICLE_FIELDS}"
    for att in expected["attachments"]:
        assert set(att) == ATTACHMENT_FIELDS


@pytest.mark.parametrize("case", CASES)
def test_fields(case):
    _, _, expected = load_case(case)
    got = as_json(parse_case(case))
    for key in sorted(ARTICLE_FIELDS - {"body"}):
        assert got[key] == expected[key], f"{case}: field {key}"


@pytest.mark.parametrize("case", CASES)
def test_body(case):
    _, _, expected = load_case(case)
    got = parse_case(case).body.splitlines()
    want = expected["body"].splitlines()
    # compare line by line first for a readable failure, then as a whole
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{case}: body line {i}"
    assert got == want


@pytest.mark.parametrize("case", CASES)
def test_body_shape(case):
    body = parse_case(case).body
    lines = body.split("\n")
    assert all(line.strip() for line in lines) or body == "", "no blank lines"
    assert all(line == line.strip() for line in lines), "no leading/trailing whitespace"
    assert "\u3000" not in body and "\xa0" not in body


# Must / mustn't snippets: the kinds of boilerplate each case carries.
MUST_NOT = {
    "*": ["网站标识码", "ICP备", "公网安备", "打印本页", "关闭窗口", "扫一扫", "当前位置", "您现在的位置", "字体", "浏览次数"],
    "seed001_content_farm": ["一流范文网", "文章来", "源一流范文网课", "TAG标签", "相关文章", "xx市教育局xxxx年工作要点"],
    "seed002_official_trs_twice": ["发布日期", "索引号", "资源库栏目", "访问统计"],
    "seed003_doc_share_paywall": ["摘要", "Word文档", "格式:DOC", "折扣价", "VIP", "客服", "全文共", "下载"],
    "traditional_with_pinyin": ["(qū)", "(fā)", "區", "發布"],
    "multipage_three_pages": ["上一页", "下一页", "第2/3页"],
    "utf8_declared_gb18030_bytes": ["分享到", "\ufffd"],
    "gbk_meta_charset_only": ["\ufffd", "温龙教〔2024〕35号"],
    "trs_meta_tags_xxgk_table": ["图解", "分享到", "二维码", "规范性文件", "主办单位", "联系我们", "索引号", "›", "| "],
    "ucap_text_patterns_notice": ["发布日期", "来源:", "欢迎访问", "技术支持", "【字体", "关于开展2024年中小学生暑期安全教育活动的通知"],
    "big5_undeclared_hanweb": ["發", "瀏覽量", "浏览量", "信息来源", "主办单位"],
    "gbk_declared_dedecms_hant_pinyin": ["(qū)", "(fā)", "點擊", "点击", "作者", "版权所有"],
    "phpcms_related_prevnext": ["上一篇", "下一篇", "相关文章", "2022年工作总结", "Powered"],
    "farm_vip_tail_truncated": ["本文来", "自范文大", "全网", "VIP", "折扣价", "TAG标签", "客服", "7X24"],
    "summary_and_title_repeated": ["摘要", "……", "关键词", "相关推荐", "个人培训总结", "文档之家"],
    "multipage_query_param": ["(第1/2页)", "上一页", "下一页"],
    "layout_tables_br_gb2312": ["县政府常务会议纪要", "人事任免", "您所在的位置", "点击数", "打印此页", "版权所有", "地址："],
    "wechat_mirror_js_content": ["点击上方蓝字", "来源：", "编辑：", "审核", "阅读原文", "微信扫一扫", "关注该公众号", "龙湾教育"],
    "portal_link_boxes_in_layout_cell": ["推", "暑期托管", "名师一对一", "相关报道", "集团化办学推进会", "发表评论",
                                         "打印本文", "热点新闻", "2024-06-12 09:30"],
    "forum_reply_links_outnumber_post": ["【", "晨跑的老张", "减速带最管用", "阅览者", "回复本帖", "[4321/14]"],
    "body_continues_in_sibling_data_table": ["访问者", "本站原创", "保留追究"],
    "notice_names_organisers_and_copyright": ["教育信息中心", "版权所有：", "联系我们"],
    "standfirst_before_cms_container": ["分享到", "发布时间"],
    "portal_repost_notes_run_on": ["原标题", "责任编辑", "林晓", "日报网"],
    "template_site_1": ["温馨提示", "教育服务热线", "局长信箱"],
    "template_site_2": ["温馨提示", "教育服务热线", "局长信箱"],
    "template_site_3": ["温馨提示", "教育服务热线", "局长信箱"],
    "photo_captions": ["现场会上", "学生在老师指导下", "救生圈的使用方法", "图为", "摄）"],
}
MUST = {
    "seed002_official_trs_twice": ["(2023—2025年)", "教育城域网出口 带宽8G", "五四红旗团委"],
    "seed003_doc_share_paywall": ["20**年通过省级验收", "建立问责制度。"],
    "gbk_meta_charset_only": ["王堃", "日期\t内容\t责任部门", "7月1日\t防溺水专题教育\t安全科"],
    "seed001_content_farm": ["xxxx年,市教育局将认真贯彻"],
    "trs_meta_tags_xxgk_table": ["(市、区两级共同推进)", "（2023—2025年）", "(一)扩大", "2024年\t1200\t93%"],
    "gbk_declared_dedecms_hant_pinyin": ["(一)全面", "(市、区)两级", "（2023—2025年）", "发放工作"],
    "farm_vip_tail_truncated": ["xx市教育局xxxx年", "20**年", "由XX副校长"],
    "table_merged_cells": ["小学\t实验小学\t5\t225", "初中\t实验中学\t10\t450", "合计\t39\t1805"],
    "portal_link_boxes_in_layout_cell": ["附件：1.教育集团名单.xls", "2.集团办学考核办法.pdf"],
    "body_continues_in_sibling_data_table": ["附：2024年区属高中招生计划\n学校\t计划数", "区第一高级中学\t600\t200\t0577-86001234"],
}


@pytest.mark.parametrize(
    ("title", "doc_type", "year"),
    [
        ("温州市龙湾区教育局2024年工作要点", "工作要点", 2024),
        ("关于印发《鹿城区教育局2024年工作要点》的通知", "通知", 2024),
        ("xx市教育局xxxx年工作要点", "工作要点", None),  # placeholders never become a year
        ("20**年学校安全工作计划", "工作计划", None),
        ("学校2023—2024学年第一学期工作计划", "工作计划", 2023),
        ("金坛区教育局2023年上半年工作总结", "工作总结", 2023),
        ("关于2023年度学校安全工作考核结果的通报", "通报", 2023),
        ("教育局局长在全区教育工作会议上的讲话", "讲话", None),
        ("关于进一步规范校外培训的实施意见（征求意见稿）", "意见", None),
        ("平阳县教育局2024年教师招聘工作方案", "方案", 2024),
        ("新闻动态", "other", None),
    ],
)
def test_doc_type_and_subject_year(title, doc_type, year):
    from parsers.classify import doc_type_of, has_placeholders, subject_year

    assert doc_type_of(title) == doc_type
    assert subject_year(title) == year
    if "x" in title or "*" in title:
        assert has_placeholders(title)


@pytest.mark.parametrize("case", CASES)
def test_snippets(case):
    body = parse_case(case).body
    for snippet in MUST_NOT["*"] + MUST_NOT.get(case, []):
        assert snippet not in body, f"{case}: {snippet!r} leaked into the body"
    for snippet in MUST.get(case, []):
        assert snippet in body, f"{case}: {snippet!r} missing from the body"


def test_a_centred_line_is_a_caption_only_next_to_an_image():
    html = ("<html><body><div class='article-content'><p style='text-align:center'>第一章 总则</p>"
            "<p>为规范学校安全管理工作，保障师生人身安全，根据有关法律法规，结合本县实际，制定本办法。</p>"
            "<p align='center'><img src='a.jpg'></p><p align='center'>本办法自2024年9月1日起施行，由县教育局负责解释，"
            "此前有关规定与本办法不一致的，以本办法为准。</p></div></body></html>")
    body = parse_article([Page("http://x.example/a.html", html.encode(), "text/html")]).body
    assert body.splitlines()[0] == "第一章 总则"  # centred, short, but no image before it
    assert "本办法自2024年9月1日起施行" in body  # after an image, but a sentence, not a caption


def test_body_kept_once_when_printed_twice():
    pages, _, _ = load_case("seed002_official_trs_twice")
    body = parse_article(pages).body
    assert body.count("开展资源教师专项评比。") == 1
    assert body.count("温州市龙湾区教育局2024年工作要点") == 1


def test_pdf_attachment_text_is_extracted():
    pages, attachments, _ = load_case("attachment_only_pdf")
    att = parse_article(pages, attachments).attachments[0]
    assert att.content_type == "application/pdf"
    assert att.text and "鹿城区教育局2024年工作要点" in att.text


def test_attachment_without_bytes_has_no_text():
    pages, _, _ = load_case("attachment_only_pdf")
    atts = parse_article(pages).attachments
    assert [a.text for a in atts] == [None, None]
    assert all(a.url.startswith("https://") for a in atts)


def test_unlinked_attachment_file_is_still_reported():
    pages, attachments, _ = load_case("seed001_content_farm")
    pdf = (FIXTURES / "attachment_only_pdf" / "attachment_1.pdf").read_bytes()
    got = parse_article(pages, [AttachmentFile("https://x.example/files/a.pdf", pdf)]).attachments
    assert [(a.name, a.content_type) for a in got] == [("a.pdf", "application/pdf")]
    assert "工作要点" in (got[0].text or "")


def test_version_and_errors():
    assert PARSER_VERSION == "1.4.0"
    assert issubclass(ParseError, ValueError)
    with pytest.raises(ParseError, match="no pages"):
        parse_article([])
    with pytest.raises(ParseError, match="no article body found in https://a.example/x"):
        parse_article([Page("https://a.example/x", b"<html><body><div class='nav'></div></body></html>")])


def test_result_is_frozen():
    pages, _, _ = load_case("seed002_official_trs_twice")
    article = parse_article(pages)
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "x"  # type: ignore[misc]
    assert isinstance(article.attachments, tuple)
