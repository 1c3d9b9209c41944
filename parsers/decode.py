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
    candidates = ["utf-8", *declared_charsets(body, content_type), "gb18030"]
    for codec in dict.fromkeys(candidates):
        try:
            return _clean(body.decode(codec))
        except (UnicodeDecodeError, LookupError):
            continue
    return _clean(body.decode("gb18030", "replace"))


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)
