"""Export formats: the rows of an export (indexed `_source`s) as CSV or JSONL text lines.

One place for both callers, the API's GET /export and `govpub search --export`, so a file
from either has the same columns and encoding. Each row also carries its GB/T 7714-2015
`citation` (cited today), a column computed here, not stored.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator

from govpub.search.citations import gbt7714

EXPORT_FORMATS = ("csv", "jsonl")

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

EXPORT_CSV_COLUMNS = [
    "id", "url", "site", "title", "publish_date", "year", "doc_type", "agency", "source", "region",
    "doc_number", "index_no", "fetched_at", "status", "version", "cluster", "is_canonical", "attachments",
    "citation", "body",
]

#: export columns computed from the document, not fields of it
COMPUTED_COLUMNS = ("citation",)


def _today() -> date:
    return datetime.now(timezone.utc).date()


def with_citation(rows: Iterable[dict[str, Any]], accessed: date | None = None) -> Iterator[dict[str, Any]]:
    day = accessed or _today()
    for row in rows:
        yield {**row, "citation": gbt7714(row, day)}


def csv_lines(rows: Iterable[dict[str, Any]], accessed: date | None = None) -> Iterator[str]:
    """CSV text: a UTF-8 BOM (spreadsheets then read Chinese right), a header, one line per document."""
    rows = with_citation(rows, accessed)
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


def jsonl_lines(rows: Iterable[dict[str, Any]], accessed: date | None = None) -> Iterator[str]:
    """One JSON object per line (the document and its `citation`), Chinese as written (not \\u-escaped)."""
    return (json.dumps(row, ensure_ascii=False) + "\n" for row in with_citation(rows, accessed))


def export_lines(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The rows as lines of `fmt` (one of EXPORT_FORMATS)."""
    if fmt == "csv":
        return csv_lines(rows)
    if fmt == "jsonl":
        return jsonl_lines(rows)
    raise ValueError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
