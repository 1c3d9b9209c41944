"""fanwen: a content farm (一流范文网) reposting official articles, with a paywalled document page."""

from __future__ import annotations

from string import Template

from sitegen.common import FANWEN_PER_PAGE, Article, Output, esc


FW_SITE = "一流范文网"

FW_HEAD = Template("""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>$page_title</title>
<meta name="keywords" content="$keywords">
<meta name="description" content="$description">
<link rel="stylesheet" href="/fanwen/static/style.css">
</head>
<body>
<div class="topbanner">好好学习,天天向上,一流范文网欢迎您!</div>
<div class="header"><a class="logo" href="/fanwen/index.html">一流范文网</a>
<ul class="menu"><li><a href="/fanwen/index.html">首页</a></li><li><a href="/fanwen/jihua/list_1.html">计划</a></li><li><a href="javascript:;">总结</a></li><li><a href="javascript:;">方案</a></li><li><a href="javascript:;">心得体会</a></li><li><a href="javascript:;">演讲稿</a></li><li><a href="/fanwen/member/index.html">会员中心</a></li></ul></div>
<div class="ad ad-top"><a href="javascript:;">【限时】开通VIP会员,全站范文免费下载!</a></div>
""")

FW_FOOT = """<div class="footer">
<p>本站内容来源于网络,仅供学习参考,如有侵权请联系删除。</p>
<p>Copyright &copy; 2012-2024 一流范文网 All Rights Reserved　<a href="javascript:;">京ICP备12345678号-1</a></p>
</div>
<script src="/fanwen/static/ad.js"></script>
</body>
</html>
"""

FW_LIST = Template("""<div class="place">当前位置:<a href="/fanwen/index.html">首页</a> &gt;&gt; <a href="/fanwen/jihua/list_1.html">计划</a> &gt;&gt; 工作计划 列表页</div>
<div class="main">
<ul class="article-list">
$items</ul>
<ul class="pagelist">
$pager</ul>
</div>
<div class="sidebar"><div class="ad">热门范文排行</div></div>
""")

FW_ARTICLE = Template("""<div class="place">当前位置:<a href="/fanwen/index.html">首页</a> &gt;&gt; $crumb 内容页</div>
<div class="main">
<div class="article">
<h1>$title</h1>
<div class="info">发布时间:$date　点击:<script src="/fanwen/static/click.js"></script>次</div>
<div class="ad ad-in">广告位招租 联系QQ:31998589</div>
<div class="content" id="article-content">
$body</div>
<div class="tags">TAG标签:$tags</div>
<div class="prenext"><p>上一篇:$prev</p><p>下一篇:$next</p></div>
</div>
<div class="related"><h3>相关文章</h3>
<ul>
$related</ul></div>
<div class="ad ad-bottom"><a href="javascript:;">一键下载Word文档,完美排版,直接打印!</a></div>
</div>
""")

FW_DOCSHARE = Template("""<div class="main doc">
<div class="doc-title"><span class="label">【Word文档】</span> $title</div>
<div class="doc-info">$date &nbsp;|&nbsp; 格式:DOC &nbsp;|&nbsp; 分类: $category</div>
<div class="doc-summary">摘要:$summary</div>
<div class="doc-content">
<h2>$title</h2>
$body</div>
<div class="paywall">
<div class="price">折扣价<b>5.99</b>米 <del>(原价13.99米)</del></div>
<a class="vip" href="/fanwen/member/vip.html">VIP免费下载</a>
<p>如遇卡顿,请刷新页面</p>
<p class="disclaimer">本文档由网友提供,仅限参考学习,如有不妥或产生版权问题,请联系我们及时删除。</p>
<p>客服请联系:31998589@qq.com　微信:skillupvip</p>
<p><span class="label">【Word文档】</span> <a href="javascript:;">下载文档</a></p>
<div class="price">折扣价5.99米<br>(原价13.99米)</div>
<p>扫码下载这份完美排版的文档</p>
<p>如遇卡顿,请刷新页面　<a href="/fanwen/member/vip.html">VIP免费下载</a></p>
</div>
<div class="recommend"><h3>相关推荐</h3><ul>
$related</ul></div>
<div class="kefu"><p>7X24小时在线客服</p><p>微笑上岗易处多,消气降火不罗嗦</p><p>擅长领域</p></div>
</div>
""")

WATERMARK = "<p>文章来<br>\n源一流范文网课</p>\n"


