"""Find the article: the main-text container rendered as lines, and its attachment links.

Metadata fields and the title are read by parsers.metadata."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsers.clean import has_noise_class
from parsers.normalise import clean_inline, clean_line
from parsers.tree import DOCUMENT, Tree, parse_tree, text_of
from parsers.selectors import ATTACHMENT_EXTENSIONS, CONTENT_SELECTORS, GENERIC_SELECTORS

LINE = "\ue000"  # private-use markers (stripped from input by decode) for line and cell breaks
CELL = "\ue001"

BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot tr "
    "blockquote pre center address figure figcaption hr form fieldset caption".split()
)
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
_PRESERVE = frozenset(("pre", "textarea"))


def parse_html(html: str) -> Tree:
    # lxml refuses str input that still carries an XML encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    return parse_tree(html)


# ---------------------------------------------------------------- rendering


def lines_of(root, tree: Tree, tables: dict | None = None) -> list[str]:
    """Text of an element: one block per line, `<br>` breaks, data-table rows as tab-separated cells.

    One walk over lxml's subtree that writes line and cell breaks into the text as it goes,
    skipping dropped elements (their tails kept); the tree is not touched.
    """
    tables = {} if tables is None else tables  # data-table verdicts, shared by the renderings of one tree
    table = root if root.tag == "table" else next(root.iterancestors("table"), None)
    data = table is not None and _data_table(table, tree, tables)
    in_cell = data and any(p.tag in ("td", "th") for p in _up_to(root, table))
    preserve = any(p.tag in _PRESERVE for p in _up_to(root, None))
    out: list[str] = []
    if root.text:
        out.append(_string(root.text, preserve))
    _render(list(root), tree, tables, data, in_cell, preserve, out)
    joined = _SPACES.sub(" ", "".join(out).replace("\r", "").replace("\n", " "))
    lines = []
    for raw in joined.split(LINE):
        line = clean_line(raw.replace(CELL, "\t")) if CELL in raw or "\t" in raw else raw.strip()
        if line:
            lines.append(line)
    return lines


def _string(value: str, preserve: bool) -> str:
    # bs4 makes a whitespace-only string one space (or newline, a space here too) outside <pre>,
    # so a tab between two cells is no cell break
    return value if preserve or value.strip(_ASCII_SPACES) else " "


def _render(nodes: list, tree: Tree, tables: dict, data: bool, in_cell: bool, preserve: bool, out: list[str]) -> None:
    """Write the text of nodes (and their tails) to out, with LINE and CELL marks."""
    dropped = tree.dropped
    append = out.append
    spaces = _ASCII_SPACES
    stack: list = [(node, data, in_cell, preserve) for node in reversed(nodes)]
    pop, push = stack.pop, stack.append
    while stack:
        node, data, in_cell, preserve = pop()
        if node.__class__ is str:  # a queued tail
            append(node if preserve or node.strip(spaces) else " ")
            continue
        if node.__class__ is _Break:
            append(node.mark)
            continue
        name = node.tag
        tail = node.tail
        if name.__class__ is not str or node in dropped or name == "br":  # comments, PIs, removed elements
            if name == "br" and node not in dropped:
                append(LINE)
            if tail:
                append(tail if preserve or tail.strip(spaces) else " ")
            continue
        if name == "table":
            data = _data_table(node, tree, tables)
            if data and _spans_rows(node):
                append(LINE)
                _render_spanned_rows(node, tree, tables, preserve, out)
                append(LINE)
                if tail:
                    append(tail if preserve or tail.strip(spaces) else " ")
                continue
        block = name in BLOCK_TAGS and not in_cell
        child_in_cell = in_cell
        child_preserve = preserve or name in _PRESERVE
        if tail:
            push((tail, data, in_cell, preserve))
        if block:
            append(LINE)
            push((_LINE_BREAK, data, in_cell, preserve))
        if name == "td" or name == "th":
            push((_CELL_BREAK, data, in_cell, preserve))
            child_in_cell = in_cell or data
        for child in reversed(node):
            push((child, data, child_in_cell, child_preserve))
        text = node.text
        if text:
            append(text if child_preserve or text.strip(spaces) else " ")


# ---------------------------------------------------------------- merged cells

_MAX_SPAN = 100  # a `rowspan="9999"` is a typo, not a promise of rows


def _span(cell, attr: str) -> int:
    m = re.match(r"\s*(\d+)", cell.get(attr) or "")
    return min(max(int(m.group(1)), 1), _MAX_SPAN) if m else 1


def _spans_rows(table) -> bool:
    return any(_span(cell, "rowspan") > 1 for cell in table.iter("td", "th") if cell.get("rowspan"))


def _render_spanned_rows(table, tree: Tree, tables: dict, preserve: bool, out: list[str]) -> None:
    """A data table whose cells span rows: each row carries the text of every cell that covers it.

    `<td rowspan=2>小学</td>` heads two rows, so both rows start with 小学 (the second row's
    cells are shifted right of it); a cell spanning columns is printed once per row.
    """
    dropped = tree.dropped
    pending: dict[int, list] = {}  # column -> [rendered cell, rows still to cover, columns spanned]
    for part in table:
        if part.tag.__class__ is not str or part in dropped:
            continue
        rows = [part] if part.tag == "tr" else [r for r in part if r.tag == "tr"] if part.tag in (
            "thead", "tbody", "tfoot") else None
        if rows is None:  # a caption, a colgroup: rendered as usual
            _render([part], tree, tables, True, False, preserve, out)
            continue
        for row in rows:
            if row in dropped:
                continue
            out.append(LINE)
            col, used = 0, set()
            for cell in row:
                if cell.tag not in ("td", "th") or cell in dropped:
                    continue
                col = _fill_spanned(pending, col, used, out)
                rendered = [_string(cell.text, preserve)] if cell.text else []
                _render(list(cell), tree, tables, True, True, preserve or cell.tag in _PRESERVE, rendered)
                rendered.append(CELL)
                out.extend(rendered)
                width = _span(cell, "colspan")
                if _span(cell, "rowspan") > 1:
                    # a cell of several lines (box drawings, a note) is not a row's label: an empty cell below
                    repeated = rendered if LINE not in "".join(rendered) else [CELL]
                    pending[col] = [repeated, _span(cell, "rowspan") - 1, width]
                    used.add(col)
                col += width
            for c in sorted(c for c in pending if c >= col):  # spanned columns after the row's last cell
                _fill_spanned(pending, c, used, out)
            for c in [c for c in pending if c not in used]:  # an irregular table: the span still runs out
                pending[c][1] -= 1
                if pending[c][1] <= 0:
                    del pending[c]
            out.append(LINE)


def _fill_spanned(pending: dict[int, list], col: int, used: set[int], out: list[str]) -> int:
    """Write the cells spanning into this row from above at column col; the next free column."""
    while col in pending and col not in used:
        rendered, left, width = pending[col]
        out.extend(rendered)
        used.add(col)
        if left <= 1:
            del pending[col]
        else:
            pending[col][1] = left - 1
        col += width
    return col


class _Break:
    """A line or cell break queued behind an element's children."""

    __slots__ = ("mark",)

    def __init__(self, mark: str) -> None:
        self.mark = mark


