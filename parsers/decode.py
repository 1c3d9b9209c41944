"""Bytes -> str. Chinese sites often declare the wrong charset, so every declaration is verified."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.I
)
# GB2312 and GBK are subsets of GB18030; pages labelled with them routinely use GBK-only characters.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "gb18030", "gb_2312-80": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "unicode": "utf-16", "utf8": "utf-8",
}
# Characters we never want in text handed to the HTML parser (NUL, C0 controls except \t\n\r,
# and the private-use code points the extractor uses as line/cell markers).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")


def normalise_charset(name: str | None) -> str | None:
    """Python codec name for a declared charset, or None when unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets the HTTP header and the <meta> tags claim, header first."""
    found = []
    if content_type:
        m = _HTTP_CHARSET.search(content_type)
        if m:
            found.append(m.group(1))
    found += [(m.group(1) or m.group(2)).decode("ascii", "ignore") for m in _META_CHARSET.finditer(body[:8192])]
    out: list[str] = []
    for name in found:
        codec = normalise_charset(name)
        if codec and codec not in out:
            out.append(codec)
    return out


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode page bytes: BOM, then valid UTF-8, then the declared charsets, then GB18030.

    Valid multi-byte UTF-8 is tried before a declared legacy charset because GB18030 can decode
    almost any byte string without error, while GBK text is practically never valid UTF-8.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return _clean(body[len(bom):].decode(codec, "replace"))
    declared = declared_charsets(body, content_type)
    latin = [c for c in declared if c in _LATIN]  # often a CMS default on pages that are really GBK
    for codec in dict.fromkeys(["utf-8", *(c for c in declared if c not in _LATIN)]):
        try:
            return _clean(body.decode(codec))
        except (UnicodeDecodeError, LookupError):
            continue
    # Undeclared (or wrongly declared) legacy bytes: GB18030 decodes Big5 bytes without error
    # into nonsense, so decode both ways and keep the text made of common Chinese characters.
    decoded = []
    for codec in ("gb18030", "big5hkscs"):
        try:
            decoded.append(body.decode(codec))
        except UnicodeDecodeError:
            continue
    best = max(decoded, key=_commonness) if decoded else None
    if best is not None and (not latin or _commonness(best) > 0):
        return _clean(best)
    for codec in latin:
        try:
            return _clean(body.decode(codec))
        except UnicodeDecodeError:
            continue
    return _clean(best if best is not None else body.decode("gb18030", "replace"))


# The most frequent characters of Chinese prose (simplified and traditional forms).
_COMMON = frozenset(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么"
    "心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分"
    "将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重"
    "被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住"
    "员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制"
    "解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非"
    "流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量"
    "空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委"
    "早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切府乎举育级团局县省镇村"
    "們為來個說國時過對後麼會著於還發當經開頭從動兩長現樣將實點種聲話問機給幾業間們電門東關並內產軍萬體別處總場"
    "師書員華報馬張難數車應亂條變聯權傳遠資隊帶連領達辦運強劃轉區學進與區縣鎮級團會議觀爭組視濟舉讓認論義術結"
)


_LATIN = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"})


def _commonness(text: str) -> int:
    return sum(ch in _COMMON for ch in text[:20000])


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)
