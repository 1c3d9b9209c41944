"""Attachment text: DOCX, DOC (and WPS, the same binary), XLSX, XLS, OFD files built by real writers.

tests/fixtures/attachments/_build_attachments.py made the files; expected.json holds the texts typed
by hand. Damaged copies of each file give None, never an exception.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from parsers import AttachmentFile, Page, parse_article
from parsers.attachments import extract_text, sniff
from parsers.office import MAX_MEMBER

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
KINDS = {"notice.docx": "docx", "notice.doc": "doc", "schools.xlsx": "xlsx", "schools.xls": "xls", "notice.ofd": "ofd"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_text_of_each_format(name):
    body = (HERE / name).read_bytes()
    assert sniff(body) == KINDS[name]
    # the declared type does not matter: sites send octet-stream or the wrong type
    for ct in (None, "application/octet-stream", "application/pdf"):
        assert extract_text(body, ct) == EXPECTED[name]


def test_word_table_rows_are_tab_separated():
    text = extract_text((HERE / "notice.doc").read_bytes())
    assert "7月1日\t防溺水专题教育\t安全科" in text.splitlines()


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_truncated_files_give_none_never_raise(name, cut):
    body = (HERE / name).read_bytes()
    assert extract_text(body[: int(len(body) * cut)]) is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corrupted_files_give_none_never_raise(name):
    body = bytearray((HERE / name).read_bytes())
    for i in range(64, len(body), 97):
        body[i] ^= 0x5A
    assert extract_text(bytes(body)) is None


def test_unknown_formats_give_none():
    assert extract_text(b"Rar!\x1a\x07\x00garbage") is None
    assert extract_text(b"PK\x03\x04 not really a zip") is None
    assert extract_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really OLE") is None


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_member_is_not_read():
    huge = b"<w:document xmlns:w='w'><w:body>" + b" " * (MAX_MEMBER + 1) + b"</w:body></w:document>"
    assert extract_text(_zip({"word/document.xml": huge})) is None


def test_xml_entities_are_refused():
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><w:document xmlns:w="w"><w:body>&a;</w:body></w:document>'
    assert extract_text(_zip({"word/document.xml": laughs})) is None


def test_wps_file_is_read_as_word_binary():
    page = '<html><body><div id="zoom"><p>附件：<a href="/f/a.wps">安排.wps</a></p></div></body></html>'.encode()
    doc = parse_article([Page("https://x.gov.cn/a.html", page)],
                        [AttachmentFile("https://x.gov.cn/f/a.wps", (HERE / "notice.doc").read_bytes())])
    assert doc.attachments[0].text == EXPECTED["notice.doc"]
    assert doc.body == EXPECTED["notice.doc"]  # attachment-only notice: the attachment is the body
