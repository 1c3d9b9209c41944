"""Metadata of an article page: meta tags, labelled fields (发布日期, 发文字号, 索引号 …), the title."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, SoupStrainer

from parsers.extract import Index, element_index, select
from parsers.normalise import clean_inline, iso_date
from parsers.selectors import TITLE_SELECTORS
from parsers.tree import Tree, text_of


# ---------------------------------------------------------------- meta tags and <title> (BeautifulSoup)

# Where markup opens that holds metadata tags or hides them: scripts, styles, comments and an XML
# declaration are skipped to their end; <meta …> and <title>…</title> are taken whole.
_OPENING = re.compile(r"<(script|style|meta|title)\b|<!--|<\?xml", re.I)
_END_OF = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}
_END_OF_COMMENT, _END_OF_DECLARATION = re.compile("-->"), re.compile(">")
# A quote opens a value only after `=` (as HTML's tokenizer reads it: `href=""{"` leaves an
# attribute named `{"`), and a quoted `>` ends no tag; each character has one reading, so a
# match costs one scan.
_TAG = {
    "meta": re.compile(r"""<meta\b(?:[^>=]|=\s*"[^"]*"|=\s*'[^']*'|=(?!\s*["']))*>""", re.I),
    "title": re.compile(r"<title\b[^>]*>.*?</title\s*>", re.I | re.S),
}
_METADATA_TAGS = SoupStrainer(["meta", "title"])


def metadata_tags(html: str) -> BeautifulSoup:
    """The page's <meta> and <title> tags as BeautifulSoup: the metadata stage reads them from it.

    The tags are cut from the markup in one pass (outside scripts, styles and comments, wherever
    they are: a CMS may print meta tags in the body) and go to bs4 alone, which reads their
    attributes, entities and text. bs4's tree building is most of a parse when it is given the
    whole page; given these few tags it is a few per cent of one. Everything else is read from
    lxml's tree (`parsers.tree`). A script, comment or tag that never closes runs to the end of
    the page, as in libxml2's reading: nothing after it is a tag (and each character is scanned
    once).
    """
    tags: list[str] = []
    pos = 0
    while (m := _OPENING.search(html, pos)) is not None:
        name = (m.group(1) or "").lower()
        if name in _TAG:
            tag = _TAG[name].match(html, m.start())
            if tag is None:
                break
            tags.append(tag.group(0))
            pos = tag.end()
        else:
            end = (_END_OF.get(name) or (_END_OF_COMMENT if m.group(0) == "<!--" else _END_OF_DECLARATION)
                   ).search(html, m.end())
            if end is None:
                break
            pos = end.end()
    return BeautifulSoup("".join(tags), "lxml", parse_only=_METADATA_TAGS)


def meta_fields(head: BeautifulSoup, convert=None) -> dict[str, str]:
    """<meta name|property=... content=...> as a lower-cased name -> content map (first wins).

    `convert`: applied to each content (t2s on a traditional-script page)."""
    out: dict[str, str] = {}
    for m in head.find_all("meta"):
        name = m.get("name") or m.get("property") or m.get("itemprop")
        content = m.get("content")
        if isinstance(name, list):  # bs4 splits a few multi-valued attributes; these are not among them
            name = " ".join(name)
        if name and content and content.strip():
            out.setdefault(name.strip().lower(), clean_inline(convert(content) if convert else content))
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
    rf"(?:^|(?<=[\s\t|｜\]】\d]))(?P<label>{_LABELS})[^\S\t]*(?:[:：][^\S\t]*\t?|\t)[^\S\t]*"
    rf"(?P<value>[^\t\n]*?)\s*(?=\t|\s{{2,}}|\s*[|｜]|(?:{_LABELS})\s*[:：]|$)"
)


_LABEL_ONLY = re.compile(rf"(?:{_LABELS})\s*[:：]?")


