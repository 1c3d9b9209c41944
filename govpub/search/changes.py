"""What changed between two archived versions of a document (pure): a paragraph-level line diff
of the body and the fields that differ. The versions come from the archive
(govpub.archive.Archive.get_version); the API's GET /documents/{id}/versions shows them."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

#: compared field by field (the body is compared paragraph by paragraph)
COMPARED_FIELDS = ("title", "publish_date", "doc_number", "index_no", "source", "doc_type", "agency", "region")


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs as the parser wrote them (one per line), blank lines dropped."""
    return [line.strip() for line in (body or "").split("\n") if line.strip()]


def paragraph_diff(old: str | None, new: str | None) -> list[dict[str, str]]:
    """[{"op": "equal" | "delete" | "insert", "text": paragraph}, …] in reading order; a replaced
    paragraph is its deletion followed by its insertion."""
    a, b = paragraphs(old), paragraphs(new)
    ops: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.extend({"op": "equal", "text": p} for p in a[i1:i2])
            continue
        ops.extend({"op": "delete", "text": p} for p in a[i1:i2])
        ops.extend({"op": "insert", "text": p} for p in b[j1:j2])
    return ops


def compare_versions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two versions (Document.to_dict()s) → {"fields": [{field, old, new}], "paragraphs": […],
    "added": n, "deleted": n} (paragraph counts)."""
    fields = [{"field": f, "old": old.get(f), "new": new.get(f)} for f in COMPARED_FIELDS if old.get(f) != new.get(f)]
    ops = paragraph_diff(old.get("body"), new.get("body"))
    return {
        "fields": fields,
        "paragraphs": ops,
        "added": sum(op["op"] == "insert" for op in ops),
        "deleted": sum(op["op"] == "delete" for op in ops),
    }
