"""parse_article: the pipeline that turns the pages of one article into a ParsedArticle."""

from __future__ import annotations

from collections.abc import Sequence
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from parsers import clean, extract, metadata
from parsers.attachments import build_attachments
from parsers.classify import doc_type_of, has_placeholders, placeholder_key, subject_year
from parsers.decode import decode_html
from parsers.model import AttachmentFile, Page, ParsedArticle, ParseError
from parsers.normalise import (
    clean_inline,
    detect_script,
    han_count,
    iso_date,
    strip_pinyin_glosses,
    to_simplified,
)
from parsers.selectors import ATTACHMENT_EXTENSIONS, META_DATE, META_SOURCE, META_TITLE
from parsers.template import EMPTY, Template
from parsers.tree import simplify_text, text_of

_PUBLISHED_LABELS = ("发布日期", "发布时间", "发表时间")
_DATE_LABELS = ("发布日期", "发布时间", "发表时间", "发文日期", "生成日期", "成文日期", "日期", "时间")
_SOURCE_LABELS = ("发布机构", "发文机关", "发文单位", "信息来源", "文章来源", "来源")


@dataclass
class _PageResult:
    """What one page contributes (fields are still in the page's original script)."""

    title: str
    fields: dict[str, str | None]
    body_lines: list[str]
    links: list[tuple[str, str]]
    paywall: bool
    declared_length: int | None
    script: str  #: script of the page as fetched


def parse_article(
    pages: Sequence[Page], attachments: Sequence[AttachmentFile] = (), template: Template | None = None
) -> ParsedArticle:
    """Parse the pages of one article (page 1 first) and its fetched attachment files.

    `template` (from `learn_template` over the same crawl's pages) names the site's recurring
    boilerplate lines, which are dropped from the body.
    """
    _check_input(pages, attachments)
    if template is not None and not isinstance(template, Template):
        raise ParseError(f"not a Template: {template!r:.80}")
    try:
        return _parse(pages, attachments, template or EMPTY)
    except ParseError:
        raise
    except Exception as exc:  # contract: bad input yields ParseError only; the cause stays chained
        raise ParseError(f"cannot parse {pages[0].url}: {type(exc).__name__}: {exc}") from exc


def _check_input(pages: Sequence[Page], attachments: Sequence[AttachmentFile]) -> None:
    if not pages:
        raise ParseError("no pages given")
    for p in pages:
        if not isinstance(p, Page) or not isinstance(p.body, bytes) or not isinstance(p.url, str):
            raise ParseError(f"not a Page with bytes body: {p!r:.80}")
    for a in attachments:
        if not isinstance(a, AttachmentFile) or not isinstance(a.body, bytes):
            raise ParseError(f"not an AttachmentFile with bytes body: {a!r:.80}")


def _parse(pages: Sequence[Page], files: Sequence[AttachmentFile], template: Template) -> ParsedArticle:
    results = [_parse_page(p, template) for p in pages]
    first = results[0]
    title = first.title or next((r.title for r in results if r.title), "")
    fields = _merge_fields(results)
    body_lines: list[str] = []
    for r in results:
        body_lines += _drop_title_lines(r.body_lines, title)
    body_lines = clean.drop_adjacent_duplicates(clean.drop_repeated_blocks(clean.drop_repeated_body(body_lines)))
    links = list(dict.fromkeys(link for r in results for link in r.links))
    if not body_lines and not links and not files:
        raise ParseError(f"no article body found in {pages[0].url}")
    if not title:
        title = body_lines[0] if body_lines and len(body_lines[0]) <= 60 else ""

    original = title + "\n" + "\n".join(body_lines)  # placeholders are script-independent
    body = to_simplified("\n".join(body_lines))
    declared = first.declared_length
    truncated = any(r.paywall for r in results) or bool(declared and han_count(body) < 0.9 * declared)
    attachments = build_attachments(links, files)
    if not body or _only_attachment_lines(body_lines, links):
        # A notice published only as an attachment: the attachment's text is the document.
        body = "\n".join(a.text for a in attachments if a.text) or body
    return ParsedArticle(
        title=to_simplified(title),
        publish_date=fields["publish_date"],
        source=_simplified_or_none(fields["source"]),
        doc_number=_simplified_or_none(fields["doc_number"]),
        index_no=fields["index_no"],
        body=body,
        truncated=truncated,
        script=first.script,
        doc_type=doc_type_of(to_simplified(title)),
        attachments=attachments,
        placeholders=has_placeholders(original),
        year=subject_year(to_simplified(title)),
    )


_ATTACHMENT_LEAD = re.compile(r"^(?:附件\s*\d*\s*[:：]?\s*)?(?:\d+\s*[.、．]\s*)?")


def _only_attachment_lines(lines: list[str], links: list[tuple[str, str]]) -> bool:
    """Every body line is just the name of a linked attachment (`附件：安排.wps`)."""
    names = {name for _, name in links}
    return bool(lines) and bool(names) and all(_ATTACHMENT_LEAD.sub("", line) in names for line in lines)


def _simplified_or_none(value: str | None) -> str | None:
    return to_simplified(value) if value else None


def _merge_fields(results: list[_PageResult]) -> dict[str, str | None]:
    """Each field from the first page that states it."""
    merged: dict[str, str | None] = {}
    for key in ("publish_date", "source", "doc_number", "index_no"):
        merged[key] = next((r.fields[key] for r in results if r.fields.get(key)), None)
    return merged


