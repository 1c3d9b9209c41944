#!/usr/bin/env python
"""Build the bundled sample bureau sites (sample_site/www) and sample_site/manifest.json.

Three sites are served by one server (govpub/samplesite.py), by path prefix:

  /longwan/  official 信息公开 column, TRS-style CMS, UTF-8
  /jintan/   official bureau, Hanweb/UCAP-style CMS, GBK bytes declared as gb2312,
             served without a charset in Content-Type
  /fanwen/   a content farm (一流范文网) with reposts of official articles and a
             document-sharing page cut off by a paywall

Article texts live in sample_site/texts/<site>/*.txt: a "key: value" header, a line
"---", then the clean body, one paragraph per line (a line "<<<PAGE>>>" splits a
multi-page article). The seeds (texts/seeds/) are kept verbatim for reference.

The build is deterministic: no timestamps, stable ordering, reportlab invariant mode.

    .venv/bin/python sample_site/build.py                 # -> sample_site/www, sample_site/manifest.json
    .venv/bin/python sample_site/build.py --out /tmp/www --manifest /tmp/manifest.json
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "texts"
PAGE_BREAK = "<<<PAGE>>>"

# Site keys in the text headers -> registry ids (sites/sample.toml).
SITE_IDS = {"longwan": "longwan-jyj", "jintan": "jintan-jyj", "fanwen": "fanwen"}
ENCODINGS = {"longwan": "utf-8", "jintan": "gbk", "fanwen": "utf-8"}

# Last-Modified for pages that are not articles (lists, homes, robots.txt).
SITE_BUILD_TIME = datetime(2024, 7, 20, 0, 0, 0, tzinfo=timezone.utc)
CST = timezone(timedelta(hours=8))

LONGWAN_PER_PAGE = 7
JINTAN_PER_PAGE = 5
FANWEN_PER_PAGE = 4

ROBOTS_TXT = """User-agent: *
Disallow: /longwan/search/
Disallow: /fanwen/member/
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- texts


@dataclass
class Article:
    key: str  # text file stem
    site: str  # longwan | jintan | fanwen
    meta: dict[str, str]
    pages: list[list[str]]  # paragraphs per page
    text_file: str  # path relative to the repo root
    attachment_paragraphs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.meta["url"]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def paragraphs(self) -> list[str]:
        return [p for page in self.pages for p in page]

    @property
    def date(self) -> str:  # YYYY-MM-DD
        return self.meta["date"][:10]

    @property
    def datetime_cst(self) -> datetime:
        raw = self.meta["date"]
        fmt = "%Y-%m-%d %H:%M:%S" if len(raw) > 10 else "%Y-%m-%d"
        return datetime.strptime(raw, fmt).replace(tzinfo=CST)

    def get(self, key: str) -> str | None:
        value = self.meta.get(key, "").strip()
        return value or None

    @property
    def page_urls(self) -> list[str]:
        if len(self.pages) == 1:
            return [self.url]
        stem = self.url[: -len(".html")]
        return [self.url] + [f"{stem}_{i}.html" for i in range(1, len(self.pages))]


def read_text(path: Path) -> tuple[dict[str, str], list[str]]:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise SystemExit(f"{path}: missing '---' line after the header")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise SystemExit(f"{path}: bad header line {line!r}")
        meta[key.strip()] = value.strip()
    lines = [line.strip() for line in body.splitlines()]
    return meta, [line for line in lines if line]


