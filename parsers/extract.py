"""Find the article: metadata fields, title, and the main-text container rendered as lines."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from parsers.normalise import clean_inline, clean_line, iso_date
from parsers.selectors import ATTACHMENT_EXTENSIONS, CONTENT_SELECTORS, GENERIC_SELECTORS, TITLE_SELECTORS

LINE = "\ue000"  # private-use markers (stripped from input by decode) for line and cell breaks
CELL = "\ue001"

BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot tr "
    "blockquote pre center address figure figcaption hr form fieldset caption".split()
)
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def parse_html(html: str) -> BeautifulSoup:
    # lxml refuses str input that still carries an XML encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    return BeautifulSoup(html, "lxml")


def simplify_text_nodes(soup: BeautifulSoup, convert) -> None:
    """Convert every text node and <meta content> to simplified; hrefs stay as they are."""
    for node in list(soup.find_all(string=True)):
        if isinstance(node, _SKIP_STRINGS):
            continue
        new = convert(str(node))
        if new != node:
            node.replace_with(new)
    for m in soup.find_all("meta", content=True):
        if isinstance(m["content"], str):
            m["content"] = convert(m["content"])


# ---------------------------------------------------------------- rendering


def insert_markers(root: Tag) -> None:
    """Insert line/cell markers around blocks, <br> and table cells (once per document)."""
    elements = list(root.find_all(True))  # one walk; the loops below only filter this list
    for el in elements:
        if el.name == "br":
            el.replace_with(LINE)
    cells = False
    for el in elements:
        if el.name == "table" and _is_data_table(el):
            _mark_data_table(el)
            cells = True
    for el in elements:
        if el.name not in BLOCK_TAGS or el.parent is None:
            continue
        if cells and any(p.attrs.get("data-govpub-cell") for p in el.parents if isinstance(p, Tag) and p.attrs):
            continue  # blocks inside a data-table cell stay inline
        el.insert_before(LINE)
        el.insert_after(LINE)
    for el in elements:
        if el.name in ("td", "th") and el.parent is not None:
            el.insert_after(CELL)


def lines_of(root: Tag) -> list[str]:
    """Text of a marked-up element: one block per line, table rows as tab-separated cells."""
    text = "".join(
        str(s) for s in root.descendants if isinstance(s, NavigableString) and not isinstance(s, _SKIP_STRINGS)
    )
    text = text.replace("\r", "").replace("\n", " ")
    lines = []
    for raw in text.split(LINE):
        line = clean_line(raw.replace(CELL, "\t"))
        if line:
            lines.append(line)
    return lines


def _is_data_table(table: Tag) -> bool:
    """A table of data (rows of short cells) rather than page layout."""
    if table.find("table") is not None:
        return False
    cells = table.find_all(["td", "th"])
    return bool(cells) and all(len(c.get_text(strip=True)) <= 200 for c in cells)


def _mark_data_table(table: Tag) -> None:
    for tr in table.find_all("tr"):
        tr.insert_after(LINE)
    for cell in table.find_all(["td", "th"]):
        cell["data-govpub-cell"] = "1"


# ---------------------------------------------------------------- container


Index = dict[str, list[Tag]]


def element_index(soup: BeautifulSoup) -> Index:
    """One walk over the tree: tag name, `#id` and `.class` -> elements, in document order.

    The CMS hints are simple selectors (`.TRS_Editor`, `#zoom`, `h1`, `#Article .content`), so a
    dictionary look-up replaces a CSS engine pass per selector (the parser's hot spot).
    """
    index: dict[str, list[Tag]] = {}
    for el in soup.find_all(True):
        index.setdefault(el.name, []).append(el)
        attrs = el.attrs or {}
        ident = attrs.get("id")
        if isinstance(ident, str) and ident.strip():
            index.setdefault("#" + ident.strip(), []).append(el)
        cls = attrs.get("class")
        for c in cls if isinstance(cls, list) else str(cls or "").split():
            index.setdefault("." + c, []).append(el)
    return index


def _matches(el: Tag, simple: str) -> bool:
    if simple.startswith("#"):
        return el.get("id") == simple[1:]
    if simple.startswith("."):
        cls = el.get("class")
        return simple[1:] in (cls if isinstance(cls, list) else str(cls or "").split())
    return el.name == simple


def select(index: Index, selector: str) -> list[Tag]:
    """Elements matching a simple selector or `ancestor descendant` pair, skipping removed ones."""
    *ancestors, last = selector.split()
    found = [el for el in index.get(last, ()) if not el.decomposed]
    for anc in ancestors:
        found = [el for el in found if any(_matches(p, anc) for p in el.parents if isinstance(p, Tag))]
    return found


def find_container(soup: BeautifulSoup, index: Index | None = None) -> Tag | None:
    """Main-text element: a known CMS container first, else the densest prose block."""
    best = _container_from_hints(soup, index if index is not None else element_index(soup))
    return best if best is not None else _densest_block(soup)


def _container_from_hints(soup: BeautifulSoup, index: Index) -> Tag | None:
    scored_best = None
    for selector in CONTENT_SELECTORS:
        found = [el for el in select(index, selector) if _prose_score(el.get_text(" ", strip=True)) > 0]
        if not found:
            continue
        el = max(found, key=lambda e: len(e.get_text(strip=True)))
        if selector not in GENERIC_SELECTORS:
            return el
        scored_best = scored_best or el
    if scored_best is not None:
        dense = _densest_block(soup)
        # a generic ".content" may be a sidebar: trust it only if it holds the densest block
        if dense is None or dense is scored_best or scored_best in dense.parents:
            return scored_best
        return dense
    return None


_PUNCT = re.compile(r"[，。；：、！？,;]")


def _prose_score(text: str) -> float:
    """How much a block reads like prose: punctuation plus length, zero for tiny fragments."""
    punct = len(_PUNCT.findall(text))
    if len(text) < 10 and not (punct and len(text) >= 4):
        return 0.0
    return punct + len(text) / 100


def _densest_block(soup: BeautifulSoup) -> Tag | None:
    """Readability-style: paragraphs vote for their parent (full) and grandparent (half)."""
    body = soup.body or soup
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for para, text, link_chars in _paragraphs(body):
        score = _prose_score(text) * (1 - min(link_chars / max(len(text), 1), 1.0))
        if score <= 0:
            continue
        for tag, weight in ((para.parent, 1.0), (para.parent.parent if para.parent else None, 0.5)):
            if isinstance(tag, Tag):
                scores[id(tag)] = scores.get(id(tag), 0.0) + score * weight
                nodes[id(tag)] = tag
    if not scores:
        return None
    return nodes[max(scores, key=scores.__getitem__)]


_OWNER_TAGS = frozenset(
    "p div td th li pre blockquote section article dd dt center h1 h2 h3 h4 h5 h6".split()
)


def _paragraphs(body: Tag):
    """(element, own text, link characters) for each block that directly holds text.

    A string belongs to its nearest block ancestor, so a layout cell holding nested tables, or a
    `<font>` of `<br>`-separated paragraphs next to a `<div>`, counts only the text it owns.
    """
    owners: dict[int, Tag] = {}
    texts: dict[int, list[str]] = {}
    links: dict[int, int] = {}
    for s in body.descendants:
        if not isinstance(s, NavigableString) or isinstance(s, _SKIP_STRINGS):
            continue
        text = s.strip()
        if not text:
            continue
        in_link = False
        owner = s.parent
        while owner is not None and owner.name not in _OWNER_TAGS and owner is not body:
            in_link = in_link or owner.name == "a"
            owner = owner.parent
        if owner is None or owner is body:
            continue  # loose text directly in <body> is not a paragraph
        key = id(owner)
        owners[key] = owner
        texts.setdefault(key, []).append(text)
        if in_link:
            links[key] = links.get(key, 0) + len(text)
    for key, owner in owners.items():
        text = " ".join(texts[key])
        yield owner, text, links.get(key, 0)


# ---------------------------------------------------------------- metadata


def meta_fields(soup: BeautifulSoup) -> dict[str, str]:
    """<meta name|property=... content=...> as a lower-cased name -> content map (first wins)."""
    out: dict[str, str] = {}
    for m in soup.find_all("meta"):
        name = m.get("name") or m.get("property") or m.get("itemprop")
        content = m.get("content")
        if isinstance(name, str) and isinstance(content, str) and content.strip():
            out.setdefault(name.strip().lower(), clean_inline(content))
    return out


def first_meta(meta: dict[str, str], names: tuple[str, ...]) -> str | None:
    for n in names:
        if meta.get(n):
            return meta[n]
    return None


_LABEL_WORDS = (
    "索引号 发布机构 发文机关 发文单位 生成日期 成文日期 发文日期 发布日期 发布时间 发表时间 发文字号 文号 主题分类 "
    "体裁分类 公开方式 公开范围 公开时限 有效性 信息来源 文章来源 来源 浏览次数 浏览量 阅读次数 阅读量 点击数 点击量 点击率 访问量 点击 字体 作者 责任编辑 分类 格式 "
    "名称 标题 主题词 关键词 日期 时间"
).split()
# Tables pad labels with spaces (`索 引 号：`, `文　　号：`), so allow whitespace between characters.
_LABELS = "|".join(r"\s*".join(word) for word in _LABEL_WORDS)
# Label, then a colon or a cell break, then the value up to the next cell break or next label.
_FIELD = re.compile(
    rf"(?:^|(?<=[\s\t|｜\]】\d]))(?P<label>{_LABELS})\s*(?:[:：]\s*\t?|\t)\s*"
    rf"(?P<value>[^\t\n]*?)\s*(?=\t|\s{{2,}}|\s*[|｜]|(?:{_LABELS})\s*[:：]|$)"
)


def labelled_fields(lines: list[str]) -> dict[str, str]:
    """Label -> value from disclosure tables and metadata lines (first occurrence wins)."""
    out: dict[str, str] = {}
    for line in lines:
        if len(line) > 300:
            continue  # prose, not a metadata line
        for m in _FIELD.finditer(line):
            value = m.group("value").strip(" :：")
            if value:
                out.setdefault(re.sub(r"\s", "", m.group("label")), value)
    return out


_DATETIME = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s+\d{1,2}:\d{2}")


def dates_in_meta_lines(lines: list[str]) -> str | None:
    """A date on a short metadata line: `2021-03-22 | 格式:DOC | 分类:...`, `龙湾教育 2024-08-27 18:30`."""
    for line in lines:
        if len(line) <= 120 and re.match(r"^\s*\d{4}[-/.年]\d{1,2}", line) and re.search(r"[|｜]|[:：]", line):
            d = iso_date(line)
            if d:
                return d
    for line in lines:
        if len(line) <= 60 and _DATETIME.search(line):  # a timestamp with a clock time is a publication time
            d = iso_date(line)
            if d:
                return d
    return None


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")


def doc_number_in(lines: list[str]) -> str | None:
    """A standalone 发文字号 line near the top of the body, e.g. `温龙教〔2024〕12号`."""
    for line in lines[:6]:
        m = _DOC_NUMBER.search(line)
        if m and len(line) <= len(m.group(0)) + 6:
            return clean_inline(m.group(0))
    return None


# ---------------------------------------------------------------- title

_PAGE_MARK = re.compile(
    r"\s*[(（\[【]?\s*第\s*\d+\s*(?:/\s*\d+\s*)?页\s*[)）\]】]?\s*$"  # (第2/13页)
    r"|\s*[-－—_]\s*(?:精选|通用|优秀|热门)?\s*\d{1,3}\s*篇\s*$"  # 学校工作计划-7篇
    r"|\s*[(（【\[]\s*(?:精选|通用|优秀|热门)?\s*\d{1,3}\s*篇\s*[)）】\]]\s*$"  # （精选5篇）
)
_LEAD_LABEL = re.compile(r"^(?:【[^】]{1,8}】|\[[^\]]{1,8}\])\s*")
_TITLE_SPLIT = re.compile(r"\s+[-–—|_]\s+|\s*[|｜_]\s*|\s*--\s*|\s+-\s*|\s*-\s+")


def clean_title(text: str) -> str:
    text = clean_inline(text)
    text = _LEAD_LABEL.sub("", text)
    return _PAGE_MARK.sub("", text).strip()


def title_from_tag(soup: BeautifulSoup) -> str:
    """<title> with the site-name part removed: the ` - `/`_`/`|` segment with most Han characters."""
    tag = soup.find("title")
    if tag is None:
        return ""
    text = clean_inline(tag.get_text())
    parts = [p for p in _TITLE_SPLIT.split(text) if p.strip()]
    return clean_title(max(parts, key=lambda p: (len(_HAN.findall(p)), len(p)))) if parts else ""


_HAN = re.compile(r"[\u3400-\u9fff]")
# A heading that also carries the metadata line (`标题<br><span>时间：… 来源：…</span>`).
_HEADING_META = re.compile(r"\s*(?:发布|更新)?(?:时间|日期|来源|作者)\s*[:：].*$")


def title_candidates(soup: BeautifulSoup, index: Index | None = None) -> list[str]:
    index = index if index is not None else element_index(soup)
    out = []
    for selector in TITLE_SELECTORS:
        for el in select(index, selector):
            text = clean_title(_HEADING_META.sub("", el.get_text(" ", strip=True)))
            if 4 <= len(text) <= 150 and text not in out:
                out.append(text)
    return out


def choose_title(meta_title: str | None, candidates: list[str], tag_title: str) -> str:
    """ArticleTitle meta, else the in-page heading that best matches <title>, else <title>."""
    if meta_title:
        return clean_title(meta_title)
    if candidates and tag_title:
        best = max(candidates, key=lambda c: _overlap(c, tag_title))
        if _overlap(best, tag_title) >= 0.6:
            return best
        return tag_title
    if candidates:
        return candidates[0]
    return tag_title


def _overlap(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    sb = set(b)
    return sum(ch in sb for ch in a) / len(a)


# ---------------------------------------------------------------- attachments


def attachment_links(root: Tag, base_url: str, extensions: tuple[str, ...]) -> list[tuple[str, str]]:
    """(absolute url, link text) of links to document files, in page order, de-duplicated."""
    out: dict[str, str] = {}
    for a in root.find_all("a", href=True):
        href = a["href"]
        if not isinstance(href, str) or href.strip().lower().startswith(("javascript:", "mailto:", "#")):
            continue
        try:
            url = urljoin(base_url, href.strip())
        except ValueError:
            continue
        if not is_attachment_url(url, extensions):
            continue
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        name = clean_inline(a.get_text(" ", strip=True)) or clean_inline(str(a.get("title") or ""))
        name = name or path.rsplit("/", 1)[-1]
        out.setdefault(url, name)
    return list(out.items())


def is_attachment_url(url: str, extensions: tuple[str, ...] = ATTACHMENT_EXTENSIONS) -> bool:
    """Path ends with a document extension, or a download script names the file in its query.

    The spider fetches the links this accepts, so every attachment the parser lists was crawled.
    """
    parts = urlsplit(url)
    if parts.path.lower().endswith(extensions):
        return True
    return any(v.lower().endswith(extensions) for _, v in parse_qsl(parts.query))
