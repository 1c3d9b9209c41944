"""Text of office attachments: DOCX, XLSX, OFD (zip + XML), XLS (xlrd), DOC/WPS (OLE + Word piece table).

Every function takes the raw bytes and returns plain text (one paragraph or table row per line,
table cells tab-separated) or None when the file is damaged, encrypted or not what it claims.
Pure functions: no files written, no network. Archive members are size-limited (zip bombs).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from xml.etree import ElementTree as ET

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MEMBER = 64 * 1024 * 1024  #: largest uncompressed zip member read
MAX_TEXT = 5_000_000  #: characters kept from one attachment


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _open_zip(body: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _read(z: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MEMBER:
        return None
    return z.read(info)


def _xml(z: zipfile.ZipFile, name: str) -> ET.Element | None:
    data = _read(z, name)
    if data is None or b"<!ENTITY" in data[:4096]:
        return None  # no entity expansion (billion laughs); office XML never declares entities
    return ET.fromstring(data)


def office_zip_kind(body: bytes) -> str | None:
    z = _open_zip(body)
    if z is None:
        return None
    names = set(z.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return None


def _guard(fn):
    def wrapper(body: bytes) -> str | None:
        try:
            text = fn(body)
        except Exception:  # damaged files raise anything from zipfile/XML/struct; text is optional
            return None
        return text[:MAX_TEXT] if text else None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# ---------------------------------------------------------------- DOCX


def _docx_paragraph(p: ET.Element) -> str:
    parts = []
    for el in p.iter():
        name = _local(el.tag)
        if name == "t" and el.text:
            parts.append(el.text)
        elif name == "tab":
            parts.append(" ")
        elif name in ("br", "cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_block(el: ET.Element, out: list[str]) -> None:
    name = _local(el.tag)
    if name == "p":
        out.append(_docx_paragraph(el))
    elif name == "tbl":
        for tr in el:
            if _local(tr.tag) != "tr":
                continue
            cells = []
            for tc in tr:
                if _local(tc.tag) == "tc":
                    cells.append(" ".join(_docx_paragraph(p) for p in tc.iter() if _local(p.tag) == "p").strip())
            out.append("\t".join(c.replace("\n", " ") for c in cells))
    elif name in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
        for child in el:
            _docx_block(child, out)


@_guard
def docx_text(body: bytes) -> str | None:
    """Paragraphs and table rows of word/document.xml, in document order."""
    z = _open_zip(body)
    root = _xml(z, "word/document.xml") if z else None
    if root is None:
        return None
    out: list[str] = []
    for body_el in root:
        if _local(body_el.tag) == "body":
            for el in body_el:
                _docx_block(el, out)
    return "\n".join(out)


# ---------------------------------------------------------------- XLSX


def _col_index(ref: str) -> int | None:
    m = re.match(r"([A-Z]+)", ref or "")
    if not m:
        return None
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _rows_text(rows: list[list[str]]) -> list[str]:
    return ["\t".join(r).rstrip("\t") for r in rows if any(c.strip() for c in r)]


@_guard
def xlsx_text(body: bytes) -> str | None:
    """Every sheet in workbook order, one row per line, cells tab-separated (shared strings resolved)."""
    z = _open_zip(body)
    if z is None:
        return None
    shared: list[str] = []
    sst = _xml(z, "xl/sharedStrings.xml")
    if sst is not None:
        for si in sst:
            shared.append("".join(t.text or "" for t in si.iter() if _local(t.tag) == "t"))
    wb = _xml(z, "xl/workbook.xml")
    rels = _xml(z, "xl/_rels/workbook.xml.rels")
    targets = {}
    if rels is not None:
        for r in rels:
            targets[r.get("Id")] = r.get("Target", "")
    sheets = []
    for el in wb.iter() if wb is not None else ():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid)
            if target:
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                sheets.append(path)
    out: list[str] = []
    for path in sheets:
        root = _xml(z, path)
        if root is None:
            continue
        rows: list[list[str]] = []
        for row in root.iter():
            if _local(row.tag) != "row":
                continue
            cells: list[str] = []
            for c in row:
                if _local(c.tag) != "c":
                    continue
                kind = c.get("t")
                value = ""
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter() if _local(t.tag) == "t")
                else:
                    v = next((x for x in c if _local(x.tag) == "v"), None)
                    value = v.text or "" if v is not None else ""
                    if kind == "s" and value.isdigit() and int(value) < len(shared):
                        value = shared[int(value)]
                col = _col_index(c.get("r", ""))
                if col is not None and col > len(cells):
                    cells += [""] * (col - len(cells))
                cells.append(value.replace("\n", " "))
            rows.append(cells)
        out += _rows_text(rows)
    return "\n".join(out)


# ---------------------------------------------------------------- OFD (GB/T 33190)


@_guard
def ofd_text(body: bytes) -> str | None:
    """Text objects of every page in page order; objects on one baseline form one line."""
    z = _open_zip(body)
    root = _xml(z, "OFD.xml") if z else None
    if root is None:
        return None
    out: list[str] = []
    for doc_root in (el for el in root.iter() if _local(el.tag) == "DocRoot"):
        doc_path = (doc_root.text or "").strip().lstrip("/")
        doc = _xml(z, doc_path)
        if doc is None:
            continue
        base = posixpath.dirname(doc_path)
        for page in (el for el in doc.iter() if _local(el.tag) == "Page"):
            loc = (page.get("BaseLoc") or "").strip()
            path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
            content = _xml(z, path)
            if content is not None:
                out += _ofd_page_lines(content)
    return "\n".join(out)


def _ofd_page_lines(content: ET.Element) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    last_y: float | None = None
    for obj in content.iter():
        if _local(obj.tag) != "TextObject":
            continue
        try:
            _, y, _, h = (float(v) for v in (obj.get("Boundary") or "0 0 0 0").split()[:4])
        except ValueError:
            y, h = 0.0, 0.0
        text = "".join(t.text or "" for t in obj.iter() if _local(t.tag) == "TextCode")
        if last_y is not None and abs(y - last_y) > max(h, 1.0) / 2:
            lines.append("".join(current))
            current = []
        current.append(text)
        last_y = y
    if current:
        lines.append("".join(current))
    return lines


# ---------------------------------------------------------------- XLS (BIFF, via xlrd)


def _xls_cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\n", " ")


@_guard
def xls_text(body: bytes) -> str | None:
    import xlrd

    book = xlrd.open_workbook(file_contents=body, on_demand=True)
    out: list[str] = []
    for sheet in book.sheets():
        out += _rows_text([[_xls_cell(v) for v in sheet.row_values(r)] for r in range(sheet.nrows)])
    return "\n".join(out)


# ---------------------------------------------------------------- DOC / WPS (OLE2 Word binary)


def ole_kind(body: bytes) -> str | None:
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(body)) as ole:
            if ole.exists("WordDocument"):
                return "doc"  # Word 97-2003 and WPS Office .wps (same binary format)
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
    except Exception:  # not a readable compound file
        return None
    return None


_FIELD = re.compile(r"\x13[^\x13\x14\x15]*\x14?|\x15")  # field instructions (HYPERLINK …) and marks


@_guard
def doc_text(body: bytes) -> str | None:
    """Main-document text through the FIB and the piece table (CLX) of the table stream.

    Encrypted or pre-97 files give None. Field instructions are removed, their results kept.
    """
    import olefile

    with olefile.OleFileIO(io.BytesIO(body)) as ole:
        word = ole.openstream("WordDocument").read()
        if len(word) < 0x1AA or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
            return None
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if flags & 0x0100:
            return None  # fEncrypted
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            return None
        table = ole.openstream(table_name).read()
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]  # characters in the main document
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x01A2)
    clx = table[fc_clx : fc_clx + lcb_clx]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
    if i >= len(clx) or clx[i] != 0x02:
        return None
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5 : i + 5 + lcb]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    parts: list[str] = []
    for k in range(n):
        start, end = cps[k], min(cps[k + 1], ccp_text)
        if end <= start:
            continue
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        if fc & 0x40000000:
            offset = (fc & ~0x40000000) // 2
            parts.append(word[offset : offset + (end - start)].decode("cp1252", "replace"))
        else:
            parts.append(word[fc : fc + 2 * (end - start)].decode("utf-16-le", "replace"))
    text = _FIELD.sub("", "".join(parts))
    # \r paragraph, \x07 cell/row end, \x0b line break, \x0c page break
    text = text.replace("\x07\x07", "\n").replace("\x07\r", "\n").replace("\x07", "\t").replace("\r", "\n").replace("\x0b", "\n")
    text = re.sub(r"[\x00-\x08\x0c\x0e-\x1f]", "", text)
    return "\n".join(line.rstrip("\t") for line in text.split("\n"))
