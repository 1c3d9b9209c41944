"""Field rules of parsers.metadata: values are validated, not just found."""

import pytest

from parsers.metadata import (
    clean_title, date_in_url, date_near_title, doc_number_of, index_no_of, labelled_fields, meta_fields,
    metadata_tags, plausible_source, title_from_tag,
)


@pytest.mark.parametrize(("url", "date"), [
    ("http://x.gov.cn/tzgg/202403/t20240315_456789.html", "2024-03-15"),
    ("https://x.gov.cn/art/2024/3/15/art_1229_88.html", "2024-03-15"),
    ("http://bj.house.example/p/2005-03-31/031868306.html", "2005-03-31"),
    ("http://business.example/20050311/n224643115.shtml", "2005-03-11"),
    ("http://auto.example/90/63/article215506390.shtml", None),  # digits of an id, not a date
    ("http://x.example/list.html?date=20240315", None),  # a query is not where a page's date lives
])
def test_date_in_url(url, date):
    assert date_in_url(url) == date


def test_date_near_title_reads_a_byline_not_the_body():
    lines = ["首页 | 新闻", "城区新建三所小学", "2003-7-24 钱江晚报", "正文提到2001年3月5日的事。"]
    assert date_near_title(lines, "城区新建三所小学") == "2003-07-24"
    assert date_near_title(["标题", "正文里说起1998年5月4日那天的事情，已经过去很多年了，可是谁也没有忘记那一天发生的一切。"],
                           "标题") is None


@pytest.mark.parametrize(("value", "number"), [
    ("温龙教〔2024〕112号 字号：大中小", "温龙教〔2024〕112号"),
    ("国办发[2024]5号", "国办发[2024]5号"),
    ("浙教办函（2023）第12号", "浙教办函（2023）第12号"),
    ("浙教办﹝2024﹞3号", "浙教办﹝2024﹞3号"),
    ("温政发〔２０２４〕１２号", "温政发〔2024〕12号"),  # full-width digits
    ("国家税务总局公告2024年第3号", "国家税务总局公告2024年第3号"),  # the 公告 form
    ("发布日期", None), ("无", None), (None, None), ("2024年3月15日", None), ("字号：大中小", None),
])
def test_doc_number_has_its_shape_or_is_null(value, number):
    assert doc_number_of(value) == number


def test_index_no_has_its_shape_or_is_null():
    assert index_no_of("11330303002580426J/2024-00071 发布机构") == "11330303002580426J/2024-00071"
    assert index_no_of("000014349/２０２４-00012") == "000014349/2024-00012"
    assert index_no_of("主题分类") is None and index_no_of("2024") is None
    # a date (the neighbouring 发布日期 cell's) is never an index number
    assert index_no_of("2024-03-15") is None and index_no_of("20240315") is None


@pytest.mark.parametrize("value", ["未知", "本站", "网络", "互联网", "本站原创", "转载文章", "佚名", "发布机构",
                                   "网络整理", "综合整理", "管理员", "admin", "【打印】【关闭】", "  "])
def test_placeholder_sources_are_null(value):
    assert plausible_source(value) is None


def test_a_real_source_is_kept():
    assert plausible_source("温州市龙湾区教育局") == "温州市龙湾区教育局"
    assert plausible_source("温州市龙湾区教育局【打印】【关闭】") == "温州市龙湾区教育局"  # UI text the cell ran into


def test_an_empty_cell_never_takes_the_next_label():
    assert labelled_fields(["发文字号\t\t发布日期\t2024-03-15"]) == {"发布日期": "2024-03-15"}


@pytest.mark.parametrize(("raw", "title"), [
    ("关于做好防汛工作的通知 - 文成县人民政府门户网站", "关于做好防汛工作的通知"),
    ("城区新建三所小学秋季招生_教育频道_某某新闻网", "城区新建三所小学秋季招生"),
    ("学校工作计划-7篇", "学校工作计划"), ("工作总结（精选5篇）", "工作总结"), ("工作计划(第2/13页)", "工作计划"),
    ("2024年工作要点——聚焦质量提升", "2024年工作要点——聚焦质量提升"),  # a subtitle is not a site name
    ("关于做好防汛工作的通知_某某县水利局", "关于做好防汛工作的通知"),  # an agency after `_` is the site
    ("坚守一线——记龙湾区公安局", "坚守一线——记龙湾区公安局"),  # … but after `——` a subtitle
    ("学习贯彻党的二十大精神 | 市教育局", "学习贯彻党的二十大精神"),
    ("2024年工作要点 -- 某某区人民政府", "2024年工作要点"),
    ("工作总结(共6篇)", "工作总结"), ("学校工作计划范文7篇", "学校工作计划范文"),
])
def test_titles_lose_site_names_and_list_suffixes(raw, title):
    assert clean_title(raw) == title


def _date_of(head: str, body: str, url: str = "http://x.example/a/123.html") -> str | None:
    from parsers import Page, parse_article

    html = (f"<html><head><title>城区新建三所小学秋季招生</title>{head}</head><body><h1>城区新建三所小学秋季招生</h1>"
            f"{body}<div><p>记者从市教育局获悉，城区今年新建的三所小学将于九月开学，秋季招收一年级新生共计九百人。</p></div>"
            "</body></html>")
    return parse_article([Page(url, html.encode(), "text/html; charset=utf-8")]).publish_date


def test_dates_prefer_the_page_label_then_meta_then_url_then_a_byline():
    meta = '<meta name="PubDate" content="2024-02-02 10:00">'
    label = "<div>发布日期：2024-01-01　来源：市教育局</div>"
    byline = "<div>2024-04-04 钱江晚报</div>"
    url = "http://x.gov.cn/art/2024/3/3/art_1_2.html"
    assert _date_of(meta, label + byline, url) == "2024-01-01"
    assert _date_of(meta, byline, url) == "2024-02-02"
    assert _date_of("", byline, url) == "2024-03-03"
    assert _date_of("", byline) == "2024-04-04"
    assert _date_of("", "") is None  # never guessed


def test_meta_tags_and_title_are_read_by_beautifulsoup_wherever_the_page_prints_them():
    html = (
        '<?xml version="1.0" encoding="utf-8"?><html><head>'
        '<script>document.write("<meta name=\'PubDate\' content=\'1999-01-01\'><body>")</script>'
        '<!-- <meta name="ArticleTitle" content="注释里的标题"> -->'
        '<meta name="Description" content="a > b &amp; c">'
        '<title>关于做好防汛工作的通知 &amp; 附件 - 某某县人民政府</title></head>'
        '<body><div>正文</div><META NAME="PubDate" CONTENT="2024-06-12"></body></html>'
    )
    head = metadata_tags(html)
    assert meta_fields(head) == {"description": "a > b & c", "pubdate": "2024-06-12"}
    assert title_from_tag(head) == "关于做好防汛工作的通知 & 附件"
    assert meta_fields(metadata_tags("plain text.html")) == {} and title_from_tag(metadata_tags("")) == ""
    # a mangled attribute name (`href=""{"`) opens no quoted value: the next tags are still read
    mangled = metadata_tags('<meta name="a" href=""{" content="b"><meta name="c" content="x>y"><title>标题</title>')
    assert meta_fields(mangled) == {"a": "b", "c": "x>y"} and title_from_tag(mangled) == "标题"