def load_articles() -> list[Article]:
    articles: list[Article] = []
    for site in ("longwan", "jintan", "fanwen"):
        for path in sorted((TEXTS / site).glob("*.txt")):
            if path.name.endswith("_attachment.txt"):
                continue
            meta, lines = read_text(path)
            if meta.get("site") != site:
                raise SystemExit(f"{path}: site {meta.get('site')!r} does not match its folder")
            if meta.get("body_from"):
                if lines:
                    raise SystemExit(f"{path}: has both body_from and a body")
                _, lines = read_text(TEXTS / meta["body_from"])
            pages: list[list[str]] = [[]]
            for line in lines:
                if line == PAGE_BREAK:
                    pages.append([])
                else:
                    pages[-1].append(line)
            article = Article(
                key=path.stem,
                site=site,
                meta=meta,
                pages=pages,
                text_file=str(path.relative_to(HERE.parent)),
            )
            if meta.get("attachment_text"):
                _, article.attachment_paragraphs = read_text_plain(path.parent / meta["attachment_text"])
            articles.append(article)
    check_articles(articles)
    return articles


def read_text_plain(path: Path) -> tuple[None, list[str]]:
    return None, [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_articles(articles: list[Article]) -> None:
    urls = [a.url for a in articles]
    if len(set(urls)) != len(urls):
        raise SystemExit("duplicate article urls")
    by_url = {a.url: a for a in articles}
    for a in articles:
        phrase = a.meta.get("phrase")
        if not phrase:
            raise SystemExit(f"{a.key}: no phrase")
        where = a.attachment_paragraphs if a.meta.get("phrase_in") == "attachment" else a.paragraphs
        if not any(phrase in p for p in where):
            raise SystemExit(f"{a.key}: phrase {phrase!r} not in its text")
        original = a.get("repost_of")
        if original and original not in by_url:
            raise SystemExit(f"{a.key}: repost_of {original} is not an article")


# --------------------------------------------------------------------------- output


class Output:
    """Collects files (path -> bytes, last-modified) before writing them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.last_modified: dict[str, datetime] = {}

    def add(self, path: str, data: bytes | str, when: datetime = SITE_BUILD_TIME, encoding: str = "utf-8") -> None:
        if path in self.files:
            raise SystemExit(f"{path} generated twice")
        if isinstance(data, str):
            try:
                data = data.encode(encoding)
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start : exc.end]
                context = exc.object[max(0, exc.start - 20) : exc.end + 20]
                raise SystemExit(f"{path}: {bad!r} cannot be encoded as {encoding}: ...{context}...") from None
        self.files[path] = data
        self.last_modified[path] = when.astimezone(timezone.utc)

    def write(self, out: Path) -> None:
        if out.exists():
            if any(out.iterdir()) and not (out / "robots.txt").exists():
                raise SystemExit(f"refusing to replace {out}: not empty and not a sample site build")
            shutil.rmtree(out)
        for path in sorted(self.files):
            target = out / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.files[path])


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


# --------------------------------------------------------------------------- longwan (TRS)

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

ROOT_INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>govpub sample sites</title></head>
<body>
<h1>govpub 样例站点 (sample sites)</h1>
<ul>
<li><a href="/longwan/xxgk/jhzj/index.html">温州市龙湾区教育局 信息公开 计划总结</a> (TRS, UTF-8)</li>
<li><a href="/jintan/col/col1234/index.html">常州市金坛区教育局 计划总结</a> (Hanweb, GBK)</li>
<li><a href="/fanwen/jihua/list_1.html">一流范文网 工作计划</a> (content farm, UTF-8)</li>
</ul>
</body>
</html>
"""


# Small static assets the templates reference, so a browser sees no 404s.
STATIC_FILES = {
    "/longwan/images/common.css": "body{font-family:SimSun,serif;margin:0}.w1200{width:1200px;margin:0 auto}"
    ".TRS_Editor p{line-height:2em;font-size:16px}.list li{line-height:36px}.list .date{float:right}\n",
    "/longwan/images/common.js": "function doZoom(size){var e=document.querySelector('.TRS_Editor');"
    "if(e){e.style.fontSize=size+'px';}}\nfunction createPageHTML(count,current,prefix,ext){}\n",
    "/jintan/images/style.css": "body{font-size:12px}#zoom p,.UCAP-CONTENT p{line-height:2em}"
    ".default_pgContainer li{line-height:30px}\n",
    "/fanwen/static/style.css": ".topbanner{background:#c00;color:#fff}.content p{text-indent:2em;line-height:1.8}\n",
    "/fanwen/static/ad.js": "/* ad loader placeholder */\n",
    "/fanwen/static/click.js": "document.write('128');\n",
    "/fanwen/member/vip.html": "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>开通VIP_一流范文网</title>"
    "</head><body><p>开通VIP会员,全站文档免费下载。</p></body></html>\n",
}


def manifest_entry(a: Article, by_url: dict[str, Article]) -> dict:
    layout = a.meta.get("layout", "article")
    attachments = [a.meta["attachment_path"]] if a.get("attachment_path") else []
    return {
        "site": SITE_IDS[a.site],
        "url": a.url,
        "pages": a.page_urls,
        "title": a.title,
        "publish_date": a.date,
        "source": a.get("source"),
        "doc_number": a.get("doc_number"),
        "index_no": a.get("index_no") if (a.site != "jintan" or a.meta.get("meta_style") == "table") else None,
        "doc_type": a.meta["doc_type"],
        "attachments": attachments,
        "attachment_names": [a.meta["attachment_name"]] if attachments else [],
        "phrase": a.meta["phrase"],
        "phrase_in": a.meta.get("phrase_in", "body"),
        "repost_of": a.get("repost_of"),
        "body_twice": layout == "body_twice",
        "truncated": a.meta.get("truncated") == "true",
        "encoding": ENCODINGS[a.site],
        "layout": layout,
        "text_file": a.text_file,
        "attachment_text_file": (
            str((Path(a.text_file).parent / a.meta["attachment_text"]).as_posix()) if a.get("attachment_text") else None
        ),
        "seed": a.get("seed"),
        "body": "\n".join(a.paragraphs),
    }


def build(out_dir: Path, manifest_path: Path) -> dict:
    articles = load_articles()
    by_url = {a.url: a for a in articles}
    out = Output()
    out.add("/robots.txt", ROBOTS_TXT)
    out.add("/index.html", ROOT_INDEX)
    for path, data in STATIC_FILES.items():
        out.add(path, data)
    lw_lists = build_longwan(out, [a for a in articles if a.site == "longwan"])
    jt_lists = build_jintan(out, [a for a in articles if a.site == "jintan"])
    fw_lists, disallowed = build_fanwen(out, [a for a in articles if a.site == "fanwen"], by_url)
    disallowed.append({"from": "/longwan/xxgk/jhzj/index.html", "url": "/longwan/search/index.html"})

    # Articles only count pages that were generated.
    for a in articles:
        for path in a.page_urls:
            assert path in out.files, path

    manifest = {
        "about": "Generated by sample_site/build.py; do not edit. Paths are relative to the server root.",
        "articles": [manifest_entry(a, by_url) for a in sorted(articles, key=lambda a: (SITE_IDS[a.site], a.url))],
        "list_pages": {"longwan-jyj": lw_lists, "jintan-jyj": jt_lists, "fanwen": fw_lists},
        "robots_disallowed": disallowed,
        "files": {
            path: {
                "sha256": hashlib.sha256(data).hexdigest(),
                "last_modified": http_date(out.last_modified[path]),
            }
            for path, data in sorted(out.files.items())
        },
    }
    out.write(out_dir)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the govpub sample sites (static files + manifest).")
    parser.add_argument("--out", type=Path, default=HERE / "www", help="output directory (default: sample_site/www)")
    parser.add_argument(
        "--manifest", type=Path, default=None, help="manifest path (default: manifest.json next to --out)"
    )
    args = parser.parse_args(argv)
    manifest_path = args.manifest or args.out.resolve().parent / "manifest.json"
    manifest = build(args.out, manifest_path)
    counts: dict[str, int] = {}
    for entry in manifest["articles"]:
        counts[entry["site"]] = counts.get(entry["site"], 0) + 1
    print(f"built {len(manifest['files'])} files, {len(manifest['articles'])} articles {counts} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
