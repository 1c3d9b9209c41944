"""CDXJ of a WARC written by govpub's own writer (govpub.archive.cdxj.index_warc, no services), and
the documented key of each index (indexes/cdxj/ mirrors raw/)."""

from __future__ import annotations

import io
import json

import pytest

from govpub.archive.cdxj import Capture, index_warc, nearest, pad_timestamp, read_captures, url_key, warc_filename
from govpub.archive.keys import cdxj_key_for, raw_key
from govpub.archive.warc import WarcFileWriter
from tests.unit.test_warc import exchange


def test_one_sorted_line_per_response_pointing_at_its_record():
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    written = {
        "http://127.0.0.1:8765/b/2.html": writer.write(exchange("http://127.0.0.1:8765/b/2.html", b"<p>two</p>")),
        "http://127.0.0.1:8765/a/1.html": writer.write(exchange("http://127.0.0.1:8765/a/1.html", b"<p>one</p>")),
        "http://127.0.0.1:8765/gone.html": writer.write(exchange("http://127.0.0.1:8765/gone.html", b"", status=404)),
    }
    buffer.seek(0)
    lines = index_warc(buffer, "site/2026-11-23/run-00000.warc.gz").decode("utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == 3  # request, metadata and warcinfo records are not indexed
    for line in lines:
        urlkey, timestamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        _record_id, offset, length = written[entry["url"]]
        assert (int(entry["offset"]), int(entry["length"])) == (offset, length)
        assert timestamp == "20261123090000" and entry["filename"] == "site/2026-11-23/run-00000.warc.gz"
        assert urlkey == "1,0,0,127:8765)" + entry["url"].split(":8765", 1)[1]
    assert [json.loads(line.split(" ", 2)[2])["status"] for line in lines] == ["200", "200", "404"]


@pytest.mark.parametrize("prefix", ["", "team/a/"])
def test_the_index_key_mirrors_the_warc_key(prefix):
    warc = raw_key(prefix, "longwan-jyj", "2026-11-23", "manual__2026-11-23T09:00:00+00:00", 3)
    assert cdxj_key_for(prefix, warc) == (
        f"{prefix}indexes/cdxj/longwan-jyj/2026-11-23/manual__2026-11-23T09_00_00_00_00-00003.cdxj")
    assert warc_filename(warc, prefix) == "longwan-jyj/2026-11-23/manual__2026-11-23T09_00_00_00_00-00003.warc.gz"
    with pytest.raises(ValueError):
        cdxj_key_for(prefix, f"{prefix}documents/x/y/latest.json")


def test_captures_read_back_by_surt_key_with_the_warc_key():
    buffer = io.BytesIO()
    writer = WarcFileWriter(buffer, software="test")
    writer.write(exchange("http://127.0.0.1:8765/list.jsp?b=2&a=1", b"<p>list</p>"))
    buffer.seek(0)
    found = read_captures(index_warc(buffer, "site/2026-11-23/run-00000.warc.gz"), "team/")
    # the key a link is looked up by: the same SURT whatever the order of its query parameters
    (capture,) = found[url_key("http://127.0.0.1:8765/list.jsp?a=1&b=2")]
    assert capture.key == "team/raw/site/2026-11-23/run-00000.warc.gz" and capture.status == "200"
    assert capture.url == "http://127.0.0.1:8765/list.jsp?b=2&a=1" and capture.timestamp == "20261123090000"


def test_the_nearest_capture_skips_304s_and_prefers_pages():
    def cap(ts, status="200"):
        return Capture(url="u", timestamp=ts, status=status, mime="text/html", key="k", offset=0, length=1)

    early, late, gone, not_modified = cap("20261010090000"), cap("20261123090000"), cap("20261201090000", "404"), \
        cap("20261124090000", "304")
    captures = [early, late, gone, not_modified]
    assert nearest(captures, None) is late  # the latest page: a 404 or a 304 holds none
    assert nearest(captures, pad_timestamp("2026")) is early
    assert nearest(captures, "20261124000000") is late  # not the 304, nearer still
    assert nearest(captures, "20261020000000") is early
    # by time, not by digits: an hour before midnight is nearer to midnight than two hours after
    assert nearest([cap("20261130230000"), cap("20261201020000")], "20261201000000").timestamp == "20261130230000"
    assert nearest([gone, not_modified], None) is gone and nearest([not_modified], None) is None
    assert pad_timestamp("202403") == "20240301000000" and pad_timestamp("20240315093000") == "20240315093000"
    for bad in ("", "24", "2024-03", "202403150930001"):
        with pytest.raises(ValueError):
            pad_timestamp(bad)
