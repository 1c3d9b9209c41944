"""Field rules of parsers.metadata: values are validated, not just found."""

import pytest

from parsers.metadata import (
    clean_title, date_in_url, date_near_title, doc_number_of, index_no_of, labelled_fields, plausible_source,
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
    ("发布日期", None), ("无", None), (None, None),
])
def test_doc_number_has_its_shape_or_is_null(value, number):
    assert doc_number_of(value) == number


def test_index_no_has_its_shape_or_is_null():
    assert index_no_of("11330303002580426J/2024-00071 发布机构") == "11330303002580426J/2024-00071"
    assert index_no_of("主题分类") is None and index_no_of("2024") is None


@pytest.mark.parametrize("value", ["未知", "本站", "网络", "互联网", "本站原创", "转载文章", "佚名", "发布机构"])
def test_placeholder_sources_are_null(value):
    assert plausible_source(value) is None


def test_a_real_source_is_kept():
    assert plausible_source("温州市龙湾区教育局") == "温州市龙湾区教育局"


def test_an_empty_cell_never_takes_the_next_label():
    assert labelled_fields(["发文字号\t\t发布日期\t2024-03-15"]) == {"发布日期": "2024-03-15"}


@pytest.mark.parametrize(("raw", "title"), [
    ("关于做好防汛工作的通知 - 文成县人民政府门户网站", "关于做好防汛工作的通知"),
    ("城区新建三所小学秋季招生_教育频道_某某新闻网", "城区新建三所小学秋季招生"),
    ("学校工作计划-7篇", "学校工作计划"), ("工作总结（精选5篇）", "工作总结"), ("工作计划(第2/13页)", "工作计划"),
    ("2024年工作要点——聚焦质量提升", "2024年工作要点——聚焦质量提升"),  # a subtitle is not a site name
])
def test_titles_lose_site_names_and_list_suffixes(raw, title):
    assert clean_title(raw) == title