def labelled_fields(lines: list[str]) -> dict[str, str]:
    """Label -> value from disclosure tables and metadata lines (first occurrence wins)."""
    out: dict[str, str] = {}
    for line in lines:
        if len(line) > 300:
            continue  # prose, not a metadata line
        for m in _FIELD.finditer(line):
            # an opening bracket ends no value: it begins the next widget (来源：X 【字体：大 中 小】)
            value = m.group("value").strip(" :：").rstrip(" 【[［(（")
            if value and _LABEL_ONLY.fullmatch(value) is None:  # an empty cell yields no neighbour's label
                out.setdefault(re.sub(r"\s", "", m.group("label")), value)
    return out


_DATETIME = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}(?:日\s*|\s+)\d{1,2}:\d{2}")


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


# URL dates: /2024/3/15/, 2024-03-15, t20240315_ (TRS), /20240315/ — eight digits need a boundary
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)\d{2})[-/_](\d{1,2})[-/_](\d{1,2})(?![0-9])"
    r"|(?<![0-9])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![0-9])"
)


def date_in_url(url: str) -> str | None:
    path = url.split("?", 1)[0]
    for m in _URL_DATE.finditer(path):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        found = iso_date(f"{y}-{mo}-{d}")
        if found:
            return found
    return None


_SHORT_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def date_near_title(lines: list[str], title: str, after: int = 8) -> str | None:
    """A date on a short line just below the page's title line (a byline: `2003-7-24 钱江晚报`)."""
    if not title:
        return None
    start = next((i for i, line in enumerate(lines) if title in line or line in title and len(line) >= 4), None)
    if start is None:
        return None
    for line in lines[start + 1 : start + 1 + after]:
        if len(line) <= 60 and _SHORT_DATE_LINE.search(line) and not re.search(r"[。，！？]", line):  # not prose
            d = iso_date(line)
            if d:
                return d
    return None


_NOT_A_SOURCE = re.compile(
    r"(?:未知|不详|佚名|匿名|网络\S*|互联网|网上|网友\S*|本站\S*|本网\S*|转载\S*|原创|综合\S*|其他|其它|无|暂无"
    r"|(?:系统)?管理员|admin(?:istrator)?)",
    re.I,
)
# UI text a source cell runs into: `市教育局【打印】【关闭】`, `市教育局 分享到`
_UI_TAIL = re.compile(r"\s*[【\[]?\s*(?:打印|关闭|字号|字体|分享|收藏|大\s*中\s*小|扫一扫).*$")


def plausible_source(value: str | None) -> str | None:
    """A source looks like an agency or outlet name: not a sentence, a URL, or `未知`/`本站`/`网络`."""
    if not value:
        return None
    value = _UI_TAIL.sub("", value).strip()
    if not value or len(value) > 40 or "http" in value.lower() or _NOT_A_SOURCE.fullmatch(value) \
            or _LABEL_ONLY.fullmatch(value):
        return None
    return value


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# 发文字号: agency code, year in brackets (〔〕 [] ［］ () （） 【】 ﹝﹞), (第)number, 号: 温龙教〔2024〕12号,
# 国办发[2024]5号; or the 公告 form, year 年第 number 号: 国家税务总局公告2024年第3号
_DOC_NUMBER_BODY = (
    r"\s*(?:[〔\[［(（【﹝]\s*(?:19|20)\d{2}\s*[〕\]］)）】﹞]\s*第?\s*\d{1,5}\s*号"
    r"|(?:19|20)\d{2}\s*年\s*第\s*\d{1,5}\s*号)"
)
_DOC_NUMBER_SHAPE = re.compile(r"[\u4e00-\u9fffA-Za-z]{1,20}" + _DOC_NUMBER_BODY)


def doc_number_of(value: str | None) -> str | None:
    """The 发文字号 in a labelled value, or None when the value has no such shape (`发布日期`, `无`)."""
    m = _DOC_NUMBER_SHAPE.search((value or "").translate(_FULLWIDTH_DIGITS))
    return clean_inline(m.group(0)) if m else None


# 索引号: a code of letters and digits with / - . separators: 11330303002580426J/2024-00071
_INDEX_NO_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z][0-9A-Za-z./\-_]{5,60}(?![0-9A-Za-z])")
_DATE_SHAPE = re.compile(r"(?:19|20)\d{2}(?:[-/.]\d{1,2}[-/.]\d{1,2}|\d{4})")


