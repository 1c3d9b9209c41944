"""Find the article: the main-text container rendered as lines, and its attachment links.

Metadata fields and the title are read by parsers.metadata."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from parsers.clean import has_noise_class
from parsers.normalise import clean_inline, clean_line
from parsers.tree import soup_of
from parsers.selectors import ATTACHMENT_EXTENSIONS, CONTENT_SELECTORS, GENERIC_SELECTORS

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
    return soup_of(html)


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


def lines_of(root: Tag, tables: dict[int, bool] | None = None) -> list[str]:
    """Text of an element: one block per line, `<br>` breaks, data-table rows as tab-separated cells.

    One walk over the subtree that writes line and cell breaks into the text as it goes; the tree
    is not touched (inserting marker nodes into a bs4 tree cost a quarter of the parse).
    """
    tables = {} if tables is None else tables  # data-table verdicts, shared by the renderings of one tree
    table = root if root.name == "table" else root.find_parent("table")
    data = table is not None and _data_table(table, tables)
    in_cell = data and any(p.name in ("td", "th") for p in _up_to(root, table))
    out: list[str] = []
    stack: list = [(child, data, in_cell) for child in reversed(root.contents)]
    while stack:
        node, data, in_cell = stack.pop()
        if isinstance(node, str):  # a NavigableString, or a break pushed below
            if not isinstance(node, _SKIP_STRINGS):
                out.append(node)
            continue
        name = node.name
        if name == "br":
            out.append(LINE)
            continue
        if name == "table":
            data = _data_table(node, tables)
        block = name in BLOCK_TAGS and not in_cell
        after = []
        if name in ("td", "th"):
            after.append(CELL)
            in_cell = in_cell or data
        if block:
            out.append(LINE)
            after.append(LINE)
        for mark in reversed(after):
            stack.append((_Break(mark), data, in_cell))
        stack.extend((child, data, in_cell) for child in reversed(node.contents))
    text = "".join(out).replace("\r", "").replace("\n", " ")
    lines = []
    for raw in text.split(LINE):
        line = clean_line(raw.replace(CELL, "\t"))
        if line:
            lines.append(line)
    return lines


class _Break(str):
    """A line or cell break queued behind an element's children (a plain str, never a tree node)."""


def _up_to(el: Tag, top: Tag):
    """el and its ancestors below top (top excluded)."""
    node = el
    while node is not None and node is not top:
        yield node
        node = node.parent


def _data_table(table: Tag, cache: dict[int, bool]) -> bool:
    known = cache.get(id(table))
    if known is None:
        known = cache[id(table)] = _is_data_table(table)
    return known


def _is_data_table(table: Tag) -> bool:
    """A table of data (rows of short cells) rather than page layout."""
    if table.find("table") is not None:
        return False
    cells = table.find_all(["td", "th"])
    return bool(cells) and all(len(c.get_text(strip=True)) <= 200 for c in cells)


# ---------------------------------------------------------------- container


Index = dict[str, list[Tag]]


def element_index(soup: BeautifulSoup) -> Index:
    """One walk over the tree: tag name, `#id` and `.class` -> elements, in document order.

    The CMS hints are simple selectors (`.TRS_Editor`, `#zoom`, `h1`, `#Article .content`), so a
    dictionary look-up replaces a CSS engine pass per selector (the parser's hot spot).
    """
    everything = soup.find_all(True)
    index: dict[str, list[Tag]] = {"*": list(everything)}  # "*": every element, for walks that need them all
    for el in everything:
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
    """Main-text element: a known CMS container that holds the article, else the densest prose block.

    A hint is only a hint: a CMS container (`#zoom` around one link, a generic `.content` around
    the whole page) that holds a small part of the page's prose loses to the densest block, so a
    few links are never chosen over a long run of sentences.
    """
    index = index if index is not None else element_index(soup)
    dense = _densest_block(soup)
    dense_score = _block_score(dense) if dense is not None else 0.0
    for selector in CONTENT_SELECTORS:
        found = [el for el in select(index, selector) if _prose_score(el.get_text(" ", strip=True)) > 0]
        if not found:
            continue
        el = max(found, key=lambda e: len(e.get_text(strip=True)))
        if dense is None or el is dense or dense in el.parents and _holds_most(el, dense):
            return el
        if el in dense.parents:
            return dense if selector in GENERIC_SELECTORS else el
        if selector not in GENERIC_SELECTORS and _block_score(el) >= 0.3 * dense_score:
            return el
    return dense


