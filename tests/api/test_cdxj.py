"""CDXJ indexes of the sample archive's raw WARCs (govpub.archive.cdxj): the pipeline's parse step
wrote one per WARC part under indexes/cdxj/, the lines `cdxj-indexer` itself writes for that WARC
(every response record once, each line pointing at bytes that are that record); `govpub cdxj`
then finds nothing to do, `--force` rewrites the same bytes; --download makes a pywb collection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govpub.archive import Archive
from govpub.archive.cdxj import download_collection, find_capture, warc_filename, write_indexes
from govpub.archive.keys import cdxj_key_for, cdxj_prefix, raw_prefix
from govpub.archive.warc import read_one, read_records
from govpub import index
from govpub.search import engine
from govpub.settings import REPO_ROOT

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def indexed(loaded):
    """The archive the pipeline left, and what `govpub cdxj` (backfill) then did: nothing."""
    archive = Archive(loaded)
    return archive, write_indexes(archive, echo=lambda line: None)


def warc_keys(archive) -> list[str]:
    return sorted(k for k in archive.list_keys(raw_prefix(archive.prefix)) if k.endswith(".warc.gz"))


def stored_lines(archive) -> int:
    return sum(archive.get_bytes(cdxj_key_for(archive.prefix, k)).count(b"\n") for k in warc_keys(archive))


def lines_of(data: bytes) -> list[tuple[str, str, dict]]:
    out = []
    for line in data.decode("utf-8").splitlines():
        urlkey, timestamp, fields = line.split(" ", 2)
        out.append((urlkey, timestamp, json.loads(fields)))
    return out


def test_the_pipeline_wrote_what_cdxj_indexer_writes_for_each_warc_part(indexed, tmp_path):
    """Compared with the `cdxj-indexer` command run over a download of each WARC (the way a
    researcher would index it), and with the run manifests: one object per part, named there."""
    archive, report = indexed
    warcs = warc_keys(archive)
    assert report.warcs == len(warcs) == report.up_to_date > 0 and report.indexed == 0  # nothing left to backfill
    assert sorted(archive.list_keys(cdxj_prefix(archive.prefix))) == sorted(cdxj_key_for(archive.prefix, k) for k in warcs)
    root = tmp_path / "raw"
    paths = []
    for warc_key in warcs:
        path = root / warc_filename(warc_key, archive.prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            archive.download_to(warc_key, out)
        paths.append(path)
    indexer = Path(sys.executable).with_name("cdxj-indexer")
    for warc_key, path in zip(warcs, paths):
        done = subprocess.run([str(indexer), "--sort", "--records", "response", "--dir-root", str(root), str(path)],
                              capture_output=True, check=True, timeout=60)
        assert archive.get_bytes(cdxj_key_for(archive.prefix, warc_key)) == done.stdout and done.stdout.count(b"\n") > 0
    manifests = [archive.get_json_or_none(k) for k in archive.list_keys(f"{archive.prefix}runs/") if k.endswith("/manifest.json")]
    listed = {o["key"] for m in manifests for o in m["objects"]}
    assert {cdxj_key_for(archive.prefix, k) for k in warcs} <= listed


def test_every_response_record_is_indexed_once_and_each_line_finds_it(indexed):
    archive, _ = indexed
    warcs = warc_keys(archive)
    total = 0
    for warc_key in warcs:
        data = archive.get_bytes(cdxj_key_for(archive.prefix, warc_key))
        lines = lines_of(data)
        assert [f"{u} {t}" for u, t, _ in lines] == sorted(f"{u} {t}" for u, t, _ in lines)  # sorted, as pywb needs
        with archive.spool(warc_key) as spool:
            records = list(read_records(spool))
        assert sorted((r.fetched.url, r.offset) for r in records) == sorted(
            (f["url"], int(f["offset"])) for _, _, f in lines)
        for urlkey, timestamp, fields in lines:
            assert fields["filename"] == warc_filename(warc_key, archive.prefix) and len(timestamp) == 14
            # SURT: host reversed (an IP too), then the path: the key pywb looks a URL up by
            # (SURT sorts a query's parameters: Hanweb's dataproxy.jsp?startrecord=…&endrecord=…)
            path, _, query = fields["url"].split("/", 3)[3].lower().partition("?")
            key_path, _, key_query = urlkey.partition(")/")[2].partition("?")
            assert urlkey.startswith("1,0,0,127:") and key_path == path and fields["digest"].startswith("sha1:")
            assert sorted(key_query.split("&")) == sorted(query.split("&"))
            fetched = read_one(archive.get_range(warc_key, int(fields["offset"]), int(fields["length"])))
            assert fetched.url == fields["url"] and str(fetched.status) == fields["status"]
        total += len(lines)
    assert total == stored_lines(archive) > 0


def test_documents_raw_pointers_are_in_the_index(indexed, loaded):
    archive, _ = indexed
    es = index.client(loaded)
    hits = engine.search(es, loaded.es_alias, "", size=100).hits
    assert len(hits) > 10
    for hit in hits:
        raw = engine.get_document(es, loaded.es_alias, hit.id)["raw"]
        lines = lines_of(archive.get_bytes(cdxj_key_for(archive.prefix, raw["key"])))
        assert (raw["url"], raw["offset"], raw["length"]) in {
            (f["url"], int(f["offset"]), int(f["length"])) for _, _, f in lines}


def test_a_second_run_writes_nothing_and_force_rewrites_the_same_bytes(indexed):
    archive, first = indexed
    again = write_indexes(archive, echo=lambda line: None)
    assert (again.indexed, again.up_to_date) == (0, first.warcs)
    site = archive.list_folders(raw_prefix(archive.prefix))[0]
    before = {k: archive.get_bytes(k) for k in archive.list_keys(cdxj_prefix(archive.prefix) + f"{site}/")}
    forced = write_indexes(archive, site, force=True, echo=lambda line: None)
    assert forced.indexed == forced.warcs > 0 and sorted(forced.keys) == sorted(before)
    assert {k: archive.get_bytes(k) for k in before} == before  # idempotent: same key, same bytes


def test_download_makes_a_pywb_collection(indexed, tmp_path):
    archive, report = indexed
    warcs, lines = download_collection(archive, tmp_path / "govpub", echo=lambda line: None)
    assert (warcs, lines) == (report.warcs, stored_lines(archive))
    merged = (tmp_path / "govpub" / "indexes" / "index.cdxj").read_bytes().splitlines()
    assert merged == sorted(merged) and len(merged) == lines
    for _, _, fields in lines_of(b"\n".join(merged[:5])):
        assert (tmp_path / "govpub" / "archive" / fields["filename"]).is_file()


def test_the_command_line(indexed, loaded, tmp_path):
    import os

    env = {**os.environ, **loaded.to_env(), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "govpub.cli", "cdxj", "--download", str(tmp_path / "c")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0 indexed now" in done.stdout and "already up to date" in done.stdout
    assert (tmp_path / "c" / "indexes" / "index.cdxj").stat().st_size > 0


def test_find_capture_reads_the_index_and_finds_further_pages(indexed, loaded):
    from govpub.schema import doc_id_for

    archive, _ = indexed
    doc = engine.get_document(index.client(loaded), loaded.es_alias,
                              doc_id_for(loaded.sample_site_url + "/longwan/xxgk/jhzj/202301/t20230120_1225517.html"))
    assert len(doc["page_urls"]) == 3
    for url in doc["page_urls"][1:]:
        found = find_capture(archive, doc["raw"]["key"], url)
        assert found["status"] == "200" and read_one(
            archive.get_range(found["key"], found["offset"], found["length"])).url == url
    assert find_capture(archive, doc["raw"]["key"], "http://127.0.0.1:1/never-fetched") is None