def index_no_of(value: str | None) -> str | None:
    """The 索引号: a code with at least six digits; a date (the neighbouring cell's) is not one."""
    for m in _INDEX_NO_SHAPE.finditer((value or "").translate(_FULLWIDTH_DIGITS)):
        code = m.group(0)
        if sum(ch.isdigit() for ch in code) >= 6 and not _DATE_SHAPE.fullmatch(code):
            return code
    return None


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}" + _DOC_NUMBER_BODY)


def doc_number_in(lines: list[str]) -> str | None:
    """A standalone 发文字号 line near the top of the body, e.g. `温龙教〔2024〕12号`."""
    for line in lines[:6]:
        m = _DOC_NUMBER.search(line.translate(_FULLWIDTH_DIGITS))
        if m and len(line) <= len(m.group(0)) + 6:
            return clean_inline(m.group(0))
    return None


# ---------------------------------------------------------------- title

_PAGE_MARK = re.compile(
    r"\s*[(（\[【]?\s*第\s*\d+\s*(?:/\s*\d+\s*)?页\s*[)）\]】]?\s*$"  # (第2/13页)
    r"|\s*[-－—_]\s*(?:精选|通用|优秀|热门|共)?\s*\d{1,3}\s*篇\s*$"  # 学校工作计划-7篇
    r"|\s*[(（【\[]\s*(?:精选|通用|优秀|热门|共)?\s*\d{1,3}\s*篇\s*[)）】\]]\s*$"  # （精选5篇）
    r"|(?<=范文)\s*\d{1,3}\s*篇\s*$"  # 工作计划范文7篇
)
_LEAD_LABEL = re.compile(r"^(?:【[^】]{1,8}】|\[[^\]]{1,8}\])\s*")
_TITLE_SPLIT = re.compile(r"\s+[-–—|_]\s+|\s*[|｜_]\s*|\s*--\s*|\s+-\s*|\s*-\s+")


# A trailing ` - 某某区人民政府门户网站`, `_教育频道`, `|SOHU.COM`, `_某某县教育局`: a site, section or agency
# name, not the title (an agency only after `_ | - --`: `——记市公安局` is a subtitle).
_SITE_SUFFIX = re.compile(
    r"\s*(?:\s-\s|_|\||｜|--|——)\s*(?:[^-_|｜]*(?:网|网站|门户|政府|频道|首页|官网|平台|在线|博客|论坛|社区|栏目)"
    r"|[A-Za-z0-9.\s-]+)\s*$"
    r"|\s*(?:\s-\s|_|\||｜|--)\s*[^-_|｜—]*(?:局|厅|委员会|办公室)\s*$"
)


def clean_title(text: str) -> str:
    text = clean_inline(text)
    text = _LEAD_LABEL.sub("", text)
    text = _PAGE_MARK.sub("", text).strip()
    for _ in range(3):  # 标题_教育频道_某某新闻网: each trailing site or section part
        cut = _SITE_SUFFIX.sub("", text)
        if cut == text or len(_HAN.findall(cut)) < 4:
            break
        text = cut
    return _PAGE_MARK.sub("", text).strip()


def title_from_tag(head: BeautifulSoup, convert=None) -> str:
    """<title> with the site-name part removed: the ` - `/`_`/`|` segment with most Han characters."""
    tag = head.title
    if tag is None:
        return ""
    text = clean_inline(tag.get_text())
    text = convert(text) if convert else text
    parts = [p for p in _TITLE_SPLIT.split(text) if p.strip()]
    return clean_title(max(parts, key=lambda p: (len(_HAN.findall(p)), len(p)))) if parts else ""


_HAN = re.compile(r"[\u3400-\u9fff]")
# A heading that also carries the metadata line (`标题<br><span>时间：… 来源：…</span>`).
_HEADING_META = re.compile(r"\s*(?:发布|更新)?(?:时间|日期|来源|作者)\s*[:：].*$")


def title_candidates(tree: Tree, index: Index | None = None) -> list[str]:
    index = index if index is not None else element_index(tree)
    out = []
    for selector in TITLE_SELECTORS:
        for el in select(tree, index, selector):
            text = clean_title(_HEADING_META.sub("", text_of(el, tree, " ", True)))
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