def lead_paragraphs(container: Tag) -> list[Tag]:
    """A standfirst printed just before the container (`<p class="chapo">` then the body `<div>`):
    readability's sibling rule for `<p>`, the contiguous paragraphs right before the container's
    outermost wrapper with 50+ characters (80 in readability, for English), two sentence marks, under
    a quarter link text."""
    out: list[Tag] = []
    for sib in _wrapper(container).previous_siblings:
        if not isinstance(sib, Tag):
            if isinstance(sib, _SKIP_STRINGS) or not sib.strip():
                continue
            break
        text = sib.get_text(strip=True)
        links = sum(len(a.get_text(strip=True)) for a in sib.find_all("a"))
        if sib.name != "p" or len(text) < 50 or len(_SENTENCE.findall(text)) < 2 or links >= 0.25 * len(text):
            break
        out.append(sib)
    return out[::-1]


_SENTENCE = re.compile(r"[，。；！？]")


def _wrapper(container: Tag) -> Tag:
    """The container's outermost ancestor that adds no text of its own (below <body>)."""
    wrapper = container
    while isinstance(wrapper.parent, Tag) and wrapper.parent.name not in ("body", "html", "[document]") \
            and not any(_has_text(sib) for sib in wrapper.parent.contents if sib is not wrapper):
        wrapper = wrapper.parent
    return wrapper


def _has_text(node) -> bool:
    if isinstance(node, Tag):
        return any(s.strip() for s in node.strings if not isinstance(s, _SKIP_STRINGS))
    return not isinstance(node, _SKIP_STRINGS) and bool(node.strip())


def continuation_blocks(container: Tag) -> list[Tag]:
    """Data tables right after the container that carry the article on (`附：招生专业及考试科目`
    and then the table, in a sibling layout block).

    From the container's outermost wrapper that adds no text of its own, the following sibling
    data tables (two rows of two cells or more) join while each has under a quarter link text;
    the first other block ends it (prose blocks do not join: after an article they are notices,
    disclaimers, comments).
    """
    out: list[Tag] = []
    verdicts: dict[int, bool] = {}
    for sib in _wrapper(container).next_siblings:
        if not isinstance(sib, Tag):
            if isinstance(sib, _SKIP_STRINGS) or not sib.strip():
                continue
            break  # loose text between blocks: not a block of the article
        if not _has_text(sib):
            continue
        if sib.name != "table" or has_noise_class(sib) or not _data_table(sib, verdicts) or not _is_grid(sib):
            break
        text = sib.get_text(strip=True)
        if sum(len(a.get_text(strip=True)) for a in sib.find_all("a")) >= 0.25 * len(text):
            break
        out.append(sib)
    return out


def _is_grid(table: Tag) -> bool:
    """At least two rows of at least two cells: a table of data, not a box around one line."""
    rows = [tr for tr in table.find_all("tr") if len(tr.find_all(["td", "th"], recursive=False)) >= 2]
    return len(rows) >= 2


def _holds_most(outer: Tag, inner: Tag) -> bool:
    """`inner` carries at least half of `outer`'s text (outer is a wrapper, not the whole page)."""
    return 2 * len(inner.get_text(strip=True)) >= len(outer.get_text(strip=True))


def _block_score(el: Tag) -> float:
    """Prose score of a whole element, discounted by the share of its text inside links."""
    text = el.get_text(" ", strip=True)
    links = sum(len(a.get_text(strip=True)) for a in el.find_all("a"))
    return _prose_score(text) * (1 - min(links / max(len(text), 1), 1.0))


_PUNCT = re.compile(r"[，。；：、！？,;]")
_LABEL_CELL = re.compile(r"^[^，。；！？,;]{1,10}[:：]$")  # `索引号：` in a disclosure table: a label, not prose


def _prose_score(text: str) -> float:
    """How much a block reads like prose: punctuation plus length, zero for tiny fragments."""
    punct = len(_PUNCT.findall(text))
    if len(text) < 10 and not (punct and len(text) >= 4) or _LABEL_CELL.match(text):
        return 0.0
    return punct + len(text) / 100