_LINE_BREAK, _CELL_BREAK = _Break(LINE), _Break(CELL)
_SPACES = re.compile(r"[^\S\t\n]+")  # as parsers.normalise.clean_line collapses them, once per rendering


def _up_to(el, top):
    """el and its ancestors below top (top excluded; None: up to the root)."""
    node = el
    while node is not None and node is not top:
        yield node
        node = node.getparent()


def _data_table(table, tree: Tree, cache: dict) -> bool:
    known = cache.get(table)
    if known is None:
        known = cache[table] = _is_data_table(table, tree)
    return known


def _is_data_table(table, tree: Tree) -> bool:
    """A table of data (rows of short cells) rather than page layout."""
    cells = _cells(table, tree)
    if any(el.tag == "table" for el in cells):
        return False
    return bool(cells) and all(len(text_of(c, tree, strip=True)) <= 200 for c in cells)


def _cells(table, tree: Tree) -> list:
    """The td, th and table elements below table that are not dropped (in no particular order)."""
    dropped, impure = tree.dropped, tree.impure
    out: list = []
    stack = [table]
    while stack:
        for child in stack.pop():
            if child.tag.__class__ is not str or child in dropped:
                continue
            if child in impure:  # a dropped element somewhere below: walk on
                if child.tag in ("td", "th", "table"):
                    out.append(child)
                stack.append(child)
            else:
                out.extend(child.iter("td", "th", "table"))
    return out


