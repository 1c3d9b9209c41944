"""longwan-jyj: an official 信息公开 column on a TRS-style CMS, UTF-8, with a PDF attachment."""

from __future__ import annotations

import io
from string import Template

from sitegen.common import LONGWAN_PER_PAGE, Article, Output, esc


LW_SITE = "温州市龙湾区教育局"
LW_COLUMN = "计划总结"

LW_HEAD = Template("""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>$page_title</title>
<meta name="SiteName" content="温州市龙湾区人民政府">
<meta name="SiteDomain" content="www.longwan.gov.cn">
<meta name="SiteIDCode" content="3303030010">
<meta name="ColumnName" content="计划总结">
<meta name="ColumnType" content="规划计划">
$extra_meta<link rel="stylesheet" href="/longwan/images/common.css">
</head>
<body>
<div class="top-bar"><div class="w1200"><span>欢迎访问温州市龙湾区教育局网站</span><a href="javascript:void(0);">无障碍浏览</a> <a href="javascript:void(0);">长者模式</a> <a href="/longwan/search/index.html">站内搜索</a></div></div>
<div class="header"><div class="w1200">
  <div class="logo"><a href="/longwan/index.html">温州市龙湾区教育局</a></div>
  <div class="slogan">办好人民满意的教育 · 学在龙湾</div>
  <form class="search" action="/longwan/search/index.html" method="get"><input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form>
</div></div>
<div class="nav"><ul class="w1200">
  <li><a href="/longwan/index.html">首页</a></li>
  <li><a href="javascript:void(0);">机构概况</a></li>
  <li class="on"><a href="/longwan/xxgk/jhzj/index.html">信息公开</a></li>
  <li><a href="javascript:void(0);">政策解读</a></li>
  <li><a href="javascript:void(0);">办事服务</a></li>
  <li><a href="javascript:void(0);">互动交流</a></li>
</ul></div>
<div class="w1200 main">
<div class="position">您现在的位置:<a href="/longwan/index.html">首页</a>
 &gt; <a href="javascript:void(0);">资源库栏目</a> &gt; <a href="javascript:void(0);">基本信息公开</a> &gt; <a href="javascript:void(0);">规划计划</a> &gt; <a href="/longwan/xxgk/jhzj/index.html">计划总结</a></div>
""")

LW_FOOT = """</div>
<div class="footer"><div class="w1200">
<p><a href="javascript:void(0);">网站地图</a> | <a href="javascript:void(0);">联系我们</a> | <a href="javascript:void(0);">隐私声明</a></p>
<p>主办单位：温州市龙湾区教育局　承办单位：温州市龙湾区教育技术中心</p>
<p>地址：温州市龙湾区永中街道龙湾大道1号　联系电话：0577-86981234</p>
<p>网站标识码：3303030010　<a href="javascript:void(0);">浙ICP备05012345号-1</a>　<a href="javascript:void(0);">浙公网安备 33030302000123号</a></p>
<p>建议使用1280×768分辨率 IE9以上版本浏览器</p>
</div></div>
<script src="/longwan/images/common.js"></script>
</body>
</html>
"""

LW_LIST = Template("""<div class="left-col"><div class="col-title">基本信息公开</div><ul class="sub-nav">
  <li><a href="javascript:void(0);">机构职能</a></li>
  <li><a href="javascript:void(0);">政策文件</a></li>
  <li class="on"><a href="/longwan/xxgk/jhzj/index.html">计划总结</a></li>
  <li><a href="javascript:void(0);">统计信息</a></li>
</ul></div>
<div class="right-col">
<div class="col-title"><span>计划总结</span></div>
<ul class="list">
$items</ul>
<div class="pagination">
<script>createPageHTML($count, $current, "index", "html");</script>
$pager
</div>
</div>
""")

