"""The archive against the real S3 server (S3Proxy over HTTP): keys, documents, errors."""

import pytest

from govpub.archive import Archive, ArchiveUnavailable, document_key, raw_key, version_key, run_key, safe_key_part
from govpub.schema import Document, RawRef, doc_id_for, sha256_text

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def settings(module_settings):
    return module_settings


def make_doc(**changes) -> Document:
    url = "http://127.0.0.1:8765/longwan/xxgk/jhzj/202405/t20240508_1.html"
    body = "一、总体要求\n坚持立德树人。"
    values = dict(
        id=doc_id_for(url), url=url, site="longwan-jyj", title="2024年工作要点", publish_date="2024-05-08",
        source="区教育局", doc_number=None, index_no="001008009/2024-12345", body=body,
        fetched_at="2026-11-23T09:00:00Z", parser_version="test",
        raw=RawRef(key="raw/x.warc.gz", offset=10, length=20, record_id="<urn:uuid:1>", url=url),
        body_sha256=sha256_text(body),
    )
    values.update(changes)
    return Document(**values)


def test_keys_are_deterministic_and_safe():
    assert raw_key("", "longwan-jyj", "2026-11-23", "manual__2026-11-23T09:00:00+00:00", 0) == (
        "raw/longwan-jyj/2026-11-23/manual__2026-11-23T09_00_00_00_00-00000.warc.gz"
    )
    assert document_key("p/", "s", "abc") == "p/documents/s/abc/latest.json"
    assert version_key("p/", "s", "abc", 3) == "p/documents/s/abc/v3.json"
    assert run_key("", "r1", "s", "crawl.json") == "runs/r1/s/crawl.json"
    # A hostile value cannot climb out of its prefix.
    for hostile in ("../../etc/passwd", "a/b", "..", "/abs"):
        part = safe_key_part(hostile)
        assert "/" not in part and part not in ("", ".", "..")


def test_document_round_trip_through_s3(settings, s3):
    archive = Archive(settings)
    doc = make_doc()
    written = archive.put_document(doc, 1)
    assert [w["key"] for w in written] == [f"documents/longwan-jyj/{doc.id}/v1.json", f"documents/longwan-jyj/{doc.id}/latest.json"]
    assert archive.get_document("longwan-jyj", doc.id) == doc == archive.get_version("longwan-jyj", doc.id, 1)
    assert archive.get_document("longwan-jyj", "missing") is None
    assert doc.id in {d.id for d in archive.iter_documents("longwan-jyj")}


def test_range_read_of_one_warc_record(settings, s3):
    import io

    from govpub.archive.warc import Fetched, WarcFileWriter, read_one

    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    _, offset, length = writer.write(
        Fetched(url="http://127.0.0.1/a.html", status=200, body="正文".encode(), fetched_at="2026-11-23T09:00:00Z")
    )
    archive = Archive(settings)
    archive.put_bytes("raw/test/2026-11-23/t-00000.warc.gz", buffer.getvalue(), "application/warc")
    member = archive.get_range("raw/test/2026-11-23/t-00000.warc.gz", offset, length)
    assert read_one(member).body == "正文".encode()


def test_jsonl_batches_are_byte_identical_for_identical_rows(settings, s3):
    archive = Archive(settings)
    rows = [{"a": 1, "b": "二"}, {"a": 2}]
    archive.put_jsonl_gz("runs/t/s/parsed.jsonl.gz", rows)
    first = archive.get_bytes("runs/t/s/parsed.jsonl.gz")
    archive.put_jsonl_gz("runs/t/s/parsed.jsonl.gz", rows)
    assert archive.get_bytes("runs/t/s/parsed.jsonl.gz") == first
    assert archive.get_jsonl_gz("runs/t/s/parsed.jsonl.gz") == rows


def test_unreachable_s3_is_one_clear_error(settings):
    archive = Archive(settings.with_overrides(s3_endpoint="http://127.0.0.1:1"))
    with pytest.raises(ArchiveUnavailable, match="127.0.0.1:1"):
        archive.ensure_bucket()


def test_wrong_credentials_name_the_endpoint(settings):
    archive = Archive(settings.with_overrides(s3_secret_key="wrong"))
    with pytest.raises(ArchiveUnavailable, match=settings.s3_endpoint):
        archive.check_reachable()


def test_versions_are_made_only_when_content_changes(settings, s3):
    from dataclasses import replace

    from govpub.archive.versions import store_document

    archive = Archive(settings)
    doc = make_doc(url="http://127.0.0.1:8765/v/1.html", id=doc_id_for("http://127.0.0.1:8765/v/1.html"))
    assert store_document(archive, doc) == ("new", 1)
    refetched = replace(doc, fetched_at="2026-11-24T09:00:00Z")
    assert store_document(archive, refetched) == ("unchanged", 1)
    edited = replace(doc, body="一、总体要求\n坚持立德树人。\n二、新增段落。", body_sha256="0" * 64)
    assert store_document(archive, edited) == ("changed", 2)
    assert archive.versions_of(doc.site, doc.id) == [1, 2]
    assert archive.get_version(doc.site, doc.id, 1) == doc and archive.get_document(doc.site, doc.id) == edited
    # A crash between the version PUT and the latest PUT is repaired by the retry, without a v3.
    archive.put_bytes(archive.document_key(doc.site, doc.id), doc.to_json().encode(), "application/json")
    assert store_document(archive, edited) == ("unchanged", 2)
    assert archive.get_document(doc.site, doc.id) == edited


def count_s3_requests(archive: Archive) -> "dict[str, int]":
    """S3 operations `archive` sends from now on (botocore's before-call event, no mock)."""
    from collections import Counter

    counts: Counter[str] = Counter()
    archive.s3.meta.events.register("before-call.s3.*", lambda model, **_: counts.update([model.name]))
    return counts


def test_one_listing_decides_the_versions_of_a_site(settings, s3):
    """New documents cost no read, a known one one GET (its latest.json), a crashed one is repaired."""
    from dataclasses import replace

    from govpub.archive.versions import DocumentVersions

    archive = Archive(settings)
    urls = [f"http://127.0.0.1:8765/listed/{n}.html" for n in range(3)]
    docs = [make_doc(url=u, id=doc_id_for(u), site="listed") for u in urls]
    versions = DocumentVersions.listed(archive, "listed")
    counts = count_s3_requests(archive)
    assert [versions.store(d) for d in docs] == [("new", 1)] * 3
    assert counts == {"PutObject": 6}  # version, then latest.json: nothing read

    # A crash after v2 of docs[0] was PUT, before its latest.json: the next run repairs it.
    edited = replace(docs[0], body="改过的正文", body_sha256="1" * 64)
    archive.put_bytes(archive.version_key(edited.site, edited.id, 2), edited.to_json().encode(), "application/json")
    again = DocumentVersions.listed(archive, "listed")
    counts.clear()
    assert again.store(replace(docs[1], fetched_at="2026-11-24T09:00:00Z")) == ("unchanged", 1)
    assert counts == {"GetObject": 1}
    assert again.store(edited) == ("unchanged", 2)
    assert archive.get_document(edited.site, edited.id) == edited and archive.versions_of(edited.site, edited.id) == [1, 2]
    assert again.latest_document(edited.site, edited.id) == edited  # kept: the index step reads nothing
