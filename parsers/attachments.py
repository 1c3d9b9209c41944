"""Attachments: link list from the page, text from the bytes when the format is supported."""

from __future__ import annotations

import io
import mimetypes
import unicodedata
from collections.abc import Sequence

from parsers import office
from parsers.model import AttachmentFile, ParsedAttachment
from parsers.office import OLE_MAGIC, office_zip_kind, ole_kind
from parsers.normalise import clean_line, strip_pinyin_glosses, to_simplified


_EXTRA_TYPES = {
    ".wps": "application/vnd.ms-works",
    ".et": "application/vnd.ms-excel",
    ".ofd": "application/ofd",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar",
}


def build_attachments(
    links: list[tuple[str, str]], files: Sequence[AttachmentFile]
) -> tuple[ParsedAttachment, ...]:
    """One ParsedAttachment per linked file, plus any given file the page does not link."""
    by_url = {f.url: f for f in files}
    out = []
    for url, name in links:
        out.append(_attachment(url, name, by_url.pop(url, None)))
    for f in by_url.values():
        out.append(_attachment(f.url, f.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1], f))
    return tuple(out)


def _attachment(url: str, name: str, file: AttachmentFile | None) -> ParsedAttachment:
    content_type = _content_type(url, file)
    text = extract_text(file.body, content_type) if file is not None else None
    return ParsedAttachment(url=url, name=name, content_type=content_type, text=text)


def _content_type(url: str, file: AttachmentFile | None) -> str | None:
    if file is not None and file.content_type:
        return file.content_type.split(";", 1)[0].strip().lower() or None
    if file is not None and file.body.startswith(b"%PDF"):
        return "application/pdf"
    path = url.split("?", 1)[0].lower()
    ext = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type("x" + ext)[0]


def extract_text(body: bytes, content_type: str | None = None) -> str | None:
    """Text of an attachment, simplified, one paragraph (or table row, tab-separated) per line.

    The format is recognised from the bytes (PDF, DOCX, XLSX, OFD, XLS, DOC/WPS), not from the
    declared type, which sites often get wrong. None when the format is unsupported or the file is
    damaged, encrypted or scanned (no OCR).
    """
    kind = sniff(body, content_type)
    if kind is None:
        return None
    raw = _EXTRACTORS[kind](body)
    if raw is None:
        return None
    lines = [clean_line(x) for x in to_simplified(strip_pinyin_glosses(raw)).splitlines()]
    lines = [x for x in lines if x]
    if kind == "pdf":
        lines = unwrap_lines(lines)
    return "\n".join(lines) or None


def sniff(body: bytes, content_type: str | None = None) -> str | None:
    """pdf | docx | xlsx | ofd | xls | doc from the file's magic bytes (and its inner layout)."""
    if body.startswith(b"%PDF") or (body[:1024].find(b"%PDF-") >= 0):
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        return office_zip_kind(body)
    if body.startswith(OLE_MAGIC):
        return ole_kind(body)
    return None


_PARA_END = ("。", "；", "：", "！", "？", ".", ";", ":", "!", "?", "”", "）", ")")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def unwrap_lines(lines: list[str]) -> list[str]:
    """Re-join paragraphs that the PDF layout wrapped: a full-width line not ending a sentence."""
    if len(lines) < 3:
        return lines
    full = max(_width(x) for x in lines)
    out: list[str] = []
    joining = False
    for line in lines:
        if joining:
            out[-1] += line
        else:
            out.append(line)
        joining = _width(line) >= full - 4 and not line.endswith(_PARA_END) and "\t" not in line
    return out


def pdf_text(body: bytes) -> str | None:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception:  # pypdf raises many exception types on damaged files; text is optional
        return None


_EXTRACTORS = {
    "pdf": pdf_text,
    "docx": office.docx_text,
    "xlsx": office.xlsx_text,
    "ofd": office.ofd_text,
    "xls": office.xls_text,
    "doc": office.doc_text,
}