LW_ARTICLE = Template("""<div class="xxgk-table">
<table class="xxgk_table">
<tr><th>索引号：</th><td>$index_no</td><th>发布机构：</th><td>温州市龙湾区教育局</td></tr>
<tr><th>生成日期：</th><td>$date</td><th>发文字号：</th><td>$doc_number</td></tr>
<tr><th>主题分类：</th><td>教育</td><th>公开方式：</th><td>主动公开</td></tr>
<tr><th>组配分类：</th><td>计划总结</td><th>体裁分类：</th><td>$genre</td></tr>
</table>
</div>
<div class="article">
<h1 class="title">$h1</h1>
<div class="info">发布日期:$datetime <span>浏览次数:<span id="hits"></span></span> 来源:$source 字体:[ ]</div>
<div class="TRS_Editor">
$body</div>
$attachments$pager<div class="tools">
<span class="zoom">【字体：<a href="javascript:doZoom(18);">大</a> <a href="javascript:doZoom(16);">中</a> <a href="javascript:doZoom(14);">小</a>】</span>
<a href="javascript:window.print();">打印本页</a> <a href="javascript:window.close();">关闭窗口</a>
</div>
<div class="qrcode"><div id="qrcode"></div><p>扫一扫在手机打开当前页</p></div>
<div class="share">分享到：<a href="javascript:void(0);" class="wechat">微信</a> <a href="javascript:void(0);" class="weibo">微博</a> <a href="javascript:void(0);" class="qzone">QQ空间</a></div>
</div>
$second_copy<div class="related"><div class="col-title">相关链接</div>
<ul class="related-list">
$related</ul></div>
""")

LW_SECOND_COPY = Template("""<div class="article article-print">
<h2 class="title">$title</h2>
<div class="info">发布日期:$date 浏览次数: 来源:$source 字体:[ ]</div>
<div class="TRS_Editor">
$body</div>
</div>
""")


def lw_body(paragraphs: list[str]) -> str:
    """TRS editor output: headings bold, numbered items with full-width indentation."""
    out = []
    for i, p in enumerate(paragraphs):
        text = esc(p)
        if p[:2] in {"一、", "二、", "三、", "四、", "五、", "六、", "七、"} or p.startswith("温州市龙湾区教育局20"):
            out.append(f'<p style="text-align: justify;"><strong>{text}</strong></p>')
        elif p[:1].isdigit() or p.startswith("（"):
            out.append(f"<p>\u3000\u3000{text}</p>")
        elif i % 2:
            out.append(f'<p style="text-indent: 2em;">{text}</p>')
        else:
            out.append(f'<p class="MsoNormal" style="text-indent: 2em;"><span style="font-family: 仿宋_GB2312;">{text}</span></p>')
    return "\n".join(out) + "\n"


def lw_meta(a: Article, page_url: str) -> str:
    description = "".join(a.paragraphs)[:80] if a.paragraphs else a.title
    pairs = [
        ("ArticleTitle", a.title),
        ("PubDate", a.meta["date"][:16]),
        ("ContentSource", a.meta["source"]),
        ("Keywords", a.get("keywords") or ""),
        ("Description", description),
        ("Url", page_url),
    ]
    return "".join(f'<meta name="{k}" content="{esc(v)}">\n' for k, v in pairs)


