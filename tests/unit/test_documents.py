"""WARC records → documents (pure): grouping pages into articles, stitching, and errors that
name the URL without stopping the other articles."""

import io

from govpub.settings import REPO_ROOT
from govpub.documents import group_articles, parse_articles
from govpub.schema import same_content
from govpub.registry import load_sites
from govpub.archive.warc import Fetched, WarcFileWriter, read_records

WWW = REPO_ROOT / "sample_site" / "www"
BASE = "http://127.0.0.1:8765"


def record(path: str, *, kind: str, article: str | None, page_no: int = 1, status: int = 200, body: bytes | None = None,
           content_type: str = "text/html; charset=utf-8") -> Fetched:
    context = {"site": "longwan-jyj", "kind": kind}
    if article:
        context |= {"article_url": BASE + article, "page_no": page_no}
    return Fetched(
        url=BASE + path, status=status, response_headers=[("Content-Type", content_type)],
        body=(WWW / path.lstrip("/")).read_bytes() if body is None else body,
        fetched_at="2026-11-23T09:00:00Z", context=context,
    )


def stored(*fetched: Fetched):
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    for f in fetched:
        writer.write(f)
    buffer.seek(0)
    return [("raw/longwan-jyj/2026-11-23/t-00000.warc.gz", r) for r in read_records(buffer)]


SITE = load_sites(REPO_ROOT / "sites", environ={})["longwan-jyj"]
MULTI = "/longwan/xxgk/jhzj/202301/t20230120_1225517.html"
TWICE = "/longwan/xxgk/jhzj/202405/t20240508_1234567.html"


def test_multi_page_article_is_stitched_in_page_order_whatever_the_fetch_order():
    records = stored(
        record("/longwan/xxgk/jhzj/index.html", kind="list", article=None),
        record(MULTI.replace(".html", "_2.html"), kind="article_page", article=MULTI, page_no=3),
        record(MULTI, kind="article", article=MULTI, page_no=1),
        record(MULTI.replace(".html", "_1.html"), kind="article_page", article=MULTI, page_no=2),
    )
    articles = group_articles(records)
    assert list(articles) == [BASE + MULTI]  # the list page is not an article
    outcome = parse_articles(SITE, articles)
    doc = outcome.documents[0]
    assert outcome.errors == []
    assert doc.page_urls == (BASE + MULTI, BASE + MULTI.replace(".html", "_1.html"), BASE + MULTI.replace(".html", "_2.html"))
    assert doc.url == BASE + MULTI and "(第" not in doc.title
    assert doc.raw.key.endswith(".warc.gz") and doc.raw.url == BASE + MULTI
    assert doc.agency == SITE.agency and doc.site == "longwan-jyj"


def test_a_broken_page_is_an_error_with_its_url_and_the_others_still_parse():
    broken = "/longwan/xxgk/jhzj/202405/t20240509_9999999.html"
    records = stored(
        record(TWICE, kind="article", article=TWICE),
        record(broken, kind="article", article=broken, body=b"\x00\x01\x02 not html at all \xff\xfe"),
        record("/longwan/xxgk/jhzj/202405/gone.html", kind="article", article="/longwan/xxgk/jhzj/202405/gone.html",
               status=404, body=b"Not Found"),
    )
    outcome = parse_articles(SITE, group_articles(records))
    assert [d.url for d in outcome.documents] == [BASE + TWICE]
    kinds = {e["url"]: e["kind"] for e in outcome.errors}
    assert kinds == {BASE + broken: "parse", BASE + "/longwan/xxgk/jhzj/202405/gone.html": "http:404"}


def test_body_printed_twice_on_the_page_is_kept_once():
    doc = parse_articles(SITE, group_articles(stored(record(TWICE, kind="article", article=TWICE)))).documents[0]
    first_line = doc.body.splitlines()[1]
    assert doc.body.count(first_line) == 1


def test_same_content_ignores_fetch_time_and_raw_pointer_only():
    records = stored(record(TWICE, kind="article", article=TWICE))
    a = parse_articles(SITE, group_articles(records)).documents[0]
    again = stored(Fetched(**{**record(TWICE, kind="article", article=TWICE).__dict__, "fetched_at": "2026-12-01T00:00:00Z"}))
    b = parse_articles(SITE, group_articles(again)).documents[0]
    assert a.fetched_at != b.fetched_at and same_content(a, b)
    from dataclasses import replace

    assert not same_content(a, replace(b, title=b.title + "（修订）"))


def test_a_large_crawl_parsed_in_worker_processes_gives_the_same_outcome_as_in_one():
    from govpub.documents.build import PARALLEL_MIN_ARTICLES

    articles_dir = WWW / "longwan" / "xxgk" / "jhzj"
    pages = sorted(p for p in articles_dir.glob("*/t*.html") if "_" not in p.stem.split("_", 1)[1])
    fetched = []
    for n in range(PARALLEL_MIN_ARTICLES + 6):  # the sample pages again under new URLs: enough for workers
        page = pages[n % len(pages)]
        path = f"/longwan/xxgk/jhzj/gen/{n}.html"
        fetched.append(record(path, kind="article", article=path, body=page.read_bytes()))
    fetched.append(record("/longwan/xxgk/jhzj/gen/broken.html", kind="article", article="/longwan/xxgk/jhzj/gen/broken.html",
                          body=b"\x00\x01 not html \xff"))
    articles = group_articles(stored(*fetched))
    alone, workers = parse_articles(SITE, articles, processes=1), parse_articles(SITE, articles, processes=2)
    assert [d.to_dict() for d in workers.documents] == [d.to_dict() for d in alone.documents]
    assert workers.errors == alone.errors and [e["kind"] for e in alone.errors] == ["parse"]
    assert len(alone.documents) == PARALLEL_MIN_ARTICLES + 6
