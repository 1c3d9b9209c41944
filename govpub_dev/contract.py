"""The archive contract: which JSON Schema (schemas/*.schema.json) every JSON object in S3 follows.

`SCHEMAS` maps key patterns (relative to the prefix; `*` = one key segment) to schema files;
`validate_archive` checks every JSON (and JSON-lines) object of a bucket against them and fails
on objects no pattern covers. Every object carries `schema_version`.
"""

from __future__ import annotations

import fnmatch
import functools
import gzip
import json
from typing import Any

import schemas

#: key pattern → schema file; the first match wins
SCHEMAS: dict[str, str] = {
    "documents/*/*/v*.json": "document.schema.json",
    "documents/*/*/latest.json": "document.schema.json",
    "documents/*/*/status.json": "status.schema.json",
    "runs/*/*/crawl.json": "run-crawl.schema.json",
    "runs/*/*/parse.json": "run-parse.schema.json",
    "runs/*/*/parsed.jsonl.gz": "document.schema.json",
    "runs/*/*/archive.json": "run-archive.schema.json",
    "runs/*/*/index.json": "run-index.schema.json",
    "runs/*/*/manifest.json": "run-manifest.schema.json",
    "runs/*/*/stats.json": "site-stats.schema.json",
    "state/*/crawl.json": "crawl-state.schema.json",
    "clusters/current.json": "clusters.schema.json",
    "clusters/pending.json": "clusters-pending.schema.json",
    "clusters/lsh/manifest.json": "clusters-lsh-manifest.schema.json",
    "exports/snapshots/*/manifest.json": "export-manifest.schema.json",
    "exports/latest.json": "export-pointer.schema.json",
}


class ContractViolation(ValueError):
    """An object in the archive does not follow its schema (or has none)."""


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    return schemas.load(name)


def schema_for(key: str) -> str | None:
    for pattern, name in SCHEMAS.items():
        if _match(key, pattern):
            return pattern
    return None


def _match(key: str, pattern: str) -> bool:
    parts, wanted = key.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


def validate(data: Any, schema_name: str, where: str = "") -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        path = "/".join(str(p) for p in first.path) or "(root)"
        raise ContractViolation(f"{where}: {path}: {first.message} (schema {schema_name})")


def validate_archive(archive) -> dict[str, int]:
    """Validate every JSON object under the archive's prefix; returns objects checked per pattern."""
    checked: dict[str, int] = {}
    for key in archive.list_keys(archive.prefix):
        relative = key[len(archive.prefix):]
        if not relative.endswith((".json", ".jsonl.gz")):
            continue
        pattern = schema_for(relative)
        if pattern is None:
            raise ContractViolation(f"{key}: no schema covers this object (govpub_dev.contract.SCHEMAS)")
        data = archive.get_bytes(key)
        if relative.endswith(".jsonl.gz"):
            for number, line in enumerate(gzip.decompress(data).splitlines(), start=1):
                if line.strip():
                    validate(json.loads(line), SCHEMAS[pattern], f"{key} line {number}")
        else:
            validate(json.loads(data), SCHEMAS[pattern], key)
        checked[pattern] = checked.get(pattern, 0) + 1
    return checked
