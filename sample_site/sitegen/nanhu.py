"""nanhu-jyj: a TRS WCM column whose pager exists only as a script.

TRS publishes index.html, index_1.html, index_2.html … and draws the pager in the browser:
`var countPage = 3; var currentPage = 0; createPageHTML(countPage, currentPage, "index", "html");`
— there is no next link in the HTML. Article links are relative (./202402/t20240226_…html)
and the body sits in div.TRS_UEDITOR.
"""

from __future__ import annotations

from sitegen import chrome
from sitegen.common import Article, Output, esc

AGENCY = "嘉兴市南湖区教育局"
COLUMN = "规划计划"
LIST_DIR = "/nanhu/zwgk/ghjh/"
PER_PAGE = 2


def build_nanhu(out: Output, articles: list[Article]) -> list[str]:
    articles = chrome.newest_first(articles)
    chunks = [articles[i : i + PER_PAGE] for i in range(0, len(articles), PER_PAGE)]
    home, column_url = "/nanhu/index.html", LIST_DIR + "index.html"
    foot = chrome.footer(AGENCY, "嘉兴市南湖区中环南路1368号", "浙ICP备05017890号")
    lists = []
    for n, chunk in enumerate(chunks):
        name = "index.html" if n == 0 else f"index_{n}.html"
        items = "".join(
            f'<li><a href=".{a.url[len(LIST_DIR) - 1:]}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
            f"<span>{a.date}</span></li>\n" for a in chunk)
        page = (chrome.head(f"{COLUMN}_{AGENCY}", "嘉兴市南湖区人民政府", COLUMN)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + f'<div class="main"><div class="lm_name">{COLUMN}</div>\n<div class="list_con"><ul>\n{items}</ul></div>\n'
                + '<div class="page"><script type="text/javascript">\n'
                + f"var countPage = {len(chunks)}//共多少页\nvar currentPage = {n}//当前第几页\n"
                + 'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>\n</div>\n'
                + foot)
        out.add(LIST_DIR + name, page)
        lists.append(LIST_DIR + name)
    for a in articles:
        page = (chrome.head(f"{a.title}_{AGENCY}", "嘉兴市南湖区人民政府", COLUMN, a)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + '<div class="main">\n' + chrome.info_table(a, a.meta["source"])
                + f'<div class="detail"><h1 class="detail-title">{esc(a.title)}</h1>\n'
                + f'<div class="detail-info">发布日期：{a.meta["date"][:16]}　来源：{esc(a.meta["source"])}</div>\n'
                + '<div class="TRS_UEDITOR trs_paper_default trs_web">\n' + chrome.paragraphs(a) + "</div>\n</div>\n"
                + '<div class="tools"><a href="javascript:window.print();">打印本页</a> <a href="javascript:window.close();">关闭窗口</a></div>\n'
                + "</div>\n" + foot)
        out.add(a.url, page, a.datetime_cst)
    out.add(home, chrome.head(AGENCY, "嘉兴市南湖区人民政府", "首页") + chrome.banner(AGENCY, home, COLUMN, column_url) + foot)
    return lists