def build_longwan(out: Output, articles: list[Article]) -> list[str]:
    articles = sorted(articles, key=lambda a: (a.meta["date"], a.url), reverse=True)
    list_dir = "/longwan/xxgk/jhzj/"
    chunks = [articles[i : i + LONGWAN_PER_PAGE] for i in range(0, len(articles), LONGWAN_PER_PAGE)]
    list_pages = []
    for n, chunk in enumerate(chunks):
        name = "index.html" if n == 0 else f"index_{n}.html"
        list_pages.append(list_dir + name)
        items = "".join(
            f'  <li><a href=".{a.url[len(list_dir) - 1:]}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
            f'<span class="date">{a.date}</span></li>\n'
            for a in chunk
        )
        pager = [f"<span>共{len(chunks)}页</span>", '<a href="index.html">首页</a>']
        if n > 0:
            prev = "index.html" if n == 1 else f"index_{n - 1}.html"
            pager.append(f'<a class="prev" href="{prev}">上一页</a>')
        else:
            pager.append('<span class="disabled">上一页</span>')
        if n + 1 < len(chunks):
            pager.append(f'<a class="next" href="index_{n + 1}.html">下一页</a>')
        else:
            pager.append('<span class="disabled">下一页</span>')
        pager.append(f'<a href="index_{len(chunks) - 1}.html">尾页</a>')
        page = (
            LW_HEAD.substitute(page_title=f"计划总结_{LW_SITE}", extra_meta="")
            + LW_LIST.substitute(items=items, count=len(chunks), current=n, pager="\n".join(pager))
            + LW_FOOT
        )
        out.add(list_dir + name, page)

    for idx, a in enumerate(articles):
        related = "".join(
            f'  <li><a href="{r.url}" target="_blank">{esc(r.title)}</a></li>\n'
            for r in (articles[(idx + 1) % len(articles)], articles[(idx + 2) % len(articles)])
        )
        layout = a.meta.get("layout", "article")
        attachments = ""
        if layout == "attachment":
            path = a.meta["attachment_path"]
            name = a.meta["attachment_name"]
            attachments = (
                f'<div class="attachment"><p>附件：<a href="./{path.rsplit("/", 1)[1]}" target="_blank">{esc(name)}</a></p></div>\n'
            )
            out.add(path, make_pdf(a.title, a.attachment_paragraphs), a.datetime_cst)
        total = len(a.pages)
        page_urls = a.page_urls
        for p, paragraphs in enumerate(a.pages):
            h1 = a.title if total == 1 else f"{a.title}(第{p + 1}/{total}页)"
            pager = ""
            if total > 1:
                parts = []
                if p > 0:
                    parts.append(f'<a class="prev-page" href="{page_urls[p - 1].rsplit("/", 1)[1]}">上一页</a>')
                else:
                    parts.append('<span class="disabled">上一页</span>')
                for q in range(total):
                    if q == p:
                        parts.append(f'<span class="current">{q + 1}</span>')
                    else:
                        parts.append(f'<a href="{page_urls[q].rsplit("/", 1)[1]}">{q + 1}</a>')
                if p + 1 < total:
                    parts.append(f'<a class="next-page" href="{page_urls[p + 1].rsplit("/", 1)[1]}">下一页</a>')
                else:
                    parts.append('<span class="disabled">下一页</span>')
                pager = '<div class="page-nav">' + " ".join(parts) + "</div>\n"
            body = lw_body(paragraphs) if paragraphs else ""
            second = ""
            if layout == "body_twice":
                second = LW_SECOND_COPY.substitute(
                    title=esc(a.title), date=a.meta["second_date"], source=esc(a.meta["source"]), body=body
                )
            page = (
                LW_HEAD.substitute(page_title=f"{esc(h1)}_{LW_SITE}", extra_meta=lw_meta(a, page_urls[p]))
                + LW_ARTICLE.substitute(
                    index_no=esc(a.get("index_no") or ""),
                    date=a.date,
                    doc_number=esc(a.get("doc_number") or ""),
                    genre=esc(a.meta["doc_type"] if a.meta["doc_type"] != "other" else "其他"),
                    h1=esc(h1),
                    datetime=a.meta["date"],
                    source=esc(a.meta["source"]),
                    body=body,
                    attachments=attachments,
                    pager=pager,
                    second_copy=second,
                    related=related,
                )
                + LW_FOOT
            )
            out.add(page_urls[p], page, a.datetime_cst)

    out.add(
        "/longwan/index.html",
        LW_HEAD.substitute(page_title=LW_SITE, extra_meta="")
        + '<div class="home"><h2>信息公开</h2><ul><li><a href="/longwan/xxgk/jhzj/index.html">计划总结</a></li></ul></div>\n'
        + LW_FOOT,
    )
    out.add(
        "/longwan/search/index.html",
        LW_HEAD.substitute(page_title=f"站内搜索_{LW_SITE}", extra_meta="")
        + '<div class="search-result"><p>请输入关键字进行搜索。</p><p class="robots-note">本页面禁止搜索引擎抓取（robots.txt）。</p></div>\n'
        + LW_FOOT,
    )
    return list_pages


# --------------------------------------------------------------------------- PDF


def make_pdf(title: str, paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(title)
    c.setAuthor("温州市龙湾区教育局")
    c.setCreator("govpub sample_site/build.py")
    width, height = A4
    left, top, bottom, size, leading = 72, height - 72, 72, 12, 20
    max_width = width - 2 * left
    y = top
    for i, para in enumerate(paragraphs):
        centred = i in (0, 1, 2)  # 文件头, 文号, 标题
        text = para if centred or para.endswith("：") or para[:1].isdigit() else "\u3000\u3000" + para
        lines, line = [], ""
        for ch in text:
            if pdfmetrics.stringWidth(line + ch, font, size) > max_width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
        for line in lines:
            if y < bottom:
                c.showPage()
                y = top
            c.setFont(font, size)
            if centred:
                c.drawCentredString(width / 2, y, line)
            else:
                c.drawString(left, y, line)
            y -= leading
        y -= 4
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- jintan (Hanweb, GBK)

