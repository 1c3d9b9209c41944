"""keqiao-jyj: a column of a 政府信息公开平台 (zfxxgk) with a query-string pager.

Pages are index.html, index.html?page=2, index.html?page=3; the pager says
"共 6 条 共 3 页 当前第 1 页" and links the next page as "?page=2". The sample server
serves a query's page from the file "<path>@<query>" (govpub_dev/samplesite.py).
"""

from __future__ import annotations

from sitegen import chrome
from sitegen.common import Article, Output, esc

AGENCY = "绍兴市柯桥区教育体育局"
COLUMN = "规划计划"
LIST_DIR = "/keqiao/zfxxgk/fdzdgknr/ghjh/"
PER_PAGE = 2


def build_keqiao(out: Output, articles: list[Article]) -> list[str]:
    articles = chrome.newest_first(articles)
    chunks = [articles[i : i + PER_PAGE] for i in range(0, len(articles), PER_PAGE)]
    home, column_url = "/keqiao/index.html", LIST_DIR + "index.html"
    foot = chrome.footer(AGENCY, "绍兴市柯桥区笛扬路1288号", "浙ICP备05023456号")
    lists = []
    for n, chunk in enumerate(chunks, start=1):
        items = "".join(
            f'<li><a href="{a.url}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a><b>{a.date}</b></li>\n'
            for a in chunk)
        pager = [f"共 {len(articles)} 条 共 {len(chunks)} 页 当前第 {n} 页", '<a href="index.html">首页</a>']
        pager.append(f'<a href="?page={n - 1}">上一页</a>' if n > 1 else "<span>上一页</span>")
        pager.append(f'<a href="?page={n + 1}">下一页</a>' if n < len(chunks) else "<span>下一页</span>")
        pager.append(f'<a href="?page={len(chunks)}">尾页</a>')
        page = (chrome.head(f"{COLUMN}-{AGENCY}政府信息公开", "柯桥区政府信息公开平台", COLUMN)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + '<div class="zfxxgk_zdgkc">\n<div class="zfxxgk_title">法定主动公开内容 &gt; ' + COLUMN + "</div>\n"
                + f'<ul class="zfxxgk_list">\n{items}</ul>\n<div class="xxgk_pager">' + " ".join(pager) + "</div>\n</div>\n"
                + foot)
        path = LIST_DIR + "index.html" + ("" if n == 1 else f"@page={n}")
        out.add(path, page)
        lists.append(path.replace("@", "?"))
    for a in articles:
        page = (chrome.head(f"{a.title}-{AGENCY}", "柯桥区政府信息公开平台", COLUMN, a)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + '<div class="zfxxgk_zdgkc">\n' + chrome.info_table(a, a.meta["source"])
                + f'<div class="xxgk_title"><h1>{esc(a.title)}</h1></div>\n'
                + '<div class="xxgk_content">\n' + chrome.paragraphs(a) + "</div>\n</div>\n" + foot)
        out.add(a.url, page, a.datetime_cst)
    out.add(home, chrome.head(AGENCY, "柯桥区政府信息公开平台", "首页") + chrome.banner(AGENCY, home, COLUMN, column_url) + foot)
    return lists
