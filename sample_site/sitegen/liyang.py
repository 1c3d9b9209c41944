"""liyang-jyj: a Hanweb (大汉) jcms column listed through jpage and its dataproxy endpoint.

The column page carries only the first group of records, inside
`<script type="text/xml"><datastore><nextgroup>…</nextgroup><recordset><record><![CDATA[<li>…]]>`,
and a `jpage({proxyUrl, perPage, groupSize, totalRecord})` call; the browser POSTs
`col=1&appid=1&webid=…&columnid=…&unitid=…` to module/web/jpage/dataproxy.jsp
(`?startrecord=3&endrecord=4&perpage=2`) for the next groups. The sample server answers that
POST from records/<columnid>.json, written here (govpub_dev/samplesite.py).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from sitegen import chrome
from sitegen.common import Article, Output, esc

AGENCY = "溧阳市教育局"
COLUMN = "通知公告"
COLUMN_ID, UNIT_ID, WEB_ID = 5678, 29871, 12
COLUMN_DIR = f"/liyang/col/col{COLUMN_ID}/"
PROXY = "/liyang/module/web/jpage/dataproxy.jsp"
PER_PAGE, GROUP_SIZE = 2, 1


def record(a: Article) -> str:
    return (f'<li><a href="{a.url}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
            f"<span class=\"bt-data-time\">{a.date}</span></li>")


def build_liyang(out: Output, articles: list[Article]) -> list[str]:
    articles = chrome.newest_first(articles)
    home, column_url = "/liyang/index.html", COLUMN_DIR + "index.html"
    foot = chrome.footer(AGENCY, "溧阳市燕山中路12号", "苏ICP备10012345号") + "<!-- 技术支持：南京大汉网络有限公司 -->\n"
    first = articles[: PER_PAGE * GROUP_SIZE]
    nextgroup = (f"{PROXY}?page=1&webid={WEB_ID}&path=/liyang/&columnid={COLUMN_ID}&unitid={UNIT_ID}"
                 f"&webname={quote(AGENCY)}&permissiontype=0")
    records = "".join(f"<record><![CDATA[\n{record(a)}\n]]></record>\n" for a in first)
    page = (chrome.head(f"{COLUMN} {AGENCY}", "溧阳市人民政府", COLUMN)
            + chrome.banner(AGENCY, home, COLUMN, column_url)
            + f'<div class="main"><div class="lm_title">{COLUMN}</div>\n'
            + f'<div id="{UNIT_ID}"><script type="text/xml"><datastore>\n'
            + f'<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
            + f"<recordset>\n{records}</recordset>\n</datastore></script></div>\n"
            + '<script language="javascript" src="/liyang/module/jslib/jquery/jpage/jquery.jpage.js"></script>\n'
            + "<script>\n$(document).ready(function(){\n"
            + f"  $('#{UNIT_ID}').jpage({{dataStore: $('#{UNIT_ID} script[type=\"text/xml\"]'), proxyUrl: '{PROXY}',"
            + f" perPage: {PER_PAGE}, groupSize: {GROUP_SIZE}, totalRecord: {len(articles)}, barPosition: 'bottom',"
            + " dataBefore: '<ul class=\"xxgk_list\">', dataAfter: '</ul>', showMode: 'full', themeName: 'default'});\n"
            + "});\n</script>\n</div>\n" + foot)
    out.add(column_url, page)
    # What dataproxy.jsp answers from: every record of the column, newest first.
    out.add(f"/liyang/module/web/jpage/records/{COLUMN_ID}.json",
            json.dumps({"columnid": COLUMN_ID, "records": [record(a) for a in articles]}, ensure_ascii=False, indent=1) + "\n")
    out.add("/liyang/module/jslib/jquery/jpage/jquery.jpage.js", "/* jpage: draws the list and POSTs dataproxy.jsp for further groups */\n")
    lists = [column_url]
    for start in range(len(first) + 1, len(articles) + 1, PER_PAGE * GROUP_SIZE):
        end = min(start + PER_PAGE * GROUP_SIZE - 1, len(articles))
        lists.append(f"POST {PROXY}?startrecord={start}&endrecord={end}&perpage={PER_PAGE}")
    for a in articles:
        page = (chrome.head(f"{a.title} {AGENCY}", "溧阳市人民政府", COLUMN, a)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + '<div class="main">\n' + chrome.info_table(a, a.meta["source"])
                + f'<div class="article_title">{esc(a.title)}</div>\n'
                + f'<div class="info">发布日期：{a.meta["date"][:16]}　信息来源：{esc(a.meta["source"])}'
                + '　浏览次数：<script>document.write("356")</script></div>\n'
                + '<!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n<div id="zoom">\n' + chrome.paragraphs(a)
                + '</div>\n<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->\n</div>\n' + foot)
        out.add(a.url, page, a.datetime_cst)
    out.add(home, chrome.head(AGENCY, "溧阳市人民政府", "首页") + chrome.banner(AGENCY, home, COLUMN, column_url) + foot)
    return lists
