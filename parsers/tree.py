"""The page's BeautifulSoup tree, built from lxml's C-built tree in one pass.

`BeautifulSoup(html, "lxml")` drives lxml's parser through Python callbacks (a call per tag, per
text chunk, per end tag) and was 40% of a parse. Here lxml builds its own tree in C with the same
libxml2 HTML parser, and one loop creates the bs4 objects and links them, with bs4's own rules:
the same multi-valued attributes (`class` as a list), whitespace-only strings collapsed to one
space or newline outside <pre>/<textarea>, Script/Stylesheet/TemplateString strings inside those
tags, comments and processing instructions as their bs4 classes. The result is the tree
`BeautifulSoup(html, "lxml")` gives (tests/unit/test_parsers_tree.py checks that on every fixture
page and on the CWCE pages), so the rest of the parser keeps the bs4 API the design names.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import ProcessingInstruction
from lxml import etree

_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
_PRESERVE = frozenset(("pre", "textarea"))


def soup_of(html: str) -> BeautifulSoup:
    soup = BeautifulSoup("", "lxml")  # an empty document carrying bs4's lxml builder settings
    builder = soup.builder
    containers = builder.string_containers
    parser = etree.HTMLParser(recover=True)
    try:
        root = etree.fromstring(html, parser) if html.strip() else None
    except etree.LxmlError:  # nothing lxml can make a document of: an empty tree, as bs4 gives
        root = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2's tree stops at 256 levels; its event stream, which bs4 listens to, does not
        return BeautifulSoup(html, "lxml")
    if root is None:
        return soup
    last = [soup]  # the element created last, in document order (bs4's next_element chain)

    def link(node, parent: Tag) -> None:
        prev = last[0]
        node.parent = parent
        node.previous_element = prev
        prev.next_element = node
        node.next_element = None
        siblings = parent.contents
        if siblings:
            before = siblings[-1]
            node.previous_sibling = before
            before.next_sibling = node
        else:
            node.previous_sibling = None
        node.next_sibling = None
        siblings.append(node)
        last[0] = node

    def text(value: str, parent: Tag, container, preserve: bool) -> None:
        if not preserve and not value.strip(_ASCII_SPACES):
            value = "\n" if "\n" in value else " "
        link((container or NavigableString)(value), parent)

    # Tag() per element is most of the cost; a tag is a copy of a per-name prototype made by Tag()
    prototypes: dict[str, dict] = {}
    split_lists = builder._replace_cdata_list_attribute_values
    attr_dict = builder.attribute_dict_class

    def new_tag(el) -> Tag:
        name = el.tag
        proto = prototypes.get(name)
        if proto is None:
            proto = prototypes[name] = Tag(soup, builder, name).__dict__
        tag = Tag.__new__(Tag)
        tag.__dict__.update(proto)
        tag.contents = []
        # items(), not attrib: a mangled attribute name such as `{"` (lxml reads "{" as a namespace)
        # makes attrib[...] raise, while items() still returns it
        tag.attrs = split_lists(name, attr_dict(el.items())) if el.attrib else attr_dict()
        return tag

    # Top-level siblings of <html> (comments, PIs) come before and after it, as bs4 puts them.
    tops = list(root.itersiblings(preceding=True))[::-1] + [root] + list(root.itersiblings())
    stack: list = [(el, soup, None, False) for el in reversed(tops)]
    while stack:
        el, parent, container, preserve = stack.pop()
        if isinstance(el, str):  # a tail queued behind its element's children
            text(el, parent, container, preserve)
            continue
        if isinstance(el, etree._Comment):
            link(Comment(el.text or ""), parent)
        elif isinstance(el, etree._ProcessingInstruction):
            link(ProcessingInstruction(f"{el.target} {el.text or ''}".rstrip() + ">"), parent)
        elif isinstance(el.tag, str):
            tag = new_tag(el)
            link(tag, parent)
            inner_container = containers.get(el.tag, container)
            inner_preserve = preserve or el.tag in _PRESERVE
            children = list(el)
            for child in reversed(children):
                if child.tail:
                    stack.append((child.tail, tag, inner_container, inner_preserve))
                stack.append((child, tag, inner_container, inner_preserve))
            if el.text:
                text(el.text, tag, inner_container, inner_preserve)
            continue
    return soup


# ---------------------------------------------------------------- lines without a bs4 tree

LINE = "\ue000"  # the same private-use break markers as parsers.extract
CELL = "\ue001"


def page_lines_fast(html: str, block_tags: frozenset[str], drop_tags: frozenset[str], display_none) -> list[str] | None:
    """Every text line of a page, rendered from lxml's tree directly (no bs4 objects at all).

    The same rendering as `parsers.extract.lines_of` after `parsers.clean.drop_always`, for template
    learning, which needs only the lines of each page of a crawl and was half of a crawl's parse
    time (tests/unit/test_parsers_tree.py checks both give the same lines). None when the fast path
    cannot promise that (libxml2's depth limit hit): the caller then renders through bs4.
    """
    from parsers.normalise import clean_line  # here, not at import: normalise loads OpenCC

    parser = etree.HTMLParser(recover=True)
    try:
        root = etree.fromstring(html, parser) if html.strip() else None
    except etree.LxmlError:
        root = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return None
    if root is None:
        return []
    body = next(root.iter("body"), root)

    def dropped(el) -> bool:
        if not isinstance(el.tag, str) or el.tag in drop_tags:
            return True
        attrib = el.attrib
        if "hidden" in attrib:
            return True
        style = attrib.get("style")
        return bool(style and display_none.search(style))

    tables: dict = {}

    def data_table(table) -> bool:
        known = tables.get(table)
        if known is None:
            known = tables[table] = _is_data_table_fast(table, dropped)
        return known

    out: list[str] = []

    def text(value: str, preserve: bool) -> None:
        if not preserve and not value.strip(_ASCII_SPACES):
            value = "\n" if "\n" in value else " "  # bs4's rule: a tab between cells is no cell break
        out.append(value)

    stack: list = [(child, False, False, False, True) for child in reversed(list(body))]
    if body.text:
        text(body.text, False)
    while stack:
        node, data, in_cell, preserve, visit = stack.pop()
        if not visit:  # a queued tail, or a break (never whitespace-only)
            text(node, preserve)
            continue
        if dropped(node):
            if node.tail:
                text(node.tail, preserve)
            continue
        name = node.tag
        if name == "br":
            out.append(LINE)
            if node.tail:
                text(node.tail, preserve)
            continue
        if name == "table":
            data = data_table(node)
        block = name in block_tags and not in_cell
        child_in_cell = in_cell
        child_preserve = preserve or name in _PRESERVE
        after = []
        if name in ("td", "th"):
            after.append(CELL)
            child_in_cell = in_cell or data
        if block:
            out.append(LINE)
            after.append(LINE)
        if node.tail:
            stack.append((node.tail, data, in_cell, preserve, False))
        for mark in reversed(after):
            stack.append((mark, data, in_cell, preserve, False))
        for child in reversed(list(node)):
            stack.append((child, data, child_in_cell, child_preserve, True))
        if node.text:
            text(node.text, child_preserve)
    text = "".join(out).replace("\r", "").replace("\n", " ")
    return [line for line in (clean_line(raw.replace(CELL, "\t")) for raw in text.split(LINE)) if line]


def _is_data_table_fast(table, dropped) -> bool:
    """parsers.extract._is_data_table on lxml's tree, counting only what drop_always keeps."""
    cells = 0
    stack = [(child, None) for child in table]
    lengths: dict = {}
    while stack:
        el, cell = stack.pop()
        if dropped(el):
            if cell is not None and el.tail:
                lengths[cell] += len(el.tail.strip())
            continue
        if el.tag == "table":
            return False
        if el.tag in ("td", "th"):
            cells += 1
            lengths[el] = len((el.text or "").strip())
            inner = el
        else:
            inner = cell
            if cell is not None and el.text:
                lengths[cell] += len(el.text.strip())
        if el.tail and cell is not None:
            lengths[cell] += len(el.tail.strip())
        stack.extend((child, inner) for child in el)
    return cells > 0 and all(n <= 200 for n in lengths.values())
