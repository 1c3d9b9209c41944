"""jintan-jyj: an official bureau on a Hanweb/UCAP-style CMS, GBK bytes declared as gb2312."""

from __future__ import annotations

from datetime import datetime
from string import Template

from sitegen.common import JINTAN_PER_PAGE, SITE_BUILD_TIME, Article, Output, esc


JT_SITE = "常州市金坛区教育局"

JT_HEAD = Template("""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>$page_title</title>
$extra_meta<link href="/jintan/images/style.css" rel="stylesheet" type="text/css">
</head>
<body>
<div id="top"><div class="topbar">今天是：<script>document.write(new Date().toLocaleDateString());</script>　<a href="javascript:void(0);">设为首页</a> | <a href="javascript:void(0);">加入收藏</a></div>
<div class="banner"><a href="/jintan/index.html"><span class="sitename">常州市金坛区教育局</span></a><span class="motto">立德树人　教育为民</span></div>
<div class="menu"><a href="/jintan/index.html">首　页</a><a href="javascript:void(0);">教育动态</a><a href="/jintan/col/col1234/index.html">信息公开</a><a href="javascript:void(0);">招生考试</a><a href="javascript:void(0);">政务服务</a><a href="javascript:void(0);">互动交流</a></div>
</div>
<div class="location">当前位置：<a href="/jintan/index.html">首页</a> &gt;&gt; <a href="javascript:void(0);">信息公开</a> &gt;&gt; <a href="/jintan/col/col1234/index.html">计划总结</a></div>
""")

JT_FOOT = """<div id="footer">
<p>主办单位：常州市金坛区教育局　地址：常州市金坛区东门大街68号　邮编：213200</p>
<p>网站标识码：3204130015　<a href="javascript:void(0);">苏ICP备05012345号</a>　<a href="javascript:void(0);">苏公网安备 32041302000123号</a></p>
<p>技术支持：南京大汉网络有限公司</p>
</div>
</body>
</html>
"""

JT_LIST = Template("""<div class="main">
<div class="lm_title">计划总结</div>
<div class="default_pgContainer">
<ul>
$items</ul>
</div>
<div class="default_pgPanel">共 $count 页　$pager</div>
</div>
""")

JT_TABLE = Template("""<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td class="t1">索 引 号：</td><td>$index_no</td><td class="t1">主题分类：</td><td>教育</td></tr>
<tr><td class="t1">发布机构：</td><td>$source</td><td class="t1">发文日期：</td><td>$date</td></tr>
<tr><td class="t1">文　　号：</td><td>$doc_number</td><td class="t1">公开方式：</td><td>主动公开</td></tr>
<tr><td class="t1">标　　题：</td><td colspan="3">$title</td></tr>
</table>
""")

JT_ARTICLE = Template("""<div class="main">
$table<div class="article_title">$title</div>
$info<!--ZJEG_RSS.content.begin--><meta name="ContentStart">
<div $container>
$body</div>
<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
<div class="article_tools">【<a href="javascript:void(0);" onclick="doZoom(16)">大</a> <a href="javascript:void(0);" onclick="doZoom(14)">中</a> <a href="javascript:void(0);" onclick="doZoom(12)">小</a>】　<a href="javascript:window.print()">【打印本页】</a>　<a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="xgwz"><b>相关文章</b><ul>
$related</ul></div>
</div>
""")


def build_jintan(out: Output, articles: list[Article]) -> list[str]:
    articles = sorted(articles, key=lambda a: (a.meta["date"], a.url), reverse=True)
    col = "/jintan/col/col1234/"
    chunks = [articles[i : i + JINTAN_PER_PAGE] for i in range(0, len(articles), JINTAN_PER_PAGE)]
    names = ["index.html"] + [f"list_{n + 1}.html" for n in range(1, len(chunks))]
    list_pages = []

    def add(path: str, page: str, when: datetime = SITE_BUILD_TIME) -> None:
        out.add(path, page, when, encoding="gbk")

    for n, chunk in enumerate(chunks):
        items = "".join(
            f'<li><a href="{a.url}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a><span class="bt_time">{a.date}</span></li>\n'
            for a in chunk
        )
        pager = []
        pager.append(f'<a href="{names[n - 1]}" class="prevpage">上一页</a>' if n else "<span>上一页</span>")
        pager.append(f'<a href="{names[n + 1]}" class="nextpage">下一页</a>' if n + 1 < len(chunks) else "<span>下一页</span>")
        page = (
            JT_HEAD.substitute(page_title=f"计划总结 - {JT_SITE}", extra_meta="")
            + JT_LIST.substitute(items=items, count=len(chunks), pager=" ".join(pager))
            + JT_FOOT
        )
        add(col + names[n], page)
        list_pages.append(col + names[n])

    for idx, a in enumerate(articles):
        style = a.meta.get("meta_style", "info")
        if style == "table":
            table = JT_TABLE.substitute(
                index_no=esc(a.get("index_no") or ""),
                source=esc(a.meta["source"]),
                date=a.date,
                doc_number=esc(a.get("doc_number") or ""),
                title=esc(a.title),
            )
            info = '<div class="info">【字体：<a href="javascript:void(0);">大</a> <a href="javascript:void(0);">中</a> <a href="javascript:void(0);">小</a>】</div>\n'
            container = 'id="zoom"'
        else:
            table = ""
            info = (
                f'<div class="info">发布时间：{a.date} 来源：{esc(a.meta["source"])} 阅读次数：'
                '<script>document.write("1024")</script></div>\n'
            )
            container = 'class="UCAP-CONTENT"'
        body = "".join(
            f'<p style="text-indent: 2em;">{esc(p)}</p>\n'
            if not (p[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"})
            else f'<p style="text-indent: 2em;"><b>{esc(p)}</b></p>\n'
            for p in a.paragraphs
        )
        related = "".join(
            f'<li><a href="{r.url}" target="_blank">{esc(r.title)}</a></li>\n'
            for r in (articles[(idx + 1) % len(articles)], articles[(idx + 3) % len(articles)])
        )
        extra_meta = "".join(
            f'<meta name="{k}" content="{esc(v)}">\n'
            for k, v in (
                ("SiteName", "常州市金坛区人民政府"),
                ("SiteDomain", "www.jintan.gov.cn"),
                ("SiteIDCode", "3204130015"),
                ("ColumnName", "计划总结"),
                ("ArticleTitle", a.title),
                ("PubDate", a.meta["date"][:16]),
                ("ContentSource", a.meta["source"]),
                ("Keywords", a.get("keywords") or ""),
            )
        )
        page = (
            JT_HEAD.substitute(page_title=f"{esc(a.title)} - {JT_SITE}", extra_meta=extra_meta)
            + JT_ARTICLE.substitute(
                table=table, title=esc(a.title), info=info, container=container, body=body, related=related
            )
            + JT_FOOT
        )
        add(a.url, page, a.datetime_cst)

    add(
        "/jintan/index.html",
        JT_HEAD.substitute(page_title=JT_SITE, extra_meta="")
        + '<div class="main"><ul><li><a href="/jintan/col/col1234/index.html">计划总结</a></li></ul></div>\n'
        + JT_FOOT,
    )
    return list_pages


# --------------------------------------------------------------------------- fanwen (content farm)

