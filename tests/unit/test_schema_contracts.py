"""Every other statement of the document's shape agrees with govpub.schema.

- the JSON Schemas of the archive contract (schemas/document.schema.json, site-stats.schema.json):
  the same fields at every level, compatible types and nullability, nothing extra;
- the Parquet columns of the export (derived from the dataclasses: pinned here);
- the search API's models, `Hit` and the `_source` fields a search fetches.

The mappings are checked the same way in tests/unit/test_schema_mapping.py and test_ops.py.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

import schemas
from govpub.archive.export import arrow_schema, export_row
from govpub.schema import (
    DOCUMENT_FIELDS, INDEX_ONLY_FIELDS, SCHEMA_VERSION, STATS_SCHEMA_VERSION, Attachment, Document, IndexOnly,
    RawRef, SiteStats,
)
from govpub.search import engine
from govpub.search import formats as export_formats
from govpub.search.api import models
from govpub.search.query import HIT_SOURCE_FIELDS, SearchParams, build_search

NONE = type(None)

# -- JSON Schema ↔ dataclass -----------------------------------------------------------------------

_JSON_NAMES = {NONE: "null", bool: "boolean", int: "integer", float: "number", str: "string",
               list: "array", tuple: "array", dict: "object"}


def _union(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return list(typing.get_args(hint))
    return [hint]


def python_json_types(hint: Any) -> set[str] | None:
    """JSON types a value of `hint` serialises to (None: Any, unchecked)."""
    names = set()
    for arm in _union(hint):
        if arm is Any:
            return None
        base = typing.get_origin(arm) or arm
        names.add("object" if dataclasses.is_dataclass(base) else _JSON_NAMES[base])
    return names


def _value_json_type(value: Any) -> str:
    return _JSON_NAMES[type(value)]


def schema_json_types(node: dict, root: dict) -> set[str]:
    node = resolve(node, root)
    if "anyOf" in node or "oneOf" in node:
        return set().union(*(schema_json_types(arm, root) for arm in node.get("anyOf", node.get("oneOf"))))
    if "const" in node:
        return {_value_json_type(node["const"])}
    if "enum" in node:
        return {_value_json_type(value) for value in node["enum"]}
    kind = node["type"]
    return {kind} if isinstance(kind, str) else set(kind)


def resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = root
        for part in path:
            node = node[part]
    return node


def _object_node(node: dict, root: dict) -> dict:
    """The object arm of a (possibly nullable) node."""
    node = resolve(node, root)
    for arm in node.get("anyOf", ()):
        if "object" in schema_json_types(arm, root):
            return resolve(arm, root)
    return node


def mismatches(hint: Any, node: dict, root: dict, where: str) -> list[str]:
    """How the JSON Schema `node` disagrees with the Python type `hint` (empty: they agree)."""
    wanted = python_json_types(hint)
    if wanted is None:
        return []
    found = schema_json_types(node, root)
    if found != wanted:
        return [f"{where}: schema allows {sorted(found)}, the dataclass gives {sorted(wanted)}"]
    (arm,) = [a for a in _union(hint) if a is not NONE] or [NONE]
    origin = typing.get_origin(arm) or arm
    if dataclasses.is_dataclass(origin):
        return dataclass_mismatches(origin, _object_node(node, root), root, where)
    if origin in (list, tuple) and "items" in resolve(node, root):
        return mismatches(typing.get_args(arm)[0], resolve(node, root)["items"], root, f"{where}[]")
    if origin is dict and typing.get_args(arm):
        value_hint, node = typing.get_args(arm)[1], resolve(node, root)
        values = list(node.get("properties", {}).items())
        if isinstance(node.get("additionalProperties"), dict):
            values.append(("*", node["additionalProperties"]))
        return [m for key, value in values for m in mismatches(value_hint, value, root, f"{where}.{key}")]
    return []


def dataclass_mismatches(cls: type, node: dict, root: dict, where: str = "") -> list[str]:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    without_default = {f.name for f in dataclasses.fields(cls)
                       if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    properties = node.get("properties", {})
    required = set(node.get("required", ()))
    wrong = []
    if set(properties) != names:
        wrong.append(f"{where or cls.__name__}: missing in the schema {sorted(names - set(properties))}, "
                     f"not on {cls.__name__} {sorted(set(properties) - names)}")
    if node.get("additionalProperties") is not False:
        wrong.append(f"{where or cls.__name__}: additionalProperties must be false")
    if not without_default <= required <= names:
        wrong.append(f"{where or cls.__name__}: required {sorted(required)} must hold {sorted(without_default)} "
                     f"and only fields of {cls.__name__}")
    for name in sorted(names & set(properties)):
        wrong += mismatches(hints[name], properties[name], root, f"{where}.{name}" if where else name)
    return wrong


@pytest.mark.parametrize(("cls", "name", "version"), [
    (Document, "document.schema.json", SCHEMA_VERSION),
    (SiteStats, "site-stats.schema.json", STATS_SCHEMA_VERSION),
], ids=["document", "site-stats"])
def test_json_schema_describes_the_dataclass(cls, name, version):
    schema = schemas.load(name)
    assert dataclass_mismatches(cls, schema, schema) == []
    assert schema["properties"]["schema_version"]["const"] == version


def test_the_json_schema_check_can_fail():
    schema = json.loads(json.dumps(schemas.load("document.schema.json")))
    schema["properties"]["attachments"]["items"]["properties"]["raw"]["properties"]["offset"]["type"] = "string"
    schema["properties"]["year"]["type"] = "integer"  # no longer nullable
    del schema["properties"]["region"]
    schema["properties"]["extra"] = {"type": "string"}
    wrong = dataclass_mismatches(Document, schema, schema)
    assert len(wrong) == 3, wrong
    assert "['region']" in wrong[0] and "['extra']" in wrong[0]
    assert wrong[1].startswith("attachments[].raw.offset:") and wrong[2].startswith("year:")


# -- Parquet export ----------------------------------------------------------------------------------


def test_parquet_columns_are_the_document_fields_then_the_index_only_fields():
    schema = arrow_schema()
    documents = len(DOCUMENT_FIELDS) - 1  # every document field but `site`, in the published order, then the rest
    assert sorted(schema.names[:documents]) == sorted(n for n in DOCUMENT_FIELDS if n != "site")
    assert schema.names[documents:] == list(INDEX_ONLY_FIELDS)
    assert all(f.nullable for f in schema)
    assert {f.name for f in dataclasses.fields(IndexOnly)} == set(INDEX_ONLY_FIELDS)


def test_parquet_types_follow_the_dataclass_types():
    import pyarrow as pa

    raw = pa.struct([("key", pa.string()), ("offset", pa.int64()), ("length", pa.int64()),
                     ("record_id", pa.string()), ("url", pa.string())])
    types_ = {f.name: f.type for f in arrow_schema()}
    assert types_["raw"] == raw
    assert types_["attachments"] == pa.list_(pa.struct([
        ("url", pa.string()), ("name", pa.string()), ("content_type", pa.string()), ("sha256", pa.string()),
        ("text", pa.string()), ("raw", raw)]))
    assert (types_["page_urls"], types_["truncated"], types_["year"]) == (pa.list_(pa.string()), pa.bool_(), pa.int32())
    assert (types_["publish_year"], types_["is_canonical"], types_["status_date"]) == (pa.int32(), pa.bool_(), pa.string())


def test_an_export_row_fills_every_column_and_round_trips():
    import pyarrow as pa

    ref = RawRef(key="raw/s/2024-01-02/r-00000.warc.gz", offset=3_000_000_000, length=900, record_id="<urn:uuid:1>",
                 url="http://example.gov.cn/a.html")
    doc = Document(id="a" * 24, url=ref.url, site="s", title="标题", publish_date="2024-01-02", source=None,
                   doc_number="温教〔2024〕1号", index_no=None, body="正文", fetched_at="2024-01-02T00:00:00Z",
                   parser_version="1", raw=ref, body_sha256="0" * 64, year=2024, page_urls=(ref.url,),
                   attachments=(Attachment(url="http://example.gov.cn/f.pdf", name="附件1", raw=ref),))
    overlay = {"version": 2, "status": "deleted", "status_date": "2024-05-01", "cluster": "b" * 24,
               "canonical_id": "b" * 24, "is_canonical": False, "cluster_size": 2}
    row = export_row(doc, overlay)
    assert set(row) == set(arrow_schema().names)
    assert pa.Table.from_pylist([row], schema=arrow_schema()).to_pylist() == [row]


# -- search API, Hit, the fields a search fetches ---------------------------------------------------

#: Hit fields that come from the search response, not from a document's `_source`
COMPUTED_HIT_FIELDS = {"score", "highlights", "title_highlight", "copies", "copies_total", "attribution"}
SOURCE_TYPES = {**typing.get_type_hints(Document), **typing.get_type_hints(IndexOnly)}


def shape(hint: Any) -> frozenset:
    """A type as the JSON it produces: unions flattened, sequences alike, records as "object"."""
    arms = set()
    for arm in _union(hint):
        origin = typing.get_origin(arm) or arm
        if origin in (list, tuple):
            arms.add(("array", shape(typing.get_args(arm)[0])))
        elif origin is dict or dataclasses.is_dataclass(origin) or (isinstance(origin, type)
                                                                     and issubclass(origin, BaseModel)):
            arms.add("object")
        else:
            arms.add(origin)
    return frozenset(arms)


def accepts(api_hint: Any, source_hint: Any) -> bool:
    """The API type holds every value the document's field can have."""
    return shape(source_hint) <= shape(api_hint)