def _parse_page(page: Page, template: Template) -> _PageResult:
    html = strip_pinyin_glosses(decode_html(page.body, page.content_type))
    tree = extract.parse_html(html)
    script = detect_script(text_of(tree.root, tree)) if tree.root is not None else "hans"
    if script == "hant":
        simplify_text(tree, to_simplified)  # so label/noise patterns need one script
    head = metadata.metadata_tags(html)  # BeautifulSoup reads meta tags and <title>, lxml's tree the rest
    convert = to_simplified if script == "hant" else None
    meta = metadata.meta_fields(head, convert)
    index = extract.element_index(tree)
    title = metadata.choose_title(
        metadata.first_meta(meta, META_TITLE), metadata.title_candidates(tree, index),
        metadata.title_from_tag(head, convert),
    )
    links = extract.attachment_links(tree, page.url, ATTACHMENT_EXTENSIONS, index.get("a", []))
    clean.drop_always(tree, index["*"])
    container = extract.find_container(tree, index)
    tables: dict = {}
    body = tree.body()
    page_lines = extract.lines_of(body, tree, tables) if body is not None else []
    body_lines: list[str] = []
    if container is not None:
        blocks = [*extract.lead_paragraphs(container, tree), container,
                  *extract.continuation_blocks(container, tree, tables)]
        for block in blocks:
            clean.drop_chrome(tree, block)
            # link blocks before captions: a caption's text still counts as the block's own text
            clean.drop_link_blocks(tree, block, _is_document_link)
            clean.drop_captions(tree, block)
            body_lines += extract.lines_of(block, tree, tables)
    inside = set(body_lines)
    outside = [line for line in page_lines if line not in inside]
    fields = _fields(meta, outside, body_lines, page.url, page_lines, title)
    paywall_after = clean.paywall_follows(page_lines, body_lines)
    _, declared_outside = clean.drop_summary(outside)
    body_lines = template.strip(body_lines)
    body_lines, paywall, declared = _clean_body(body_lines)
    paywall = paywall or paywall_after
    declared = declared or declared_outside
    return _PageResult(title, fields, body_lines, links, paywall, declared, script)


def _is_document_link(href) -> bool:
    """A link to one of the document's own files (its 附件 list is document text, not links)."""
    return isinstance(href, str) and extract.is_attachment_url(href.strip())


def _fields(meta: dict[str, str], outside: list[str], body: list[str], url: str, page: list[str], title: str
            ) -> dict[str, str | None]:
    """Labelled fields around the body and in its first lines, meta tags, the URL, text near the title.

    Every value is validated: a 发文字号 or 索引号 of the wrong shape, a neighbouring label taken
    from an empty cell, a source like `未知`, are null rather than wrong.
    """
    labelled = metadata.labelled_fields(outside)
    for key, value in metadata.labelled_fields(body[:8]).items():
        labelled.setdefault(key, value)
    date = next((d for d in (iso_date(labelled.get(label)) for label in _PUBLISHED_LABELS) if d), None)
    date = date or iso_date(metadata.first_meta(meta, META_DATE))
    for label in _DATE_LABELS:
        date = date or iso_date(labelled.get(label))
    date = date or metadata.date_in_url(url)
    date = date or metadata.dates_in_meta_lines(outside + body[:8])  # a `日期 | 来源` line before a bare timestamp
    date = date or metadata.date_near_title(page, title)
    source = metadata.plausible_source(metadata.first_meta(meta, META_SOURCE))
    for label in _SOURCE_LABELS:
        source = source or metadata.plausible_source(labelled.get(label))
    doc_number = (metadata.doc_number_of(labelled.get("发文字号")) or metadata.doc_number_of(labelled.get("文号"))
                  or metadata.doc_number_in(body))
    return {
        "publish_date": date,
        "source": clean_inline(source) if source else None,
        "doc_number": doc_number,
        "index_no": metadata.index_no_of(labelled.get("索引号")),
    }


def _clean_body(lines: list[str]) -> tuple[list[str], bool, int | None]:
    lines = [line for line in map(clean.strip_repost_tail, lines) if line and not clean.is_boilerplate_line(line)]
    lines = clean.drop_watermarks(lines)
    lines, declared = clean.drop_summary(lines)
    lines, paywall = clean.cut_tail(lines)
    return lines, paywall, declared


def _drop_title_lines(lines: list[str], title: str) -> list[str]:
    """Drop the title printed again in the body (and its anonymised variant near the top)."""
    if not title:
        return lines
    exact = {title, metadata.clean_title(title)}
    cores = {"".join(e.split()) for e in exact}
    key = placeholder_key(title)
    out = []
    for i, line in enumerate(lines):
        if line in exact:
            continue
        # clean_title only trims a line, so a line it turns into the title holds the title
        if i < 4 or any(core in "".join(line.split()) for core in cores):
            norm = metadata.clean_title(line)
            if norm in exact or i < 4 and _is_title_variant(norm, title, key):
                continue
        out.append(line)
    return out


def _is_title_variant(line: str, title: str, key: str) -> bool:
    """An anonymised re-print of the title: `xx镇中心学校xxxx年工作计划` for `乡镇中心学校2019年工作计划`."""
    if not key or len(line) > len(title) + 10 or re.search(r"[。；;，,]", line):
        return False
    return SequenceMatcher(None, placeholder_key(line), key).ratio() >= 0.85