def _removed_below(el, top, tree: Tree) -> bool:
    """Is el, or an ancestor of it below top, dropped?"""
    if top not in tree.impure:
        return False
    dropped = tree.dropped
    return any(node in dropped for node in _up_to(el, top))


# ---------------------------------------------------------------- container


Index = dict[str, list]


def element_index(tree: Tree) -> Index:
    """One walk over the tree: tag name, `#id` and `.class` -> elements, in document order.

    The CMS hints are simple selectors (`.TRS_Editor`, `#zoom`, `h1`, `#Article .content`), so a
    dictionary look-up replaces a CSS engine pass per selector (the parser's hot spot).
    """
    everything = tree.elements()
    index: dict[str, list] = {"*": everything}  # "*": every element, for walks that need them all
    for el in everything:
        index.setdefault(el.tag, []).append(el)
        attrs = el.attrib
        if not attrs:
            continue
        ident = attrs.get("id")
        if ident and ident.strip():
            index.setdefault("#" + ident.strip(), []).append(el)
        cls = attrs.get("class")
        if cls:
            for c in cls.split():
                index.setdefault("." + c, []).append(el)
    return index


def _matches(el, simple: str) -> bool:
    if simple.startswith("#"):
        return el.get("id") == simple[1:]
    if simple.startswith("."):
        return simple[1:] in (el.get("class") or "").split()
    return el.tag == simple


def select(tree: Tree, index: Index, selector: str) -> list:
    """Elements matching a simple selector or `ancestor descendant` pair, skipping removed ones."""
    *ancestors, last = selector.split()
    found = [el for el in index.get(last, ()) if not tree.removed(el)]
    for anc in ancestors:
        found = [el for el in found if any(_matches(p, anc) for p in el.iterancestors())]
    return found


def find_container(tree: Tree, index: Index | None = None):
    """Main-text element: a known CMS container that holds the article, else the densest prose block.

    A hint is only a hint: a CMS container (`#zoom` around one link, a generic `.content` around
    the whole page) that holds a small part of the page's prose loses to the densest block, so a
    few links are never chosen over a long run of sentences.
    """
    index = index if index is not None else element_index(tree)
    dense = _densest_block(tree)
    dense_score = _block_score(dense, tree) if dense is not None else 0.0
    for selector in CONTENT_SELECTORS:
        found = [el for el in select(tree, index, selector) if _prose_score(text_of(el, tree, " ", True)) > 0]
        if not found:
            continue
        el = max(found, key=lambda e: len(text_of(e, tree, strip=True)))
        if dense is None or el is dense or _is_ancestor(dense, el) and _holds_most(el, dense, tree):
            return el
        if _is_ancestor(el, dense):
            return dense if selector in GENERIC_SELECTORS else el
        if selector not in GENERIC_SELECTORS and _block_score(el, tree) >= 0.3 * dense_score:
            return el
    return dense


def lead_paragraphs(container, tree: Tree) -> list:
    """A standfirst printed just before the container (`<p class="chapo">` then the body `<div>`):
    readability's sibling rule for `<p>`, the contiguous paragraphs right before the container's
    outermost wrapper with 50+ characters (80 in readability, for English), two sentence marks, under
    a quarter link text."""
    out: list = []
    for sib in _siblings(_wrapper(container, tree), tree, preceding=True):
        if sib.__class__ is str:
            if not sib.strip():
                continue
            break
        text = text_of(sib, tree, strip=True)
        if sib.tag != "p" or len(text) < 50 or len(_SENTENCE.findall(text)) < 2 or _link_chars(sib, tree) >= 0.25 * len(text):
            break
        out.append(sib)
    return out[::-1]


_SENTENCE = re.compile(r"[，。；！？]")