def model_hints(model: type[BaseModel]) -> dict[str, Any]:
    return {name: info.annotation for name, info in model.model_fields.items()}


def test_search_hit_model_is_hit():
    hit, model = typing.get_type_hints(engine.Hit), model_hints(models.SearchHit)
    assert set(model) == set(hit)
    assert {name: shape(model[name]) for name in hit} == {name: shape(hint) for name, hint in hit.items()}


def test_hit_fields_are_document_fields_fetched_by_the_search():
    hit = typing.get_type_hints(engine.Hit)
    from_source = set(hit) - COMPUTED_HIT_FIELDS
    assert from_source <= set(SOURCE_TYPES), "Hit fields that are neither computed nor in the document"
    assert from_source <= set(HIT_SOURCE_FIELDS), "Hit fields the search does not fetch"
    assert set(HIT_SOURCE_FIELDS) <= set(SOURCE_TYPES), "fetched fields the document does not have"
    assert "publish_year" in HIT_SOURCE_FIELDS  # Hit.year falls back to it
    assert [name for name in from_source if not accepts(hit[name], SOURCE_TYPES[name])] == []


def test_copies_carry_document_fields_the_collapse_fetches():
    copy = model_hints(models.Copy)
    fetched = build_search(SearchParams.make("课后服务", collapse=True))["collapse"]["inner_hits"]["_source"]
    assert set(copy) <= set(fetched)
    assert [name for name, hint in copy.items() if not accepts(hint, SOURCE_TYPES[name])] == []


