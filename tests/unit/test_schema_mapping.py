"""The Elasticsearch mapping and govpub.schema must describe the same document."""

from __future__ import annotations

import dataclasses
import types
import typing

from govpub import index
from govpub.schema import SCHEMA_VERSION, Attachment, Document, IndexOnly, RawRef


def _props(mapping: dict, *path: str) -> dict:
    node = mapping["mappings"]
    for name in path:
        node = node["properties"][name]
    return node["properties"]


def _names(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_document_field_is_mapped_and_vice_versa():
    mapping = index.load_mapping()
    mapped = set(_props(mapping))
    assert mapped - set(index.DERIVED_FIELDS) == _names(Document)
    assert set(index.DERIVED_FIELDS) <= mapped


def test_nested_objects_match_schema():
    mapping = index.load_mapping()
    assert set(_props(mapping, "attachments")) == _names(Attachment)
    assert set(_props(mapping, "raw")) == _names(RawRef)
    assert set(_props(mapping, "attachments", "raw")) == _names(RawRef)


#: what each Elasticsearch field type holds, as the Python type of the schema field
ES_TYPES = {"keyword": str, "text": str, "date": str, "integer": int, "long": int, "boolean": bool, "float": float}


def _stored_type(hint):
    """The type Elasticsearch stores for a field: optional dropped, a tuple is its elements (no array type)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = args
    if typing.get_origin(hint) in (tuple, list):
        hint = typing.get_args(hint)[0]
    return typing.get_origin(hint) or hint


def _type_mismatches(hints: dict, props: dict, where: str = "") -> list[str]:
    wrong = []
    for name in sorted(set(hints) & set(props)):
        stored, mapped = _stored_type(hints[name]), props[name]
        if dataclasses.is_dataclass(stored):
            if mapped.get("type", "object") != "object":
                wrong.append(f"{where}{name}: mapped as {mapped['type']}, holds {stored.__name__} objects")
            wrong += _type_mismatches(typing.get_type_hints(stored), mapped["properties"], f"{where}{name}.")
        elif stored is dict:  # free-form records (errors, step timings): an object or nested field
            if mapped.get("type", "object") not in ("object", "nested"):
                wrong.append(f"{where}{name}: mapped as {mapped['type']}, holds dicts")
        elif ES_TYPES.get(mapped.get("type")) is not stored:
            wrong.append(f"{where}{name}: mapped as {mapped.get('type')}, the schema says {stored}")
    return wrong


def test_mapped_types_hold_the_schema_types():
    hints = {**typing.get_type_hints(Document), **typing.get_type_hints(IndexOnly)}
    assert _type_mismatches(hints, _props(index.load_mapping())) == []
    assert _type_mismatches({"year": str}, {"year": {"type": "integer"}}) != []  # the check can fail


def test_stats_mapping_types_hold_the_site_stats_types():
    from govpub.ops.stats import load_stats_mapping
    from govpub.schema import SiteStats

    assert _type_mismatches(typing.get_type_hints(SiteStats), load_stats_mapping()["mappings"]["properties"]) == []


def test_mapping_is_strict_and_versioned():
    mapping = index.load_mapping()
    assert mapping["mappings"]["dynamic"] == "strict"
    assert mapping["mappings"]["properties"]["attachments"]["dynamic"] == "strict"
    assert mapping["mappings"]["properties"]["raw"]["dynamic"] == "strict"
    assert isinstance(mapping["_meta"]["version"], int) and mapping["_meta"]["version"] >= 1
    assert mapping["_meta"]["schema_version"] == SCHEMA_VERSION
    assert index.index_name("govpub-documents", 3) == "govpub-documents-v3"


def test_chinese_analysis_and_exact_subfields():
    mapping = index.load_mapping()
    analysis = mapping["settings"]["analysis"]
    shingle = analysis["filter"]["zh_shingle"]
    assert (shingle["type"], shingle["min_shingle_size"], shingle["max_shingle_size"]) == ("shingle", 2, 2)
    assert shingle["output_unigrams"] is False and shingle["token_separator"] == ""
    props = _props(mapping)
    for name in ("title", "body"):
        assert props[name]["analyzer"] == "zh_bigram"
        assert props[name]["fields"]["exact"]["analyzer"] == "zh_unigram"
    assert props["publish_date"] == {"type": "date", "format": "yyyy-MM-dd"}
    for name in ("site", "doc_number", "index_no", "doc_type", "script", "agency", "region", "url", "id"):
        assert props[name]["type"] == "keyword", name


def _document(**changes) -> Document:
    base = dict(
        id="abc",
        url="http://example.gov.cn/a.html",
        site="example",
        title="标题",
        publish_date="2024-03-05",
        source=None,
        doc_number=None,
        index_no=None,
        body="正文",
        fetched_at="2024-03-06T01:02:03Z",
        parser_version="1",
        raw=RawRef(key="k", offset=0, length=1, record_id="<urn:uuid:x>", url="http://example.gov.cn/a.html"),
        body_sha256="0" * 64,
        attachments=(Attachment(url="http://example.gov.cn/f.pdf", name="附件1"),),
    )
    base.update(changes)
    return Document(**base)


def test_to_es_source_adds_index_only_fields():
    doc = _document()
    source = index.to_es_source(doc)
    assert source["publish_year"] == 2024
    assert set(source) == set(doc.to_dict()) | set(index.DERIVED_FIELDS)
    assert {k: v for k, v in source.items() if k not in index.DERIVED_FIELDS} == doc.to_dict()
    assert (source["status"], source["version"], source["cluster"], source["is_canonical"]) == ("active", 1, doc.id, True)
    assert index.to_es_source(_document(publish_date=None))["publish_year"] is None


def test_to_es_source_overlay_is_restricted_to_index_only_fields():
    doc = _document()
    source = index.to_es_source(doc, {"status": "deleted", "status_date": "2024-05-01", "version": 3})
    assert (source["status"], source["version"]) == ("deleted", 3)
    import pytest

    with pytest.raises(ValueError):
        index.to_es_source(doc, {"title": "x"})
