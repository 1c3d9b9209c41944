"""The JSON Schemas of the archive contract against the code that writes the objects (no services)."""

import json

import pytest

import schemas
from govpub_dev.contract import SCHEMAS, ContractViolation, load_schema, schema_for, validate
from govpub.documents.dedup import compute_clusters, DocInfo, clusters_document
from govpub.crawl.state import empty_state
from govpub.schema import DOCUMENT_FIELDS, Document, doc_id_for, sha256_text


def test_every_schema_file_is_valid_and_used():
    from jsonschema import Draft202012Validator

    files = set(schemas.names())
    assert files == set(SCHEMAS.values())
    for name in files:
        Draft202012Validator.check_schema(load_schema(name))
        assert "schema_version" in load_schema(name)["properties"], name


def test_document_schema_lists_exactly_the_document_fields():
    assert set(load_schema("document.schema.json")["properties"]) == set(DOCUMENT_FIELDS)


def test_key_patterns():
    assert schema_for("documents/fanwen/abc/v12.json") == "documents/*/*/v*.json"
    assert schema_for("documents/fanwen/abc/latest.json") == "documents/*/*/latest.json"
    assert schema_for("runs/r1/fanwen/manifest.json") == "runs/*/*/manifest.json"
    assert schema_for("documents/fanwen/abc.json") is None  # the pre-version layout is not part of the contract


def test_a_document_validates_and_a_broken_one_names_the_field():
    url = "http://127.0.0.1/a.html"
    doc = Document(id=doc_id_for(url), url=url, site="s", title="t", publish_date="2024-01-02", source=None,
                   doc_number=None, index_no=None, body="正文", fetched_at="2026-11-23T09:00:00Z",
                   parser_version="1", raw=None, body_sha256=sha256_text("正文"))
    validate(json.loads(doc.to_json()), "document.schema.json")
    broken = json.loads(doc.to_json()) | {"publish_date": "2024/01/02"}
    with pytest.raises(ContractViolation, match="publish_date"):
        validate(broken, "document.schema.json")


def test_state_and_clusters_validate():
    validate(empty_state("fanwen"), "crawl-state.schema.json")
    body = "龙湾区教育局2024年工作要点。坚持立德树人，办好人民满意的教育。" * 5
    docs = [DocInfo("a" * 24, "longwan-jyj", "official", "2024-05-08", sha256_text(body), body),
            DocInfo("b" * 24, "fanwen", "repost", "2024-05-01", sha256_text(body), body)]
    clusters = compute_clusters(docs)
    assert clusters[0]["canonical_id"] == "a" * 24  # official before an earlier repost
    validate(clusters_document(clusters, 2), "clusters.schema.json")