def build_fanwen(out: Output, articles: list[Article], by_url: dict[str, Article]) -> tuple[list[str], list[dict]]:
    articles = sorted(articles, key=lambda a: (a.meta["date"], a.url), reverse=True)
    member_url = "/fanwen/member/vip/2019/0401/99999.html"
    member_title = "【VIP专享】2019年教育局工作要点范文精选合集"
    entries: list[tuple[str, str, str]] = [(a.url, a.title, a.date) for a in articles]
    # The robots-disallowed link goes on the last list page, among the articles.
    entries.insert(len(entries) - 1, (member_url, member_title, "2019-04-01"))
    chunks = [entries[i : i + FANWEN_PER_PAGE] for i in range(0, len(entries), FANWEN_PER_PAGE)]
    list_pages = []
    disallowed = []
    for n, chunk in enumerate(chunks):
        name = f"list_{n + 1}.html"
        path = "/fanwen/jihua/" + name
        list_pages.append(path)
        items = "".join(
            f'<li><span class="time">{date}</span><a href="{url}" target="_blank">{esc(title)}</a></li>\n'
            for url, title, date in chunk
        )
        if any(url == member_url for url, _, _ in chunk):
            disallowed.append({"from": path, "url": member_url})
        pager = ['<li><a href="list_1.html">首页</a></li>']
        if n:
            pager.append(f'<li><a href="list_{n}.html">上一页</a></li>')
        for q in range(len(chunks)):
            pager.append(
                f'<li class="thisclass">{q + 1}</li>' if q == n else f'<li><a href="list_{q + 1}.html">{q + 1}</a></li>'
            )
        if n + 1 < len(chunks):
            pager.append(f'<li class="nextpage"><a href="list_{n + 2}.html">下一页</a></li>')
        pager.append(f'<li><a href="list_{len(chunks)}.html">末页</a></li>')
        page = (
            FW_HEAD.substitute(page_title=f"工作计划_{FW_SITE}", keywords="工作计划,范文", description="工作计划范文大全")
            + FW_LIST.substitute(items=items, pager="\n".join(pager) + "\n")
            + FW_FOOT
        )
        out.add(path, page)

    for idx, a in enumerate(articles):
        related = "".join(
            f'<li><a href="{r.url}" target="_blank">{esc(r.title)}</a></li>\n'
            for r in (articles[(idx + 1) % len(articles)], articles[(idx + 2) % len(articles)], articles[(idx + 4) % len(articles)])
        )
        description = esc("".join(a.paragraphs)[:60])
        head = FW_HEAD.substitute(
            page_title=f"{esc(a.title)}_{FW_SITE}", keywords=esc(a.get("tags") or ""), description=description
        )
        if a.meta["layout"] == "docshare":
            summary = a.get("summary") or (a.title + "  " + a.paragraphs[0][:110] + " ...")
            summary += f"(全文共:{a.meta['fulltext_chars']}字)"
            body = "".join(f"<p>&nbsp;&nbsp;{esc(p)}</p>\n" for p in a.paragraphs)
            page = head + FW_DOCSHARE.substitute(
                title=esc(a.title),
                date=a.date,
                category=esc(a.meta["category"]),
                summary=esc(summary),
                body=body,
                related=related,
            ) + FW_FOOT
        else:
            body = WATERMARK
            if a.get("alt_title"):
                body += f'<p style="text-align:center"><strong>{esc(a.meta["alt_title"])}</strong></p>\n'
            body += "".join(f"<p>{esc(p)}</p>\n" for p in a.paragraphs)
            body += WATERMARK
            crumb = " &gt;&gt; ".join(
                f'<a href="/fanwen/jihua/list_1.html">{esc(part.strip())}</a>' for part in a.meta["category"].split(">>")
            )
            tags = " ".join(f'<a href="javascript:;">{esc(t)}</a>' for t in (a.get("tags") or "").split(",") if t)
            prev_a = articles[idx - 1] if idx else None
            next_a = articles[idx + 1] if idx + 1 < len(articles) else None
            page = head + FW_ARTICLE.substitute(
                crumb=crumb,
                title=esc(a.title),
                date=a.date,
                body=body,
                tags=tags,
                prev=f'<a href="{prev_a.url}">{esc(prev_a.title)}</a>' if prev_a else "没有了",
                next=f'<a href="{next_a.url}">{esc(next_a.title)}</a>' if next_a else "没有了",
                related=related,
            ) + FW_FOOT
        out.add(a.url, page, a.datetime_cst.replace(hour=10))

    out.add(
        member_url,
        FW_HEAD.substitute(page_title=f"{member_title}_{FW_SITE}", keywords="VIP", description="会员专享")
        + f'<div class="main"><h1>{esc(member_title)}</h1><p>本内容为VIP会员专享,请登录后查看。</p>'
        + '<p class="robots-note">会员中心页面禁止抓取(robots.txt)。</p></div>\n'
        + FW_FOOT,
    )
    out.add(
        "/fanwen/member/index.html",
        FW_HEAD.substitute(page_title=f"会员中心_{FW_SITE}", keywords="会员", description="会员中心")
        + '<div class="main"><p>请先登录。</p></div>\n'
        + FW_FOOT,
    )
    out.add(
        "/fanwen/index.html",
        FW_HEAD.substitute(page_title=FW_SITE, keywords="范文,工作计划,工作总结", description="一流范文网")
        + '<div class="main"><ul><li><a href="/fanwen/jihua/list_1.html">工作计划</a></li></ul></div>\n'
        + FW_FOOT,
    )
    return list_pages, disallowed


# --------------------------------------------------------------------------- main
