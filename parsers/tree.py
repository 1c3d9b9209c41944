"""The page tree: lxml's, built in C, with the text rules of BeautifulSoup's tree read over it.

Building `BeautifulSoup(html, "lxml")` (or bs4 objects from lxml's tree) was the biggest cost of a
parse, so the parser works on lxml's own tree and reads its text as bs4 would: strings inside
<script>/<style>/<template>/<rt>/<rp> are not page text (bs4 gives them their own string
classes), whitespace-only strings count as one space or newline outside <pre>/<textarea>,
comments and processing instructions are never text. Elements the parser removes (scripts,
hidden blocks, chrome) are not cut out of the tree: `Tree.dropped` names them and every walk
skips them, their tails kept, so a removal splits no string. `tests/unit/test_parsers_tree.py`
checks `text_of` against bs4's `get_text` on every element of every fixture, sample and CWCE page.
BeautifulSoup itself reads the page's meta tags and <title> (`parsers.metadata.metadata_tags`).
"""

from __future__ import annotations

import re

from lxml import etree

_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
_PRESERVE = frozenset(("pre", "textarea"))
#: bs4's string containers: text inside them is not page text for get_text
CONTAINERS = frozenset(("rt", "rp", "style", "script", "template"))
DOCUMENT = "govpub-document"  #: the element that holds a page's top-level nodes


class Tree:
    """A parsed page and what was dropped from it.

    `root` is a `govpub-document` element holding the page's top-level nodes, as bs4's
    BeautifulSoup object does (libxml2 may leave a second <html> beside the first); None for a
    page with no elements. It is never dropped, indexed or rendered as a block.

    `impure` holds every element whose subtree has a dropped element, a string container or a
    <pre>/<textarea>; below any other element lxml's own `itertext` gives bs4's strings.
    """

    __slots__ = ("root", "dropped", "impure")

    def __init__(self, root) -> None:
        self.root = root
        self.dropped: set = set()  # lxml keeps one proxy per node while it is referenced, so identity is stable
        self.impure: set = set()
        if root is not None:
            for el in root.iter(*CONTAINERS, *_PRESERVE):
                self._taint(el)

    def drop(self, el) -> None:
        self.dropped.add(el)
        self._taint(el)

    def _taint(self, el) -> None:
        impure = self.impure
        while el is not None and el not in impure:  # upward-closed: an impure element's ancestors are too
            impure.add(el)
            el = el.getparent()

    def removed(self, el) -> bool:
        """Is el, or an ancestor of it, dropped?"""
        dropped = self.dropped
        while el is not None:
            if el in dropped:
                return True
            el = el.getparent()
        return False

    def body(self):
        """The first <body> still in the tree, else the root (as bs4's `soup.body or soup`)."""
        if self.root is None:
            return None
        return next((b for b in self.root.iter("body") if not self.removed(b)), self.root)

    def elements(self) -> list:
        """Every element of the page in document order (bs4's `soup.find_all(True)`)."""
        return list(self.root.iterdescendants(etree.Element)) if self.root is not None else []


def parse_tree(html: str) -> Tree:
    parser = etree.HTMLParser(recover=True)
    try:
        root = etree.fromstring(html, parser) if html.strip() else None
    except etree.LxmlError:  # nothing lxml can make a document of: an empty tree
        root = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2's tree stops at 256 levels; its event stream (which bs4 listens to) does not
        events = etree.HTMLParser(recover=True, target=etree.TreeBuilder(insert_comments=True, insert_pis=True))
        events.feed(html)
        root = events.close()
    if root is None:
        return Tree(None)
    document = etree.Element(DOCUMENT)
    for node in [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]:
        document.append(node)
    return Tree(document)


def _context(el) -> tuple[str | None, bool]:
    """(nearest string-container tag at or above el, inside <pre>/<textarea>)."""
    kind, preserve = None, False
    node = el
    while node is not None:
        tag = node.tag
        if kind is None and tag in CONTAINERS:
            kind = tag
        if tag in _PRESERVE:
            preserve = True
        node = node.getparent()
    return kind, preserve


def text_of(el, tree: Tree | None = None, sep: str = "", strip: bool = False) -> str:
    """bs4's `el.get_text(sep, strip=strip)` on lxml's tree, skipping the tree's dropped elements.

    Only the impure part of the subtree (the paths down to dropped elements, string containers
    and <pre>) is walked in Python; below it lxml's `itertext` yields the strings.
    """
    kind, preserve = _context(el)
    want = el.tag if el.tag in CONTAINERS else None
    if tree is None:
        dropped, impure = (), None
    else:
        dropped, impure = tree.dropped, tree.impure
    out: list[str] = []
    stack: list = [(el, kind, preserve)]
    while stack:
        node, kind, preserve = stack.pop()
        if node.__class__ is str:
            values = (node,)
        else:
            tag = node.tag
            if tag.__class__ is not str or node in dropped:
                continue
            if impure is not None and node not in impure:  # no container, <pre> or dropped element below
                if kind == want:
                    _add(out, node.itertext(), strip, preserve)
                continue
            if tag in CONTAINERS:
                kind = tag
            if tag in _PRESERVE:
                preserve = True
            for child in reversed(node):
                tail = child.tail
                if tail:
                    stack.append((tail, kind, preserve))
                stack.append((child, kind, preserve))
            if not node.text:
                continue
            values = (node.text,)
        if kind == want:
            _add(out, values, strip, preserve)
    return sep.join(out)


def _add(out: list[str], strings, strip: bool, preserve: bool) -> None:
    if strip:
        out.extend(filter(None, map(str.strip, strings)))
    elif preserve:
        out.extend(strings)
    else:  # bs4 keeps a whitespace-only string as one newline or space
        out.extend([s if s.strip(_ASCII_SPACES) else ("\n" if "\n" in s else " ") for s in strings])


def simplify_text(tree: Tree, convert) -> None:
    """Convert every text and tail and every <meta content> (t2s); hrefs stay as they are."""
    if tree.root is None:
        return
    for node in tree.root.iter():
        text = node.text
        if text and node.tag.__class__ is str:
            new = convert(text)
            if new != text:
                _set(node, "text", new)
        tail = node.tail
        if tail:
            new = convert(tail)
            if new != tail:
                _set(node, "tail", new)
    for m in tree.root.iter("meta"):
        content = m.get("content")
        if content:
            m.set("content", _XML_UNSAFE.sub("", convert(content)))


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _set(node, attr: str, value: str) -> None:
    try:
        setattr(node, attr, value)
    except ValueError:  # lxml stores no control characters (libxml2's parser lets some through)
        setattr(node, attr, _XML_UNSAFE.sub("", value))
