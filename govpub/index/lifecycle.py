"""Versioned indices behind an alias: `<alias>-v<N>`, N = `_meta.version` of the mapping.

Readers and writers only ever use the alias. A mapping change bumps the version, so a new
index is created next to the old one and the alias is moved after reindexing. The documents
index (mappings/documents.json) and the stats index (mappings/stats.json) both live so.

Chinese text: this Elasticsearch distribution has no analysis-common module (no `cjk` analyzer,
no ngram filters). `title`/`body` use `zh_bigram` (standard tokenizer = one token per CJK char,
then shingles of 2 joined with ""), i.e. overlapping bigrams; the `.exact` subfields keep
single-character tokens so quoted phrases match exactly as written (match_phrase).
"""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError

import mappings
from govpub.index.client import error_type, translate_connection_errors


def load_mapping() -> dict[str, Any]:
    """mappings/documents.json: {"_meta": {"version": N, ...}, "settings": {...}, "mappings": {...}}."""
    return mappings.load("documents")


def mapping_version(mapping: dict[str, Any] | None = None) -> int:
    return int((mapping or load_mapping())["_meta"]["version"])


def index_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


class IndexOutdated(RuntimeError):
    """The alias points at an index of an older mapping version than this govpub writes: writing to
    it would fail on the first new field (strict mapping) or leave the new fields empty."""


def alias_indices(es: Elasticsearch, alias: str) -> list[str]:
    """Concrete indices behind `alias` (sorted; empty when the alias does not exist)."""
    if not es.indices.exists_alias(name=alias):
        return []
    return sorted(es.indices.get_alias(name=alias).body.keys())


def indexed_version(es: Elasticsearch, name: str) -> int:
    """The mapping version (`_meta.version`) concrete index `name` was created with (0: none)."""
    found = es.indices.get_mapping(index=name).body
    return int(found[name]["mappings"].get("_meta", {}).get("version", 0))


def outdated(es: Elasticsearch, alias: str, mapping: dict[str, Any] | None = None) -> str | None:
    """A one-line explanation when `alias` points at an index older than `mapping`'s version, else None."""
    existing = alias_indices(es, alias)
    return _outdated(es, alias, _pick_write_index(es, alias, existing), mapping) if existing else None


def _outdated(es: Elasticsearch, alias: str, name: str, mapping: dict[str, Any] | None) -> str | None:
    have, want = indexed_version(es, name), mapping_version(mapping)
    if have >= want:
        return None
    return (f"index {name} (alias {alias}) has mapping v{have}, this govpub writes v{want}: run `govpub reindex` "
            "to rebuild it from the S3 archive (searches keep using the old index until the alias moves)")


@translate_connection_errors
def ensure_index(es: Elasticsearch, alias: str, mapping: dict[str, Any] | None = None, allow_older: bool = False) -> str:
    """Return the index behind `alias`, creating `<alias>-v<version>` and the alias when missing.

    `mapping`: {"_meta", "settings", "mappings"} of the index (default: the documents mapping).

    Idempotent and safe against a concurrent caller doing the same. When the alias already points
    at an older mapping version, IndexOutdated is raised before anything is written (the index is
    derived: `govpub reindex` rebuilds it from S3 and moves the alias), unless `allow_older`
    (the caller upgrades that index in place itself).
    """
    existing = alias_indices(es, alias)
    if existing:
        name = _pick_write_index(es, alias, existing)
        problem = None if allow_older else _outdated(es, alias, name, mapping)
        if problem:
            raise IndexOutdated(problem)
        return name
    if es.indices.exists(index=alias):
        raise RuntimeError(f"{alias!r} is a concrete index, not an alias; refusing to use it as the govpub alias")

    mapping = mapping or load_mapping()
    name = index_name(alias, mapping_version(mapping))
    mappings = dict(mapping["mappings"])
    mappings["_meta"] = mapping["_meta"]
    try:
        es.indices.create(
            index=name,
            settings=mapping["settings"],
            mappings=mappings,
            aliases={alias: {"is_write_index": True}},
        )
    except ApiError as exc:
        if error_type(exc) != "resource_already_exists_exception":
            raise
        # Someone else created it (or a previous run died before the alias existed).
        if not alias_indices(es, alias):
            es.indices.put_alias(index=name, name=alias, is_write_index=True)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
    return name


def _pick_write_index(es: Elasticsearch, alias: str, indices: list[str]) -> str:
    if len(indices) == 1:
        return indices[0]
    info = es.indices.get_alias(name=alias).body
    for name, data in info.items():
        if data.get("aliases", {}).get(alias, {}).get("is_write_index"):
            return name
    return indices[-1]


@translate_connection_errors
def count(es: Elasticsearch, alias: str) -> int:
    """Documents behind `alias` (0 when the alias does not exist yet)."""
    try:
        return int(es.count(index=alias)["count"])
    except NotFoundError:
        return 0


@translate_connection_errors
def refresh(es: Elasticsearch, alias: str) -> None:
    es.indices.refresh(index=alias)


def delete_alias_and_indices(es: Elasticsearch, alias: str) -> None:
    """Delete the alias and every versioned index `<alias>-v*` (tests and benches start clean)."""
    names = set(alias_indices(es, alias))
    found = es.indices.get(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True).body
    names.update(found.keys())
    for name in sorted(names):
        es.options(ignore_status=404).indices.delete(index=name)


