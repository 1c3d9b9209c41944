"""Page chrome shared by the four CMS bureaus (nanhu, liyang, huadu, keqiao): head, banner, footer, body."""

from __future__ import annotations

from sitegen.common import Article, esc

HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、", "七、")


def head(title: str, site_name: str, column: str, article: Article | None = None) -> str:
    meta = [("SiteName", site_name), ("ColumnName", column)]
    if article is not None:
        meta += [("ArticleTitle", article.title), ("PubDate", article.meta["date"][:16]),
                 ("ContentSource", article.meta["source"])]
    tags = "".join(f'<meta name="{k}" content="{esc(v)}">\n' for k, v in meta)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f"{tags}</head>\n<body>\n")


def banner(agency: str, home: str, column: str, column_url: str) -> str:
    return (f'<div class="header"><div class="logo"><a href="{home}">{esc(agency)}</a></div>\n'
            f'<ul class="nav"><li><a href="{home}">首页</a></li><li><a href="javascript:void(0);">机构概况</a></li>'
            f'<li class="on"><a href="{column_url}">政务公开</a></li><li><a href="javascript:void(0);">办事服务</a></li>'
            f'<li><a href="javascript:void(0);">互动交流</a></li></ul></div>\n'
            f'<div class="position">当前位置：<a href="{home}">首页</a> &gt; <a href="javascript:void(0);">政务公开</a>'
            f' &gt; <a href="{column_url}">{esc(column)}</a></div>\n')


def footer(agency: str, address: str, icp: str) -> str:
    return (f'<div class="footer"><p>主办单位：{esc(agency)}　地址：{esc(address)}</p>\n'
            f'<p><a href="javascript:void(0);">{esc(icp)}</a>　<a href="javascript:void(0);">网站地图</a></p></div>\n'
            "</body>\n</html>\n")


def paragraphs(article: Article) -> str:
    """The body as a CMS editor writes it: one <p> a paragraph, headings bold."""
    out = []
    for p in article.paragraphs:
        text = esc(p)
        out.append(f"<p><strong>{text}</strong></p>" if p.startswith(HEADINGS) else f'<p style="text-indent: 2em;">{text}</p>')
    return "\n".join(out) + "\n"


def info_table(article: Article, agency: str) -> str:
    """The 信息公开 metadata table most platforms put above the title."""
    return ('<table class="xxgk_table">\n'
            f'<tr><th>索引号：</th><td>{esc(article.get("index_no") or "")}</td><th>发布机构：</th><td>{esc(agency)}</td></tr>\n'
            f'<tr><th>发文日期：</th><td>{article.date}</td><th>文号：</th><td>{esc(article.get("doc_number") or "")}</td></tr>\n'
            f'<tr><th>主题分类：</th><td>教育</td><th>公开方式：</th><td>主动公开</td></tr>\n'
            "</table>\n")


def newest_first(articles: list[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.meta["date"], a.url), reverse=True)