@pytest.mark.parametrize(("model", "other_meaning"), [
    (models.SeriesDocument, set()),
    (models.Provenance, {"cluster"}),  # the cluster described (id, size, copies), not the document's cluster id
], ids=["SeriesDocument", "Provenance"])
def test_document_fields_in_responses_have_the_document_types(model, other_meaning):
    hints = model_hints(model)
    shared = set(hints) & set(SOURCE_TYPES) - other_meaning
    assert shared, model.__name__
    assert [name for name in shared if not accepts(hints[name], SOURCE_TYPES[name])] == []


def test_raw_location_extends_raw_ref():
    location, ref = model_hints(models.RawLocation), typing.get_type_hints(RawRef)
    assert set(ref) <= set(location)
    assert [name for name in ref if not accepts(location[name], ref[name])] == []


def test_csv_export_columns_are_document_fields():
    computed = set(export_formats.COMPUTED_COLUMNS)
    assert set(export_formats.EXPORT_CSV_COLUMNS) - computed <= set(SOURCE_TYPES)
    assert not computed & set(SOURCE_TYPES)


def test_parquet_columns_keep_their_published_order():
    from govpub.archive.export import COLUMN_ORDER, arrow_schema

    assert arrow_schema().names == list(COLUMN_ORDER)  # a new field must be appended to COLUMN_ORDER
