"""huadu-jyj: a 广东 政府信息公开目录 (gkmlpt) column, listed by a JSON API.

The column page is drawn in the browser from /gkmlpt/api/all/<catalog>?page=N&sid=<site>,
which answers {"articles": [{"id", "title", "url", "date", …}], "total": N, …}; the crawl
starts at the API. The sample server serves a query's answer from "<path>@<query>".
"""

from __future__ import annotations

import json

from sitegen import chrome
from sitegen.common import Article, Output, esc

AGENCY = "广州市花都区教育局"
COLUMN = "计划总结"
API = "/huadu/gkmlpt/api/all/2271"
PER_PAGE = 2


def build_huadu(out: Output, articles: list[Article]) -> list[str]:
    articles = chrome.newest_first(articles)
    chunks = [articles[i : i + PER_PAGE] for i in range(0, len(articles), PER_PAGE)]
    home, column_url = "/huadu/gkmlpt/index.html", "/huadu/gkmlpt/index.html"
    foot = chrome.footer(AGENCY, "广州市花都区新华街公益路28号", "粤ICP备05012345号")
    lists = []
    for n, chunk in enumerate(chunks, start=1):
        answer = {
            "articles": [
                {"id": int(a.url.rsplit("_", 1)[1].split(".")[0]), "title": a.title, "url": a.url,
                 "date": int(a.datetime_cst.timestamp()), "publisher": a.meta["source"],
                 "identifier": a.get("index_no") or "", "document_number": a.get("doc_number") or ""}
                for a in chunk
            ],
            "total": len(articles),
            "page": n,
            "classify": {"id": 2271, "name": COLUMN},
        }
        path = f"{API}@page={n}&sid=757"
        out.add(path, json.dumps(answer, ensure_ascii=False, separators=(",", ":")) + "\n")
        lists.append(path.replace("@", "?"))
    for a in articles:
        page = (chrome.head(f"{a.title}-{AGENCY}", "广州市花都区人民政府", COLUMN, a)
                + chrome.banner(AGENCY, home, COLUMN, column_url)
                + '<div class="content-box">\n<div class="introduce">\n' + chrome.info_table(a, a.meta["source"]) + "</div>\n"
                + f'<div class="article-title"><h1>{esc(a.title)}</h1></div>\n'
                + '<div class="article-content">\n' + chrome.paragraphs(a) + "</div>\n</div>\n" + foot)
        out.add(a.url, page, a.datetime_cst)
    out.add(home, chrome.head(f"政府信息公开目录-{AGENCY}", "广州市花都区人民政府", COLUMN)
            + chrome.banner(AGENCY, home, COLUMN, column_url)
            + f'<div id="app" data-api="{API}?page=1&amp;sid=757"></div>\n<script src="/huadu/gkmlpt/static/app.js"></script>\n'
            + foot)
    out.add("/huadu/gkmlpt/static/app.js", "/* draws the column from the gkmlpt JSON API (data-api) */\n")
    return lists
