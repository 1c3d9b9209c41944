"""From raw WARC records to Documents: a pure function of the archived bytes.

Groups the responses of one crawl into articles (first page, further pages,
attachments, as recorded in the WARC metadata) and runs the parser on each.
No network and no S3 here, so `govpub parse`, the DAG and re-parsing share it.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import parsers
from govpub.crawl.blocking import detect_block
from govpub.schema import Attachment, Document, RawRef, doc_id_for, sha256_text
from govpub.registry import Site
from govpub.archive.warc import StoredRecord, sha256_hex


@dataclass(frozen=True)
class Located:
    """A WARC response record and the S3 key of the WARC file it sits in."""

    key: str
    record: StoredRecord

    @property
    def fetched(self):
        return self.record.fetched

    def raw_ref(self) -> RawRef:
        r = self.record
        return RawRef(key=self.key, offset=r.offset, length=r.length, record_id=r.record_id, url=r.fetched.url)


@dataclass
class ArticleRecords:
    article_url: str
    pages: dict[int, Located] = field(default_factory=dict)
    attachments: list[Located] = field(default_factory=list)


@dataclass
class ParseOutcome:
    documents: list[Document]
    errors: list[dict[str, str]]  #: {"kind", "url", "message"}
    articles: int


def group_articles(records: list[tuple[str, StoredRecord]]) -> dict[str, ArticleRecords]:
    """(warc key, record) pairs → articles keyed by the URL of their first page, in crawl order."""
    articles: dict[str, ArticleRecords] = {}
    for key, stored in records:
        context = stored.fetched.context
        article_url = context.get("article_url")
        if not article_url:
            continue  # list pages
        article = articles.setdefault(article_url, ArticleRecords(article_url))
        located = Located(key, stored)
        if context.get("kind") == "attachment":
            article.attachments.append(located)
        else:
            # A re-fetch of the same page (a retried task) keeps the last copy.
            article.pages[int(context.get("page_no", 1))] = located
    return articles


#: below this many articles a crawl is parsed in this process: starting workers would cost more
PARALLEL_MIN_ARTICLES = 64


def parse_processes() -> int:
    """Processes to parse in (parsing is CPU-bound): the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def parse_articles(site: Site, articles: dict[str, ArticleRecords], processes: int | None = None) -> ParseOutcome:
    """Every article parsed into a document or an error, in the order of `articles`.

    A large crawl is split into contiguous chunks parsed by `processes` forked workers (default:
    one per core), with the same template; the outcome is the same as in one process.
    """
    # The site's recurring boilerplate, learned from all article pages of this crawl (pure, deterministic).
    template = parsers.learn_template([_pages(a) for a in articles.values() if a.pages])
    items = list(articles.values())
    processes = parse_processes() if processes is None else processes
    # fork: the workers inherit the loaded parser and the records (no pickling of the input);
    # not available on every platform, where the crawl is parsed here.
    if processes > 1 and len(items) >= PARALLEL_MIN_ARTICLES and "fork" in multiprocessing.get_all_start_methods():
        size = -(-len(items) // (processes * 4))  # a few chunks per worker evens out slow articles
        bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
        global _FORKED
        _FORKED = (site, items, template)
        try:
            with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
                parts = list(pool.map(_parse_forked_chunk, bounds))
        finally:
            _FORKED = None
    else:
        parts = [_parse_chunk(site, items, template)]
    return ParseOutcome(documents=[d for docs, _ in parts for d in docs],
                        errors=[e for _, errors in parts for e in errors], articles=len(articles))


#: (site, articles, template) of the parse in progress, inherited by forked workers
_FORKED: tuple[Site, list[ArticleRecords], parsers.Template] | None = None


def _parse_forked_chunk(bounds: tuple[int, int]) -> tuple[list[Document], list[dict[str, str]]]:
    assert _FORKED is not None, "parse workers are forked by parse_articles"
    site, items, template = _FORKED
    return _parse_chunk(site, items[bounds[0]:bounds[1]], template)


def _parse_chunk(site: Site, items: list[ArticleRecords], template: parsers.Template
                 ) -> tuple[list[Document], list[dict[str, str]]]:
    documents: list[Document] = []
    errors: list[dict[str, str]] = []
    for article in items:
        first = article.pages.get(1)
        if first is None:
            errors.append({"kind": "missing_first_page", "url": article.article_url, "message": "first page not fetched"})
            continue
        if first.fetched.status != 200:
            errors.append(
                {"kind": f"http:{first.fetched.status}", "url": first.fetched.url,
                 "message": f"article page answered HTTP {first.fetched.status}"}
            )
            continue
        blocked = detect_block(first.fetched.status, first.fetched.response_headers, first.fetched.body)
        if blocked:  # a challenge page that reached the archive (older crawls): never a document
            errors.append({"kind": blocked, "url": first.fetched.url,
                           "message": "the site's firewall/anti-bot service answered, not the document"})
            continue
        try:
            documents.append(build_document(site, article, template))
        except parsers.ParseError as exc:
            errors.append({"kind": "parse", "url": first.fetched.url, "message": str(exc)})
    return documents, errors


def _ordered(article: ArticleRecords) -> list[Located]:
    return [article.pages[n] for n in sorted(article.pages) if article.pages[n].fetched.status == 200]


def _pages(article: ArticleRecords) -> list[parsers.Page]:
    return [parsers.Page(r.fetched.url, r.fetched.body, r.fetched.content_type) for r in _ordered(article)]


def build_document(site: Site, article: ArticleRecords, template: parsers.Template | None = None) -> Document:
    ordered = _ordered(article)
    pages = _pages(article)
    fetched_attachments = [a for a in article.attachments if a.fetched.status == 200]
    files = [parsers.AttachmentFile(a.fetched.url, a.fetched.body, a.fetched.content_type) for a in fetched_attachments]
    parsed = parsers.parse_article(pages, files, template=template)
    by_url = {a.fetched.url: a for a in fetched_attachments}
    first = ordered[0]
    return Document(
        id=doc_id_for(first.fetched.url),
        url=first.fetched.url,
        site=site.id,
        title=parsed.title,
        publish_date=parsed.publish_date,
        source=parsed.source,
        doc_number=parsed.doc_number,
        index_no=parsed.index_no,
        body=parsed.body,
        truncated=parsed.truncated,
        attachments=tuple(
            Attachment(
                url=a.url,
                name=a.name,
                content_type=a.content_type,
                sha256=sha256_hex(by_url[a.url].fetched.body) if a.url in by_url else None,
                text=a.text,
                raw=by_url[a.url].raw_ref() if a.url in by_url else None,
            )
            for a in parsed.attachments
        ),
        fetched_at=first.fetched.fetched_at,
        parser_version=parsers.PARSER_VERSION,
        raw=first.raw_ref(),
        body_sha256=sha256_text(parsed.body),
        page_urls=tuple(r.fetched.url for r in ordered),
        script=parsed.script,
        doc_type=parsed.doc_type,
        placeholders=parsed.placeholders,
        agency=site.agency,
        region=site.region,
        year=parsed.year,
    )
