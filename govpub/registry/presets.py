"""CMS presets: what `cms = "trs"` (etc.) in a site entry stands for.

Chinese government sites run on a handful of CMSs, and every column of one CMS lists its
articles and pages through them the same way. A preset is the `[site.links]` values of that
way; the entry's own `[site.links]` values override it key by key. docs/presets.md shows
the markup each preset expects (and the list mechanisms in govpub.crawl.listing).

`signature` is not a links value: it is what `govpub sites probe` looks for in a column page
to guess the CMS (a regex over the page text).
"""

from __future__ import annotations

import re

#: preset name -> (signature regex, [site.links] values)
PRESETS: dict[str, tuple[str, dict[str, object]]] = {
    # TRS WCM: index.html, index_1.html … with the pager drawn by
    # createPageHTML(countPage, currentPage, "index", "html") in a script.
    "trs": (
        r"createPageHTML\s*\(|TRS_Editor|TRS_UEDITOR",
        {
            "mechanism": "trs_pager",
            "article": "ul.list li a, ul.xxgk_list li a, div.xxgk_list li a, ul.news_list li a, div.list_con li a",
            "next_page": "a.next, a.next-page-btn",
            "article_next": "a.next-page",
        },
    ),
    # Hanweb (大汉) jcms: the list as <script type="text/xml"><datastore><recordset><record>
    # <![CDATA[<li>…]]>, further groups from module/web/jpage/dataproxy.jsp (POST); columns
    # published as static pages use div.default_pgContainer and a.nextpage instead.
    "hanweb": (
        r"<datastore>|default_pgContainer|jpage/dataproxy\.jsp",
        {
            "mechanism": "hanweb_jpage",
            "article": "div.default_pgContainer li a",
            "next_page": "a.nextpage",
        },
    ),
    # 政府信息公开平台 (zfxxgk): one list template, pages by query string (?page=N) and a
    # "共 N 页" count.
    "zfxxgk": (
        r"zfxxgk|xxgk_pager",
        {
            "mechanism": "page_param",
            "article": "ul.zfxxgk_list li a, table.zfxxgk_table td.title a",
            "page_param": "page",
            "total_pages": r"共\s*(\d+)\s*页",
        },
    ),
    # DedeCMS / PHPCMS farms: list_<typeid>_<n>.html, <ul class="pagelist"> with a 下一页 link.
    "dedecms": (
        r"class=\"pagelist\"|class='pagelist'|dede_pages",
        {
            "mechanism": "next_link",
            "article": "ul.article-list li a, ul.e2 li a.title, div.list_box li a",
            "next_page": "ul.pagelist li.nextpage a, ul.pagelist a:contains('下一页'), .dede_pages a:contains('下一页')",
        },
    ),
    # 广东 政府信息公开目录 (gkmlpt): the column page is drawn by script from a JSON API,
    # /gkmlpt/api/all/<catalog>?page=N&sid=<site> → {"articles": [{"title", "url", …}], "total": N}.
    "gkmlpt": (
        r"\"articles\"\s*:",
        {
            "mechanism": "json_api",
            "json_items": "articles",
            "json_url": "url",
            "json_title": "title",
            "json_total": "total",
            "page_param": "page",
        },
    ),
    # UCAP/开普 (the 中国政府网 column pages): /column/<id>/0.htm, 1.htm … each linking the next
    # in <div class="newspage"> (a.next) and stating the count (<ul id="toPage"><li>共N页</li>);
    # items are <ul class="listTxt"><li><h4><a …>title</a><span class="date">. Article body
    # in #UCAP-CONTENT, which a list page does not show, so the signature is the list markup.
    "ucap": (
        r"class=[\"']listTxt[\"']|class=[\"']newspage[\"']",
        {
            "mechanism": "next_link",
            "article": "ul.listTxt li h4 a",
            "next_page": "div.newspage a.next",
            "total_pages": r"共\s*(\d+)\s*页",
        },
    ),
}
PRESET_NAMES = tuple(PRESETS)


def preset_links(cms: str) -> dict[str, object]:
    """The [site.links] values of a preset; KeyError for an unknown one."""
    return dict(PRESETS[cms][1])


def detect_cms(text: str) -> list[str]:
    """The presets whose signature the page shows, in PRESETS order (best guess first)."""
    return [name for name, (signature, _) in PRESETS.items() if re.search(signature, text)]


__all__ = ["PRESETS", "PRESET_NAMES", "detect_cms", "preset_links"]
