"""Boilerplate removal: chrome elements in the tree, then chrome lines in the extracted text.

Rules are patterns over kinds of noise (breadcrumbs, metadata lines, footers, widgets,
watermarks, paywall tails), not lists of one site's strings.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.selectors import ALWAYS_DROP_TAGS, CAPTION_CLASS, NOISE_CLASS, STRUCTURAL_DROP_TAGS
from parsers.tree import CONTAINERS, _context, text_of

# ---------------------------------------------------------------- tree level

ALWAYS_DROP = frozenset(ALWAYS_DROP_TAGS)
DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)


def drop_always(tree, elements: list | None = None) -> None:
    """Drop elements that never carry article text (scripts, media, form controls, hidden).

    `elements`: every element of the tree when the caller has them (the element index), else found here.
    """
    if elements is None:
        elements = tree.elements()
    for el in elements:  # one walk
        attrs = el.attrib
        if el.tag in ALWAYS_DROP or "hidden" in attrs:
            tree.drop(el)
            continue
        style = attrs.get("style")
        if style and DISPLAY_NONE.search(style):
            tree.drop(el)


def drop_chrome(tree, root) -> None:
    """Drop layout chrome (nav/header/footer tags, share bars, breadcrumbs...) below root.

    An element holding half or more of root's text is kept: some sites wrap the whole page in
    <form> or give the article wrapper a class like "main_side".
    """
    total = max(len(text_of(root, tree)), 1)
    targets = [el for el in root.iterdescendants(etree.Element)
               if (el.tag in STRUCTURAL_DROP_TAGS or has_noise_class(el)) and not tree.removed(el)]
    chosen = set(targets)
    for el in targets:
        if any(p in chosen for p in el.iterancestors()):
            continue  # removed together with its ancestor
        if len(text_of(el, tree)) * 2 >= total:
            chosen.discard(el)  # too big to be chrome: keep it, but still look inside
            continue
        tree.drop(el)


_CAPTION_MAX = 40  #: a caption is a short line
_CENTRED = re.compile(r"text-align\s*:\s*center", re.I)


def drop_captions(tree, root) -> None:
    """Drop photo captions below root: <figcaption>, caption classes (`pic-title`), and a short
    centred line that follows an image or shares its centred block (`<p align=center><img><br>图为…`).

    Images themselves are already dropped (alt text is never body); their captions describe a
    picture the text does not carry.
    """
    dropped = tree.dropped
    stack = [root]
    while stack:
        for el in stack.pop():
            if el.tag.__class__ is not str or el in dropped:
                continue
            attrs = el.attrib
            if el.tag == "figcaption" or attrs and (CAPTION_CLASS.search(attrs.get("class") or "")
                                                    or CAPTION_CLASS.search(attrs.get("id") or "")):
                if len(text_of(el, tree, strip=True)) <= 3 * _CAPTION_MAX:  # named a caption: a longer one too
                    tree.drop(el)
                    continue
            elif el.tag in _CAPTION_BLOCKS and _centred(el) and _caption_like(text_of(el, tree, strip=True)) and (
                    _has_image(el) or _follows_image(el)):
                tree.drop(el)
                continue
            stack.append(el)


_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?]")


def _caption_like(text: str) -> bool:
    """Short, and at most two clauses (`现场会上，救援队员演示心肺复苏`): not a sentence of the text."""
    return 0 < len(text) <= _CAPTION_MAX and len(_CLAUSE_BREAK.findall(text[:-1])) <= 1


_CAPTION_BLOCKS = frozenset(("p", "div", "center", "span", "font", "td"))


def _centred(el) -> bool:
    return el.tag == "center" or (el.get("align") or "").lower() == "center" or bool(
        _CENTRED.search(el.get("style") or ""))


def _has_image(el) -> bool:
    return next(el.iter("img"), None) is not None


def _follows_image(el) -> bool:
    """The element just before el is an image, or a block holding only images."""
    prev = el.getprevious()
    while prev is not None and prev.tag.__class__ is not str:  # comments
        prev = prev.getprevious()
    if prev is None or (el.getparent() is not None and (prev.tail or "").strip()):
        return False
    return prev.tag == "img" or _has_image(prev) and not "".join(prev.itertext()).strip()


def has_noise_class(el) -> bool:
    attrs = el.attrib
    return bool(NOISE_CLASS.search(attrs.get("class") or "") or NOISE_CLASS.search(attrs.get("id") or ""))


_LINK_BLOCK_TAGS = frozenset(("div", "table", "ul", "ol", "dl", "section", "aside"))
_SENTENCE_PUNCT = re.compile(r"[，。；！？]")


def drop_link_blocks(tree, root, is_document_link=lambda href: False) -> None:
    """Drop blocks inside the article container that are mostly links (a 今日推荐 box, 相关报道,
    an ad list): readability's and trafilatura's link-density test, applied below the container.

    A block goes when more than half its text is link text, or more than a quarter with no
    sentence of its own (no ，。；！？ outside its links). Links to the document's own files
    (`is_document_link(href)`) are text, not links: an 附件 list is part of the document. A block
    holding half or more of root's text is kept (the container is not chrome of itself), and so is
    a `展开全文`/`阅读全文` link: it marks where the visible text ends (`cut_tail`).
    """
    stats = _link_stats(tree, root, is_document_link)
    total = stats[root][0]
    dropped = tree.dropped
    stack = [c for c in root if c.tag.__class__ is str and c not in dropped]
    while stack:
        el = stack.pop()
        chars, links, punct = stats[el]
        if el.tag in _LINK_BLOCK_TAGS and chars and 2 * chars < total and (
            links > 0.5 * chars or links > 0.25 * chars and not punct
        ) and not _is_cut_marker(tree, el):
            tree.drop(el)
            continue
        stack.extend(c for c in el if c.tag.__class__ is str and c not in dropped)


def _is_cut_marker(tree, el) -> bool:
    text = text_of(el, tree, " ", True)
    return len(text) <= _SHORT and bool(_PAYWALL.search(text) or _TAIL_START.search(text))


def _link_stats(tree, root, is_document_link) -> dict:
    """element -> (characters, characters inside links, has sentence punctuation outside links),
    for root and every element below it that is not dropped: one pre-order pass, then children
    before parents (no recursion: trees can be deep). Text inside <script>/<template>/<rt>… is not
    counted, as bs4 gives it its own string class."""
    dropped = tree.dropped
    order: list = []
    stack: list = [(root, False, _context(root)[0] is not None)]
    while stack:
        el, in_link, contained = stack.pop()
        in_link = in_link or el.tag == "a" and not is_document_link(el.get("href"))
        contained = contained or el.tag in CONTAINERS
        order.append((el, in_link, contained))
        stack.extend((c, in_link, contained) for c in el if c.tag.__class__ is str and c not in dropped)
    stats: dict = {}
    search = _SENTENCE_PUNCT.search
    for el, in_link, contained in reversed(order):
        chars = links = 0
        punct = False
        strings = [el.text] if el.text and not contained else []
        for child in el:
            if child.tail and not contained:
                strings.append(child.tail)
            if child.tag.__class__ is str and child not in dropped:
                c, lk, p = stats[child]
                chars, links, punct = chars + c, links + lk, punct or p
        for string in strings:
            text = string.strip()
            if text:
                chars += len(text)
                if in_link:
                    links += len(text)
                elif not punct and search(text):
                    punct = True
        stats[el] = (chars, links, punct)
    return stats




# ---------------------------------------------------------------- line level

_SHORT = 80
_BREADCRUMB = re.compile(
    r"^(?:当前位置|您现在的位置|你现在的位置|您的位置|你的位置|所在位置|当前所在位置|现在位置|位置)\s*[:：]"
    r"|^(?:网站首页|首页|主页)\s*(?:>|»|›|＞|→|/|\\)"
    r"|^(?:>|»|›|＞|→)\s*\S"
)
_META_LABEL = re.compile(
    r"(?:发布日期|发布时间|发表时间|更新时间|生成日期|浏览次数|浏览量|阅读次数|阅读量|点击数|点击量|点击率|访问量|"
    r"信息来源|文章来源|来源|作者|字体|字号|责任编辑|编辑|审核|审校|校对|责编|摄影|供稿|通讯员|格式|分类|文章出处|时间|日期)\s*[:：]"
)
_META_LEAD = re.compile(
    r"^(?:发布日期|发布时间|发表时间|更新时间|日期|时间|信息来源|文章来源|来源|作者|浏览次数|点击数|责任编辑|编辑|审核|责编"
    r"|摄影|供稿|通讯员)\s*[:：]"
)
# A date with a time or followed by `|`-separated fields is a metadata line; a bare date is kept
# (it is usually the signature date at the end of a notice).
_DATE_LEAD = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:更新|发布)?\s*(?:[|｜].*|"
    + _META_LEAD.pattern.lstrip("^") + r".*)?|\s*[|｜].*)$"
)
_WIDGET = re.compile(
    r"打印本页|打印此页|打印文章|打印本文|发表评论|我要评论|发送给朋友|推荐给朋友|关闭窗口|关闭本页|【\s*打印\s*】|【\s*关闭\s*】|[\[【]\s*字体|字[体号]\s*[:：]?\s*[\[【]?\s*大\s*中\s*小"
    r"|字体\s*[:：]\s*[\[【]\s*[\]】]|扫一扫在手机|手机扫一扫|用手机扫描|微信扫一扫|点击上方.{0,6}关注|长按.{0,8}(?:识别|关注)|分享到|收藏本页|加入收藏|返回顶部|设为首页|【\s*返回\s*】"
)
# A row of download buttons for the document's own files: `pdf下载 word下载`, `【PDF版下载】`
_DOWNLOAD_BUTTONS = re.compile(r"^(?:[【\[]?\s*(?:下载)?\s*(?:PDF|Word|WPS|DOCX?|OFD)\s*版?\s*(?:下载)?\s*[】\]]?\s*)+$", re.I)
_FOOTER = re.compile(
    r"主办单位|承办单位|主办\s*[:：]|网站标识码|ICP\s*备|ICP\s*证|公网安备|版权所有|Copyright|©|技术支持\s*[:：]"
    r"|网站地图|联系我们|建议使用.{0,20}浏览器|分辨率",
    re.I,
)
_PAGER = re.compile(r"^(?:上一页|下一页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页|\d+|<<|>>|[\s|｜/…\[\]【】])+$")
_PAGER_WORD = re.compile(r"上一页|下一页")
_PAGE_COUNT = re.compile(r"^共\s*\d+\s*页")
_COUNTER = re.compile(r"^(?:浏览|阅读|点击|访问)(?:次数|量|数)?\s*[:：]?\s*\d*\s*次?$")
_SLOGAN = re.compile(r"欢迎(?:您|你|访问|光临|来到)")
# Notes of a portal repost: （原标题：…）, （责任编辑：…）, 【来源：…网】
_REPOST_NOTE = re.compile(r"^[（(【\[]\s*(?:原标题|责任编辑|编辑|责编|来源|稿件来源)\s*[:：].*[)）】\]]$")
# A photo caption printed as a line of its own: 图为…, （图为…）, 上图：…
_CAPTION_LINE = re.compile(r"^[（(【\[]?\s*(?:图为|上图|下图|左图|右图|图片为)\s*[:：]?")
# The same notes run on at the end of the last paragraph: `……记者表示。（原标题：…）（责任编辑：…）`
_REPOST_TAIL = re.compile(
    r"(?:\s*[（(【\[]\s*(?:原标题|责任编辑|编辑|责编|来源|稿件来源)\s*[:：][^（()）【】\[\]]{1,80}[)）】\]])+\s*$"
)


def strip_repost_tail(line: str) -> str:
    """A paragraph without the repost notes appended to it (the notes alone are boilerplate lines)."""
    return _REPOST_TAIL.sub("", line) if line.endswith(("）", ")", "】", "]")) else line


_RELATED_HEAD = re.compile(r"^(?:相关(?:链接|文章|阅读|新闻|推荐|文档)|友情链接)\s*[:：]?$")


def is_boilerplate_line(line: str) -> bool:
    """True for chrome lines: breadcrumbs, metadata lines, widgets, footers, pagers, slogans."""
    n = len(line)
    if "\t" in line and _every_cell_boilerplate(line):
        return True
    if _BREADCRUMB.search(line) and n <= 150:
        return True
    if n <= 150 and len(_META_LABEL.findall(line)) >= 2:
        return True
    if n <= 60 and (_META_LEAD.search(line) or _DATE_LEAD.match(line)):
        return True
    if n <= _SHORT and (_WIDGET.search(line) or _DOWNLOAD_BUTTONS.match(line) and "下载" in line):
        return True
    if n <= 150 and _FOOTER.search(line) and not _reads_as_prose(line):
        return True
    if n <= _SHORT and ((_PAGER.match(line) and _PAGER_WORD.search(line)) or _PAGE_COUNT.match(line)):
        return True
    if n <= 150 and _REPOST_NOTE.match(line):
        return True
    if n <= 100 and _CAPTION_LINE.match(line):
        return True
    if _COUNTER.match(line) or _RELATED_HEAD.match(line):
        return True
    if n <= 40 and _SLOGAN.search(line) and re.search(r"[!！]\s*$", line):
        return True
    return False


_ENUMERATED = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[、.．](?!\d))")


def _reads_as_prose(line: str) -> bool:
    """A sentence or an item of the document that mentions 主办单位/版权所有, not a footer: an
    enumerated item (`一、主办单位：…`), or three sentence marks over 60 characters."""
    return bool(_ENUMERATED.match(line)) or len(line) > 60 and len(_SENTENCE_PUNCT.findall(line)) >= 3


def _every_cell_boilerplate(row: str) -> bool:
    """A table row (cells tab-separated) of chrome cells: `2024-06-12 09:30 来源：… | 发表评论`."""
    cells = [c for c in row.split("\t") if c.strip()]
    return len(cells) > 1 and all(is_boilerplate_line(c) for c in cells)


# Content-farm watermark: "文章来源<site>网" / "本文来自<site>", often broken over 2-3 lines.
_WATERMARK = re.compile(r"^(?:文章|本文|内容)?来(?:源|自)(?:于|自)?[^\s，。；]{0,16}(?:网|站|\.com|\.cn)")


def drop_watermarks(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        span = _watermark_span(lines, i)
        if span:
            i += span
        else:
            out.append(lines[i])
            i += 1
    return out


def _watermark_span(lines: list[str], i: int) -> int:
    """Number of lines from i that together form a watermark sentence (0 if none)."""
    for span in (1, 2, 3):
        chunk = lines[i : i + span]
        if len(chunk) < span or any(len(x) > 16 for x in chunk):
            return 0
        joined = "".join(chunk)
        if len(joined) <= 30 and _WATERMARK.match(joined):
            return span
    return 0


# ---------------------------------------------------------------- body-level passes

# Tail of document-sharing / content-farm pages: everything from here on is not the document.
_TAIL_START = re.compile(
    r"^(?:TAGS?|TAG标签|标签|关键词|关键字)\s*[:：]|^(?:相关推荐|猜你喜欢|热门文章|热门推荐|推荐阅读|上一篇|下一篇)",
    re.I,
)
_PAYWALL = re.compile(
    r"折扣价|原价\s*[:：]?\s*[\d.]+|VIP\s*免费下载|下载文档|扫码下载|立即下载|付费下载|如遇卡顿|本文档由网友提供"
    r"|客服请联系|在线客服|剩余\s*\d+\s*(?:页|字)|阅读全文|展开全文|继续阅读|查看全文|余下全文|下载全文|未完[，,]",
    re.I,
)


def cut_tail(lines: list[str]) -> tuple[list[str], bool]:
    """Cut at the first tail/paywall line after some body text; True when it was a paywall."""
    for i, line in enumerate(lines):
        if i == 0 or len(line) > _SHORT:
            continue
        if _PAYWALL.search(line):
            return lines[:i], True
        if _TAIL_START.search(line):
            return lines[:i], False
    return lines, False


_SUMMARY = re.compile(r"^(?:内容)?摘要\s*[:：]\s*(.*)$")
_DECLARED_LENGTH = re.compile(r"全文共\s*[:：]?\s*(\d+)\s*字")
_ELLIPSIS_TAIL = re.compile(r"\s*(?:\.{3,}|…+|。。。).*$")


def drop_summary(lines: list[str]) -> tuple[list[str], int | None]:
    """Drop a `摘要:` line that repeats the opening; return the `全文共N字` length it declares."""
    declared = None
    out = []
    for i, line in enumerate(lines):
        m = _SUMMARY.match(line)
        if m:
            n = _DECLARED_LENGTH.search(line)
            if n:
                declared = int(n.group(1))
            if n or _repeats_opening(m.group(1), "".join(lines[:i] + lines[i + 1 :])):
                continue
        out.append(line)
    return out, declared


def _repeats_opening(summary: str, text: str) -> bool:
    summary = _ELLIPSIS_TAIL.sub("", summary)
    chunks = [c for c in re.split(r"\s{2,}|\t", summary) if len(c) >= 12]
    return any(c[-20:] in text for c in chunks)


def drop_repeated_body(lines: list[str]) -> list[str]:
    """If the page prints the whole body twice (CMS template + pasted copy), keep the first copy."""
    long_idx = [i for i, line in enumerate(lines) if len(line) >= 20]
    if len(long_idx) < 2:
        return lines
    first = long_idx[0]
    for j in long_idx[1:]:
        if lines[j] != lines[first]:
            continue
        size = j - first
        copy = lines[j : j + size]
        same = sum(a == b for a, b in zip(copy, lines[first:j]))
        if size and same >= 0.9 * size:
            back = 0  # headings printed just before the second copy, as before the first
            while back < first and lines[j - 1 - back] == lines[first - 1 - back]:
                back += 1
            return lines[: j - back] + lines[j + size :]
    return lines


def drop_repeated_blocks(lines: list[str], min_lines: int = 2, min_chars: int = 30) -> list[str]:
    """A block printed again further down (a table's hidden, print or mobile copy) is kept once.

    A run of at least `min_lines` lines and `min_chars` characters that repeats an earlier run
    exactly is dropped; a single repeated line is not (a refrain, a repeated table cell value).
    """
    first: dict[str, int] = {}
    out: list[str] = []
    j = 0
    while j < len(lines):
        i = first.get(lines[j])
        if i is not None:
            n = 0
            while j + n < len(lines) and i + n < j and lines[i + n] == lines[j + n]:
                n += 1
            if n >= min_lines and sum(len(x) for x in lines[j : j + n]) >= min_chars:
                j += n
                continue
        first.setdefault(lines[j], j)
        out.append(lines[j])
        j += 1
    return out


def drop_adjacent_duplicates(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not out or out[-1] != line:
            out.append(line)
    return out


def paywall_follows(page_lines: list[str], body_lines: list[str], window: int = 8) -> bool:
    """A price/VIP/download block right after the body text (outside the body container)."""
    if not body_lines:
        return False
    last = body_lines[-1]
    positions = [i for i, line in enumerate(page_lines) if line == last]
    if not positions:
        return False
    after = page_lines[positions[-1] + 1 : positions[-1] + 1 + window]
    return any(len(line) <= _SHORT and _PAYWALL.search(line) for line in after)
