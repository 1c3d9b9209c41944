"""longwan-lnwj: one big 信息公开 column, 3,000 articles over 150 list pages, on the longwan (TRS) templates.

It is the scale test of the column walk (no cap on list pages; docs/faults.md) and of cheap
re-crawls (docs/operations.md, "Re-crawls"). Its pages are too many to check in (about 20 MB),
so they are not written to sample_site/www: the sample server renders each one on request from
this module (govpub_dev/samplesite.py), byte-identical every time. The truth is reproducible
the same way: `articles()` lists every article (URL, title, date, body), and manifest.json keeps
its counts and a digest of it (`generated_columns`), which tests/unit/test_sample_site.py
checks against a rebuild.

Texts are composed, deterministically, from the longwan sample texts (sample_site/texts/longwan):
each article gets a unique title, date, 发文字号 and first paragraph (its `phrase`), then four to
six paragraphs of the real texts.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sitegen.common import CST, SITE_BUILD_TIME, TEXTS, Article, esc, read_text
from sitegen.longwan import LW_ARTICLE, LW_FOOT, LW_HEAD, LW_LIST, LW_SITE, lw_body, lw_meta

SITE_ID = "longwan-lnwj"
COLUMN = "/longwan/xxgk/lnwj/"
ARTICLES = 3000
PER_PAGE = 20  #: 150 list pages
NEWEST = datetime(2024, 7, 19, 16, 30, 0, tzinfo=CST)

TOPICS = (
    ("课后服务", "实施方案"), ("校园安全", "通知"), ("教师培训", "工作计划"), ("学前教育", "意见"),
    ("招生入学", "通知"), ("教育信息化", "工作要点"), ("食品安全", "通知"), ("家校共育", "工作总结"),
    ("体育艺术", "工作计划"), ("职业教育", "意见"), ("特殊教育", "实施方案"), ("教育督导", "工作总结"),
    ("学生资助", "通知"), ("劳动教育", "实施方案"), ("心理健康", "工作要点"), ("校外培训治理", "通知"),
)
PARTS = ("全区", "城区", "永中街道", "海城街道", "状元街道", "瑶溪街道", "沙城街道", "天河街道", "星海街道", "蒲州街道")


def list_path(n: int) -> str:
    return COLUMN + ("index.html" if n == 0 else f"index_{n}.html")


@lru_cache(maxsize=1)
def _pool() -> tuple[str, ...]:
    """Body paragraphs of the longwan sample texts, in a fixed order (no headings, no short lines)."""
    paragraphs = []
    for path in sorted((TEXTS / "longwan").glob("l*.txt")):
        if path.name.endswith("_attachment.txt"):
            continue
        _, lines = read_text(path)
        paragraphs += [line for line in lines if len(line) >= 40 and not line.startswith("<<<")]
    return tuple(dict.fromkeys(paragraphs))


def _article(i: int) -> Article:
    """Article i (0 = newest). Everything about it follows from i alone."""
    rng = random.Random(f"{SITE_ID}:{i}")
    when = NEWEST - timedelta(hours=13 * i, minutes=rng.randrange(60), seconds=rng.randrange(60))
    topic, doc_type = TOPICS[i % len(TOPICS)]
    part = PARTS[(i // len(TOPICS)) % len(PARTS)]
    year = when.year
    number = 1000 + i
    title = f"关于{part}{topic}工作的{doc_type}（龙教〔{year}〕{number}号）"
    phrase = f"第{number}号文件"
    first = (f"根据区委区政府工作部署，现将{part}{topic}有关工作的{doc_type}印发给你们（{phrase}），"
             f"请结合实际认真贯彻落实。")
    pool = _pool()
    body = [first] + rng.sample(pool, 4 + i % 3)
    url = f"{COLUMN}{when:%Y%m}/t{when:%Y%m%d}_{2000000 + i}.html"
    meta = {
        "site": "longwan",
        "url": url,
        "title": title,
        "date": when.strftime("%Y-%m-%d %H:%M:%S"),
        "source": "区教育局",
        "index_no": f"11330303002580426J/{year}-{number:05d}",
        "doc_number": f"龙教〔{year}〕{number}号",
        "doc_type": doc_type,
        "layout": "article",
        "keywords": f"{topic},{doc_type}",
        "phrase": phrase,
    }
    return Article(key=f"lnwj-{i:05d}", site="longwan", meta=meta, pages=[body], text_file=__name__)


@lru_cache(maxsize=1)
def articles() -> tuple[Article, ...]:
    """Every article of the column, newest first (the list pages' order)."""
    return tuple(_article(i) for i in range(ARTICLES))


@lru_cache(maxsize=1)
def _by_path() -> dict[str, int]:
    return {a.url: i for i, a in enumerate(articles())}


def list_pages() -> list[str]:
    return [list_path(n) for n in range((ARTICLES + PER_PAGE - 1) // PER_PAGE)]


def render(path: str) -> tuple[bytes, datetime] | None:
    """(bytes, last modified) of a page of the column, or None when the path is not one."""
    if not path.startswith(COLUMN):
        return None
    pages = list_pages()
    if path in pages:
        return _list_page(pages.index(path), len(pages)).encode("utf-8"), SITE_BUILD_TIME
    index = _by_path().get(path)
    if index is None:
        return None
    a = articles()[index]
    return _article_page(a, index).encode("utf-8"), a.datetime_cst.astimezone(timezone.utc)


def _list_page(n: int, total: int) -> str:
    chunk = articles()[n * PER_PAGE:(n + 1) * PER_PAGE]
    items = "".join(
        f'  <li><a href=".{a.url[len(COLUMN) - 1:]}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
        f'<span class="date">{a.date}</span></li>\n'
        for a in chunk
    )
    pager = [f"<span>共{total}页</span>", '<a href="index.html">首页</a>']
    pager.append(f'<a class="prev" href="{list_path(n - 1).rsplit("/", 1)[1]}">上一页</a>' if n > 0
                 else '<span class="disabled">上一页</span>')
    pager.append(f'<a class="next" href="index_{n + 1}.html">下一页</a>' if n + 1 < total
                 else '<span class="disabled">下一页</span>')
    pager.append(f'<a href="index_{total - 1}.html">尾页</a>')
    return (
        LW_HEAD.substitute(page_title=f"历年文件_{LW_SITE}", extra_meta="")
        + LW_LIST.substitute(items=items, count=total, current=n, pager="\n".join(pager))
        + LW_FOOT
    )


def _article_page(a: Article, index: int) -> str:
    everything = articles()
    related = "".join(
        f'  <li><a href="{r.url}" target="_blank">{esc(r.title)}</a></li>\n'
        for r in (everything[(index + 1) % len(everything)], everything[(index + 2) % len(everything)])
    )
    return (
        LW_HEAD.substitute(page_title=f"{esc(a.title)}_{LW_SITE}", extra_meta=lw_meta(a, a.url))
        + LW_ARTICLE.substitute(
            index_no=esc(a.meta["index_no"]), date=a.date, doc_number=esc(a.meta["doc_number"]),
            genre=esc(a.meta["doc_type"]), h1=esc(a.title), datetime=a.meta["date"], source=esc(a.meta["source"]),
            body=lw_body(a.paragraphs), attachments="", pager="", second_copy="", related=related,
        )
        + LW_FOOT
    )


def truth() -> list[dict]:
    """What the pipeline must produce for each article: the manifest's fields, newest first."""
    return [
        {"site": SITE_ID, "url": a.url, "pages": [a.url], "title": a.title, "publish_date": a.date,
         "source": a.meta["source"], "doc_number": a.meta["doc_number"], "index_no": a.meta["index_no"],
         "doc_type": a.meta["doc_type"], "phrase": a.meta["phrase"], "body": "\n".join(a.paragraphs)}
        for a in articles()
    ]


def manifest_entry() -> dict:
    """The column's entry in manifest.json: its counts, list pages and a digest of the truth and the pages."""
    pages = hashlib.sha256()
    for path in list_pages() + [a.url for a in articles()]:
        data, _ = render(path)
        pages.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return {
        "site": SITE_ID,
        "generator": "sample_site/sitegen/bigcolumn.py (pages rendered by the sample server on request)",
        "articles": ARTICLES,
        "list_pages": list_pages(),
        "truth_sha256": hashlib.sha256(json.dumps(truth(), ensure_ascii=False, sort_keys=True).encode()).hexdigest(),
        "pages_sha256": pages.hexdigest(),
    }