def _densest_block(soup: BeautifulSoup) -> Tag | None:
    """Readability-style: paragraphs vote for their parent (full) and grandparent (half).

    Paragraphs inside chrome (comments, sidebars, footers: by tag and class/id tokens) do not
    vote, unless the whole page is such chrome.
    """
    body = soup.body or soup
    paragraphs = [(para, _paragraph_score(text, link_chars, punct_outside))
                  for para, text, link_chars, punct_outside in _paragraphs(body)]
    chrome: dict[int, bool] = {}
    outside = [(para, score) for para, score in paragraphs if score > 0 and not _in_chrome(para, body, chrome)]
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for para, score in outside or [(p, s) for p, s in paragraphs if s > 0]:
        for tag, weight in ((para.parent, 1.0), (para.parent.parent if para.parent else None, 0.5)):
            if isinstance(tag, Tag):
                scores[id(tag)] = scores.get(id(tag), 0.0) + score * weight
                nodes[id(tag)] = tag
    if not scores:
        return None
    return nodes[max(scores, key=scores.__getitem__)]


def _paragraph_score(text: str, link_chars: int, punct_outside_links: bool) -> float:
    """Prose score of a paragraph, discounted by its link share; zero for a link entry.

    A paragraph with links but no punctuation of its own outside them is an entry of a list (a
    forum thread's replies, 相关文章, a news ticker): however many there are, they never outvote a
    run of sentences, whatever punctuation their link titles carry.
    """
    if link_chars and not punct_outside_links:
        return 0.0
    return _prose_score(text) * (1 - min(link_chars / max(len(text), 1), 1.0))


_CHROME_TAGS = frozenset(("aside", "footer", "nav", "header", "menu"))


def _in_chrome(el: Tag, body: Tag, cache: dict[int, bool]) -> bool:
    """Is el, or an ancestor below body, a chrome block (memoised per element)?"""
    path = []
    node = el
    verdict = False
    while node is not None and node is not body:
        known = cache.get(id(node))
        if known is not None:
            verdict = known
            break
        path.append(node)
        if node.name in _CHROME_TAGS or has_noise_class(node):
            verdict = True
            break
        node = node.parent
    for n in path:
        cache[id(n)] = verdict
    return verdict


_OWNER_TAGS = frozenset(
    "p div td th li pre blockquote section article dd dt center h1 h2 h3 h4 h5 h6".split()
)


def _paragraphs(body: Tag):
    """(element, own text, link characters, punctuation outside links?) per block that directly holds text.

    A string belongs to its nearest block ancestor, so a layout cell holding nested tables, or a
    `<font>` of `<br>`-separated paragraphs next to a `<div>`, counts only the text it owns.
    """
    owners: dict[int, Tag] = {}
    texts: dict[int, list[str]] = {}
    links: dict[int, int] = {}
    punct_outside: set[int] = set()
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
        elif key not in punct_outside and _PUNCT.search(text):
            punct_outside.add(key)
    for key, owner in owners.items():
        text = " ".join(texts[key])
        yield owner, text, links.get(key, 0), key in punct_outside


# ---------------------------------------------------------------- attachments


def attachment_links(root: Tag, base_url: str, extensions: tuple[str, ...],
                     anchors: list[Tag] | None = None) -> list[tuple[str, str]]:
    """(absolute url, link text) of links to document files, in page order, de-duplicated.

    `anchors`: the page's <a> elements when already at hand (the element index), else found here.
    """
    out: dict[str, str] = {}
    mentions = _extension_mention(extensions)
    for a in root.find_all("a", href=True) if anchors is None else anchors:
        href = a.get("href")
        if not isinstance(href, str) or not mentions.search(href):
            continue  # cheap test first: urljoin on every link of a portal page was a tenth of a parse
        if href.strip().lower().startswith(("javascript:", "mailto:", "#")):
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


@lru_cache(maxsize=8)
def _extension_mention(extensions: tuple[str, ...]) -> re.Pattern:
    """Matches an href that names one of the extensions anywhere (a superset of attachment URLs)."""
    return re.compile("|".join(re.escape(e) for e in extensions), re.I)


def is_attachment_url(url: str, extensions: tuple[str, ...] = ATTACHMENT_EXTENSIONS) -> bool:
    """Path ends with a document extension, or a download script names the file in its query.

    The spider fetches the links this accepts, so every attachment the parser lists was crawled.
    """
    if not _extension_mention(extensions).search(url):
        return False  # cheap test first: most links name no document extension at all
    parts = urlsplit(url)
    if parts.path.lower().endswith(extensions):
        return True
    return any(v.lower().endswith(extensions) for _, v in parse_qsl(parts.query))