def _siblings(el, tree: Tree, preceding: bool = False):
    """bs4's `next_siblings` (or `previous_siblings`) on lxml's tree: the elements beside el and the
    strings between them (the tails, and the parent's text before its first child), nearest first.
    Dropped elements are gone, their tails stay; comments and PIs are no siblings, their tails are."""
    dropped = tree.dropped
    if preceding:
        for sib in el.itersiblings(preceding=True):
            if sib.tail:
                yield sib.tail
            if sib.tag.__class__ is str and sib not in dropped:
                yield sib
        parent = el.getparent()
        if parent is not None and parent.text:
            yield parent.text
    else:
        if el.tail:
            yield el.tail
        for sib in el.itersiblings():
            if sib.tag.__class__ is str and sib not in dropped:
                yield sib
            if sib.tail:
                yield sib.tail


def _wrapper(container, tree: Tree):
    """The container's outermost ancestor that adds no text of its own (below <body>)."""
    wrapper = container
    parent = wrapper.getparent()
    while parent is not None and parent.tag not in ("body", "html", DOCUMENT) and not _adds_text(parent, wrapper, tree):
        wrapper, parent = parent, parent.getparent()
    return wrapper


def _adds_text(parent, child, tree: Tree) -> bool:
    """Has parent text outside child (in its own strings or its other children)?"""
    if (parent.text or "").strip() or any((c.tail or "").strip() for c in parent):
        return True
    dropped = tree.dropped
    return any(c is not child and c.tag.__class__ is str and c not in dropped and _has_text(c, tree) for c in parent)


def _has_text(el, tree: Tree) -> bool:
    return bool(text_of(el, tree, strip=True))


def _link_chars(el, tree: Tree) -> int:
    """Characters of el's text inside its links (bs4's `sum(len(a.get_text(strip=True)) for a in el.find_all("a"))`)."""
    return sum(len(text_of(a, tree, strip=True)) for a in el.iterdescendants("a") if not _removed_below(a, el, tree))


def continuation_blocks(container, tree: Tree, tables: dict) -> list:
    """Data tables right after the container that carry the article on (`附：招生专业及考试科目`
    and then the table, in a sibling layout block).

    From the container's outermost wrapper that adds no text of its own, the following sibling
    data tables (two rows of two cells or more) join while each has under a quarter link text;
    the first other block ends it (prose blocks do not join: after an article they are notices,
    disclaimers, comments).
    """
    out: list = []
    for sib in _siblings(_wrapper(container, tree), tree):
        if sib.__class__ is str:
            if not sib.strip():
                continue
            break  # loose text between blocks: not a block of the article
        if not _has_text(sib, tree):
            continue
        if sib.tag != "table" or has_noise_class(sib) or not _data_table(sib, tree, tables) or not _is_grid(sib, tree):
            break
        if _link_chars(sib, tree) >= 0.25 * len(text_of(sib, tree, strip=True)):
            break
        out.append(sib)
    return out


def _is_grid(table, tree: Tree) -> bool:
    """At least two rows of at least two cells: a table of data, not a box around one line."""
    dropped = tree.dropped
    rows = 0
    for tr in table.iterdescendants("tr"):
        if not _removed_below(tr, table, tree) and sum(
                1 for c in tr if c.tag in ("td", "th") and c not in dropped) >= 2:
            rows += 1
            if rows >= 2:
                return True
    return False


def _is_ancestor(outer, inner) -> bool:
    """bs4's `outer in inner.parents`."""
    return any(p is outer for p in inner.iterancestors())


def _holds_most(outer, inner, tree: Tree) -> bool:
    """`inner` carries at least half of `outer`'s text (outer is a wrapper, not the whole page)."""
    return 2 * len(text_of(inner, tree, strip=True)) >= len(text_of(outer, tree, strip=True))


def _block_score(el, tree: Tree) -> float:
    """Prose score of a whole element, discounted by the share of its text inside links."""
    text = text_of(el, tree, " ", True)
    links = sum(len(text_of(a, tree, strip=True)) for a in el.iterdescendants("a") if not _removed_below(a, el, tree))
    return _prose_score(text) * (1 - min(links / max(len(text), 1), 1.0))


_PUNCT = re.compile(r"[，。；：、！？,;]")
_LABEL_CELL = re.compile(r"^[^，。；！？,;]{1,10}[:：]$")  # `索引号：` in a disclosure table: a label, not prose


