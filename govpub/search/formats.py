"""Export formats: the rows of an export (indexed `_source`s) as CSV or JSONL text lines.

One place for both callers, the API's GET /export and `govpub search --export`, so a file
from either has the same columns and encoding.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Iterator

EXPORT_FORMATS = ("csv", "jsonl")

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

EXPORT_CSV_COLUMNS = [
    "id", "url", "site", "title", "publish_date", "year", "doc_type", "agency", "source", "region",
    "doc_number", "index_no", "fetched_at", "status", "version", "cluster", "is_canonical", "attachments", "body",
]


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text: a UTF-8 BOM (spreadsheets then read Chinese right), a header, one line per document."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_value(row, column) for column in EXPORT_CSV_COLUMNS])
        yield buffer.getvalue()


def _csv_value(row: dict[str, Any], column: str) -> Any:
    value = row.get(column)
    if column == "attachments":
        value = " | ".join(a.get("name") or a.get("url") or "" for a in (value or ()))
    if column == "year" and value is None:
        value = row.get("publish_year")
    return "" if value is None else value


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, Chinese as written (not \\u-escaped)."""
    return (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def export_lines(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The rows as lines of `fmt` (one of EXPORT_FORMATS)."""
    if fmt == "csv":
        return csv_lines(rows)
    if fmt == "jsonl":
        return jsonl_lines(rows)
    raise ValueError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
