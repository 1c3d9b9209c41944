"""How to cite an archived document (pure): GB/T 7714-2015, CSL-JSON, RIS and BibTeX.

GB/T 7714-2015 for an online document: `发布机构. 标题: 文号[EB/OL]. (发布日期)[引用日期]. URL.`
(the 文号 is "other title information", after a colon; without one, `标题[EB/OL]`). The author
is the issuing agency: for a repost, the agency of its cluster's official copy (`attribution`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

CITATION_FORMATS = ("gbt7714", "csl-json", "ris", "bibtex")
MEDIA_TYPES = {
    "gbt7714": "text/plain; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
}


def issuer(doc: dict[str, Any]) -> str:
    """Who published it: the attributed (official) agency, else its own agency, source or site."""
    attributed = doc.get("attribution") or {}
    return attributed.get("agency") or doc.get("agency") or doc.get("source") or doc.get("site") or ""


def doc_number(doc: dict[str, Any]) -> str | None:
    return (doc.get("attribution") or {}).get("doc_number") or doc.get("doc_number")


def gbt7714(doc: dict[str, Any], accessed: date) -> str:
    """The GB/T 7714-2015 reference of an online document ([EB/OL])."""
    title = (doc.get("title") or "").strip() or "无题"
    number = doc_number(doc)
    titled = f"{title}: {number}" if number else title
    published = f"({doc['publish_date']})" if doc.get("publish_date") else ""
    author = issuer(doc)
    head = f"{author}. " if author else ""
    url = f" {doc['url']}." if doc.get("url") else ""
    return f"{head}{titled}[EB/OL]. {published}[{accessed.isoformat()}].{url}"


def _date_parts(iso: str | None) -> dict[str, Any] | None:
    if not iso:
        return None
    return {"date-parts": [[int(part) for part in iso[:10].split("-")]]}


def csl_json(doc: dict[str, Any], accessed: date) -> dict[str, Any]:
    """One CSL-JSON item (an array of these is what Zotero, pandoc and citeproc read)."""
    item: dict[str, Any] = {
        "id": doc.get("id"),
        "type": "webpage",
        "title": doc.get("title"),
        "author": [{"literal": issuer(doc)}] if issuer(doc) else [],
        "publisher": issuer(doc) or None,
        "number": doc_number(doc),
        "genre": doc.get("doc_type") if doc.get("doc_type") not in (None, "other") else None,
        "issued": _date_parts(doc.get("publish_date")),
        "accessed": _date_parts(accessed.isoformat()),
        "URL": doc.get("url"),
        "language": "zh-CN",
        "container-title": doc.get("site"),
    }
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def ris(doc: dict[str, Any], accessed: date) -> str:
    """An RIS record (TY ELEC … ER), CRLF line ends as the format wants."""
    lines = [("TY", "ELEC"), ("TI", doc.get("title")), ("AU", issuer(doc)), ("PB", issuer(doc)),
             ("M1", doc_number(doc)), ("DA", (doc.get("publish_date") or "").replace("-", "/") or None),
             ("PY", (doc.get("publish_date") or "")[:4] or None), ("Y2", accessed.strftime("%Y/%m/%d")),
             ("UR", doc.get("url")), ("LA", "zh-CN"), ("ID", doc.get("id"))]
    body = "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value)
    return body + "ER  - \r\n"


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bib(value: Any) -> str:
    text = str(value)
    return _BIBTEX_SPECIAL.sub(lambda m: "\\textbackslash{}" if m.group(1) == "\\" else "\\" + m.group(1), text)


def bibtex(doc: dict[str, Any], accessed: date) -> str:
    """A biblatex-friendly @online entry (author in double braces: an institution, not a person)."""
    fields = [("author", f"{{{_bib(issuer(doc))}}}" if issuer(doc) else None), ("title", doc.get("title")),
              ("number", doc_number(doc)), ("date", doc.get("publish_date")),
              ("year", (doc.get("publish_date") or "")[:4] or None), ("url", doc.get("url")),
              ("urldate", accessed.isoformat()), ("langid", "chinese")]
    rendered = []
    for name, value in fields:
        if not value:
            continue
        text = value if name in ("author", "url") else _bib(value)
        rendered.append(f"  {name} = {{{text}}}")
    return f"@online{{govpub-{doc.get('id')},\n" + ",\n".join(rendered) + "\n}\n"


def citation(doc: dict[str, Any], fmt: str, accessed: date) -> str | dict[str, Any]:
    """`doc` cited in `fmt` (one of CITATION_FORMATS); CSL-JSON as a dict."""
    if fmt == "gbt7714":
        return gbt7714(doc, accessed)
    if fmt == "csl-json":
        return csl_json(doc, accessed)
    if fmt == "ris":
        return ris(doc, accessed)
    if fmt == "bibtex":
        return bibtex(doc, accessed)
    raise ValueError(f"citation format must be one of {', '.join(CITATION_FORMATS)}, got {fmt!r}")


def all_citations(doc: dict[str, Any], accessed: date) -> dict[str, Any]:
    return {fmt: citation(doc, fmt, accessed) for fmt in CITATION_FORMATS}