def _prose_score(text: str) -> float:
    """How much a block reads like prose: punctuation plus length, zero for tiny fragments."""
    punct = len(_PUNCT.findall(text))
    if len(text) < 10 and not (punct and len(text) >= 4) or _LABEL_CELL.match(text):
        return 0.0
    return punct + len(text) / 100


def _densest_block(tree: Tree):
    """Readability-style: paragraphs vote for their parent (full) and grandparent (half).

    Paragraphs inside chrome (comments, sidebars, footers: by tag and class/id tokens) do not
    vote, unless the whole page is such chrome.
    """
    body = tree.body()
    if body is None:
        return None
    paragraphs = [(para, _paragraph_score(text, link_chars, punct_outside))
                  for para, text, link_chars, punct_outside in _paragraphs(body, tree.dropped)]
    chrome: dict = {}
    outside = [(para, score) for para, score in paragraphs if score > 0 and not _in_chrome(para, body, chrome)]
    scores: dict = {}
    for para, score in outside or [(p, s) for p, s in paragraphs if s > 0]:
        parent = para.getparent()
        for tag, weight in ((parent, 1.0), (parent.getparent() if parent is not None else None, 0.5)):
            if tag is not None:
                scores[tag] = scores.get(tag, 0.0) + score * weight
    if not scores:
        return None
    return max(scores, key=scores.__getitem__)


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


def _in_chrome(el, body, cache: dict) -> bool:
    """Is el, or an ancestor below body, a chrome block (memoised per element)?"""
    path = []
    node = el
    verdict = False
    while node is not None and node is not body:
        known = cache.get(node)
        if known is not None:
            verdict = known
            break
        path.append(node)
        if node.tag in _CHROME_TAGS or has_noise_class(node):
            verdict = True
            break
        node = node.getparent()
    for n in path:
        cache[n] = verdict
    return verdict


_OWNER_TAGS = frozenset(
    "p div td th li pre blockquote section article dd dt center h1 h2 h3 h4 h5 h6".split()
)


def _paragraphs(body, dropped):
    """(element, own text, link characters, punctuation outside links?) per block that directly holds text.

    A string belongs to its nearest block ancestor, so a layout cell holding nested tables, or a
    `<font>` of `<br>`-separated paragraphs next to a `<div>`, counts only the text it owns.
    """
    texts: dict = {}  # owner -> its strings, in the order owners first own a string
    links: dict = {}
    punct_outside: set = set()
    stack: list = [(body, None, False)]  # (node or tail string, owning block, inside a link below it)
    while stack:
        node, owner, in_link = stack.pop()
        if node.__class__ is str:
            value = node
        else:
            tag = node.tag
            if tag.__class__ is not str or node in dropped:
                continue
            if node is not body:
                if tag in _OWNER_TAGS:
                    owner, in_link = node, False
                elif tag == "a":
                    in_link = True
            for child in reversed(node):
                if child.tail:
                    stack.append((child.tail, owner, in_link))
                stack.append((child, owner, in_link))
            value = node.text
        if not value or owner is None:  # loose text directly in <body> is not a paragraph
            continue
        value = value.strip()
        if not value:
            continue
        texts.setdefault(owner, []).append(value)
        if in_link:
            links[owner] = links.get(owner, 0) + len(value)
        elif owner not in punct_outside and _PUNCT.search(value):
            punct_outside.add(owner)
    for owner, strings in texts.items():
        yield owner, " ".join(strings), links.get(owner, 0), owner in punct_outside


# ---------------------------------------------------------------- attachments


def attachment_links(tree: Tree, base_url: str, extensions: tuple[str, ...],
                     anchors: list | None = None) -> list[tuple[str, str]]:
    """(absolute url, link text) of links to document files, in page order, de-duplicated.

    `anchors`: the page's <a> elements when already at hand (the element index), else found here.
    """
    out: dict[str, str] = {}
    mentions = _extension_mention(extensions)
    if anchors is None:
        anchors = list(tree.root.iter("a")) if tree.root is not None else []
    for a in anchors:
        href = a.get("href")
        if not href or not mentions.search(href):
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
        name = clean_inline(text_of(a, tree, " ", True)) or clean_inline(str(a.get("title") or ""))
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
