"""The spider fetches exactly the attachment links the parser lists (one rule: parsers.extract)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from parsers import extract
from parsers.selectors import ATTACHMENT_EXTENSIONS
from spiders.spiders.column import ATTACHMENT, ColumnSpider

ARTICLE_URL = "http://www.longwan.gov.cn/art/2024/3/1/art_1_1.html"
PAGE = """<html><body><div class="TRS_Editor"><p>正文</p>
<a href="./P0202403.pdf">附件1</a> <a href="/files/表格.XLSX">附件2</a> <a href="slides.pptx">附件3</a>
<a href="/module/download/downfile.jsp?classid=0&filename=2403.docx">附件4</a>
<a href="scan.tif">附件5</a> <a href="other.html">相关文章</a> <a href="javascript:void(0)">打印</a>
<a href="mailto:jyj@longwan.gov.cn">信箱</a> <a href="#top">顶部</a>
</div></body></html>"""


def spider_attachment_urls() -> list[str]:
    spider = ColumnSpider(site="longwan-jyj")
    response = HtmlResponse(ARTICLE_URL, body=PAGE.encode("utf-8"), encoding="utf-8",
                            request=Request(ARTICLE_URL, meta={"kind": "article", "page_no": 1}))
    return [r.url for r in spider.parse_article(response)
            if isinstance(r, Request) and r.meta.get("kind") == ATTACHMENT]


def test_the_spider_fetches_what_the_parser_lists_as_attachments():
    # as parsers.article lists them
    listed = [url for url, _ in extract.attachment_links(extract.parse_html(PAGE), ARTICLE_URL, ATTACHMENT_EXTENSIONS)]
    assert len(listed) == 5
    # a scrapy Request percent-encodes its URL (表格 → %E8%A1%A8…); the links are the same
    assert sorted(spider_attachment_urls()) == sorted(Request(url).url for url in listed)


def test_download_scripts_naming_a_file_are_attachments():
    assert extract.is_attachment_url("http://x/downfile.jsp?filename=a.ofd")
    assert not extract.is_attachment_url("http://x/art_1.html?id=3")
