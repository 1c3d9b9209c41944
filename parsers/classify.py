"""Document type from the title, and anonymised-template detection."""

from __future__ import annotations

import re

# keyword -> label; the keyword that ends latest in the title wins (Chinese titles end with the
# genre: 关于印发《…工作要点》的通知 is a 通知), ties go to the longer keyword.
_DOC_TYPES = {
    "工作要点": "工作要点", "要点": "工作要点",
    "工作总结": "工作总结", "总结": "工作总结",
    "工作计划": "工作计划", "行动计划": "工作计划", "计划": "工作计划",
    "实施方案": "实施方案", "工作方案": "方案", "方案": "方案",
    "实施意见": "意见", "指导意见": "意见", "意见": "意见",
    "通知": "通知", "通报": "通报", "公告": "公告", "公示": "公示", "通告": "通告",
    "报告": "报告", "规划": "规划", "办法": "办法", "细则": "办法", "规定": "规定",
    "决定": "决定", "批复": "批复", "函": "函", "纪要": "纪要", "讲话": "讲话",
}
_TRAILING_PAREN = re.compile(r"\s*[(（【\[][^()（）【】\[\]]*[)）】\]]\s*$")


def doc_type_of(title: str) -> str:
    core = title
    while _TRAILING_PAREN.search(core):  # drop （征求意见稿）, （2024年） ...
        core = _TRAILING_PAREN.sub("", core)
    best: tuple[int, int, str] | None = None
    for keyword, label in _DOC_TYPES.items():
        end = core.rfind(keyword)
        if end < 0:
            continue
        key = (end + len(keyword), len(keyword), label)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else "other"


_PLACEHOLDER = re.compile(
    r"(?<![A-Za-z])[xX×ＸｘΧ]{2,}(?![A-Za-z])"  # XX, xxxx
    r"|(?<![A-Za-z])[xXＸ]+(?=[年月日市县区省镇乡街])"  # X市, x年
    r"|(?:19|20)[*＊]{2}|[*＊]{2,}(?=[年月日市县区])"  # 20**年
    r"|某[省市县区](?=[\u4e00-\u9fff])"  # 某市教育局
)


def has_placeholders(text: str) -> bool:
    return _PLACEHOLDER.search(text) is not None


_NOT_CORE = re.compile(r"[xX×Ｘ*＊\d某\s\W_]")


def placeholder_key(text: str) -> str:
    """Text with digits/placeholders/punctuation removed: `某市…2019年` == `xx市…xxxx年`."""
    return _NOT_CORE.sub("", text)


# 2024年工作要点, 2023学年, 2024—2025学年 (the first year), 二〇二四年 is left alone (rare in titles).
_SUBJECT_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[—–\-~至]\s*(?:19|20)?\d{2,4}\s*)?(?:年|学年|年度)")


def subject_year(title: str) -> int | None:
    """The year a document is about, when its title states one (never guessed from dates)."""
    match = _SUBJECT_YEAR.search(title)
    return int(match.group(1)) if match else None
