"""`govpub search` flags as a user runs them (the console script in a child process) against the
sample site loaded into the real Elasticsearch (tests/api/conftest.py)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


pytestmark = pytest.mark.services

GOVPUB = str(Path(sys.executable).parent / "govpub")


@pytest.fixture(scope="module")
def run(loaded):
    env = {**os.environ, **loaded.to_env()}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([GOVPUB, "search", *args], capture_output=True, text=True, timeout=120, env=env)

    return run


def test_table_with_filters_and_facets(run):
    result = run('"课后服务"', "--type", "工作要点", "--facets")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "result(s)" in lines[0] and "sorted by relevance" in lines[0]
    assert lines[1].split()[:3] == ["#", "score", "date"]
    assert "工作要点" in lines[2] and "【课后服务】" in result.stdout
    assert "facets (documents/clusters):" in result.stdout and "doc_type: 工作要点" in result.stdout


def test_json_paging_sort_year_and_collapse(run):
    first = json.loads(run("教育", "--json", "--size", "3", "--sort", "date").stdout)
    second = json.loads(run("教育", "--json", "--size", "3", "--page", "2", "--sort", "date").stdout)
    assert first["sort"] == "date" and len(first["hits"]) == 3
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    dates = [h["publish_date"] for h in first["hits"] + second["hits"]]
    assert dates == sorted(dates, reverse=True)
    year = json.loads(run("", "--year", "2024", "--json", "--size", "50").stdout)
    assert year["total"] > 0 and all(h["year"] == 2024 for h in year["hits"])
    collapsed = json.loads(run("教育", "--json", "--size", "100").stdout)  # one copy per cluster by default
    every = json.loads(run("教育", "--all-copies", "--json", "--size", "100").stdout)
    assert collapsed["collapsed"] and collapsed["groups"] == len(collapsed["hits"]) < every["total"] == len(every["hits"])
    assert every["groups"] is None and not every["collapsed"]
    table = run("好学龙青").stdout
    assert "1 clusters" in table and "also published at: fanwen" in table
    assert "[repost of 温州市龙湾区教育局]" in run("好学龙青", "--all-copies").stdout
    site = json.loads(run("", "--site", "jintan-jyj", "--site", "fanwen", "--json", "--size", "100").stdout)
    assert {h["site"] for h in site["hits"]} == {"jintan-jyj", "fanwen"}


def test_export_file_csv_and_jsonl(run, tmp_path):
    total = json.loads(run("教育", "--json").stdout)["total"]
    path = tmp_path / "out.csv"
    result = run("教育", "--all-copies", "--export", str(path))
    assert result.returncode == 0 and f"exported {total} documents as csv" in result.stderr
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == total and all(r["url"] for r in rows)
    jsonl = run("教育", "--type", "通知", "--export", "-", "--format", "jsonl")
    docs = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert docs and all(d["doc_type"] == "通知" for d in docs)


def test_bad_input_is_a_one_line_error(run):
    for args in (["x", "--from", "2024/01/01"], ["year:abc"], ["x", "--size", "500"], ["x", "--page", "0"]):
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("govpub: error:") and result.stderr.strip().count("\n") == 0
