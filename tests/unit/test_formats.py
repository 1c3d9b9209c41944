"""Export rows as CSV / JSONL lines: the one writer behind GET /export and `govpub search --export`."""

import csv
import io
import json

import pytest

from govpub.search.formats import EXPORT_CSV_COLUMNS, EXPORT_FORMATS, MEDIA_TYPES, csv_lines, export_lines

ROW = {
    "id": "a1", "title": "课后服务工作要点", "publish_year": 2024, "body": "第一段，\n第二段",
    "attachments": [{"name": "附件1.pdf", "url": "http://x/1.pdf"}, {"url": "http://x/2.doc"}],
}


def test_csv_starts_with_a_bom_and_the_header_then_one_row_per_document():
    text = "".join(csv_lines([ROW, {"id": "a2", "year": 2019}]))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == EXPORT_CSV_COLUMNS
    assert rows[0]["title"] == "课后服务工作要点" and rows[0]["body"] == "第一段，\n第二段"
    assert rows[0]["year"] == "2024"  # no `year`: the publish year
    assert rows[0]["attachments"] == "附件1.pdf | http://x/2.doc"
    assert rows[1]["year"] == "2019" and rows[1]["url"] == ""


def test_jsonl_is_one_object_a_line_with_chinese_as_written():
    lines = list(export_lines([ROW, {"id": "a2"}], "jsonl"))
    assert len(lines) == 2 and all(line.endswith("\n") for line in lines)
    assert "课后服务" in lines[0]
    row = json.loads(lines[0])
    assert row.pop("citation").startswith("课后服务工作要点[EB/OL]. [20") and row == ROW


def test_every_row_carries_its_gbt7714_citation_cited_on_the_export_day():
    from datetime import date

    doc = {**ROW, "agency": "某区教育局", "publish_date": "2024-02-20", "url": "http://x/a1.html", "doc_number": "某教〔2024〕1号"}
    text = "".join(csv_lines([doc], accessed=date(2026, 12, 1)))
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["citation"] == "某区教育局. 课后服务工作要点: 某教〔2024〕1号[EB/OL]. (2024-02-20)[2026-12-01]. http://x/a1.html."


def test_every_format_has_a_media_type_and_others_are_refused():
    assert set(MEDIA_TYPES) == set(EXPORT_FORMATS)
    with pytest.raises(ValueError, match="csv, jsonl"):
        export_lines([], "xml")
