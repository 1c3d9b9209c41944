"""Text normalisation: script detection and t2s, whitespace, pinyin glosses, ISO dates."""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

import opencc

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Pinyin gloss after a character, as on machine-annotated mirrors: 金壇區(qū), 發(fā)布.
# A tone mark is required so ordinary "(a)" list markers survive.
_PINYIN_GLOSS = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ][a-zü]*\s*[)）]"
)
_TONE_MARK = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]")
_SPACES = re.compile(r"[^\S\t\n]+")  # any whitespace except tab/newline (incl. U+3000, nbsp)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # Cached, read-only after construction: building the converter costs ~10 ms.
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def detect_script(text: str) -> str:
    """'hant' when a noticeable share of the Han characters change under t2s, else 'hans'."""
    han = _HAN.findall(text)
    if not han:
        return "hans"
    sample = "".join(han[:20000])
    simplified = to_simplified(sample)
    if simplified == sample:
        return "hans"
    changed = sum(a != b for a, b in zip(sample, simplified))
    return "hant" if changed >= max(2, 0.03 * len(sample)) else "hans"


def strip_pinyin_glosses(text: str) -> str:
    # a scan for a tone mark first: the lookbehind pattern over a whole page costs more
    return _PINYIN_GLOSS.sub("", text) if _TONE_MARK.search(text) else text


def clean_line(line: str) -> str:
    """Collapse runs of spaces (full-width indentation included) and trim each tab-separated cell."""
    cells = [_SPACES.sub(" ", c).strip() for c in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    while cells and not cells[0]:
        cells.pop(0)
    return "\t".join(cells)


def clean_inline(text: str) -> str:
    """One-line value (title, source): all whitespace collapsed."""
    return " ".join(text.split())  # str.split and re's \s share one whitespace table; this is in C


def iso_date(text: str | None) -> str | None:
    """First valid date in text as YYYY-MM-DD, else None."""
    if not text:
        return None
    for m in _DATE.finditer(text):
        try:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def han_count(text: str) -> int:
    return len(_HAN.findall(text))
