"""Stats records, `govpub status` and `govpub report` on real runs: the pipeline crawls the
sample site over HTTP into real S3 and Elasticsearch, and each run's record is checked,
judged and charted. Sites (all on the sample longwan column):

- ops-full:  two full runs, then a run whose config reaches only the first list page
             (far below its usual → broken);
- ops-empty: an article selector that matches nothing (a changed layout: yields nothing);
- ops-dead:  nothing listens on its port (the crawl fails);
- ops-never: in the registry, never run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from govpub import cli, index
from govpub.archive import Archive, run_key
from govpub.settings import REPO_ROOT
from govpub.crawl.runner import CrawlFailed
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_site
from govpub.ops.stats import record_site_run, stats_alias, stats_doc_id

pytestmark = pytest.mark.services

SCHEMA = json.loads((REPO_ROOT / "schemas" / "site-stats.schema.json").read_text(encoding="utf-8"))
LONGWAN = 16  # articles of the sample longwan column (sample_site/manifest.json)

ENTRY = """
[[site]]
id = "{id}"
name = "测试 {id}"
agency = "温州市龙湾区教育局"
allowed_domains = ["127.0.0.1"]
start_urls = ["{base}{path}"]
download_delay = 0
concurrency = 4
[site.links]
article = "{article}"
next_page = "a.next"
article_next = "a.next-page"
allow = ["^/longwan/xxgk/"]
max_list_pages = {pages}
[site.quality]
min_history = 1  # run 01 is the only full sweep before run 03 (run 02 is incremental)
"""


def write_registry(path, base: str, full_pages: int):
    column = "/longwan/xxgk/jhzj/index.html"
    entries = [
        ENTRY.format(id="ops-full", base=base, path=column, article="ul.list li a", pages=full_pages),
        ENTRY.format(id="ops-empty", base=base, path=column, article="ul.no-such-list a", pages=20),
        ENTRY.format(id="ops-dead", base="http://127.0.0.1:9", path=column, article="ul.list li a", pages=20),
        ENTRY.format(id="ops-never", base=base, path=column, article="ul.list li a", pages=20),
    ]
    path.mkdir(parents=True, exist_ok=True)
    (path / "ops.toml").write_text("".join(entries), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def settings(module_settings, tmp_path_factory, cleanup):
    root = tmp_path_factory.mktemp("registry")
    s = module_settings.with_overrides(sites_dir=write_registry(root / "full", module_settings.sample_site_url, 20))
    cleanup.add_alias(stats_alias(s))
    return s


@pytest.fixture(scope="module")
def runs(settings, tmp_path_factory, es):
    quiet = lambda line: None  # noqa: E731
    out = {}
    out["r1"] = run_site(RunContext(settings, echo=quiet), "ops-full", "ops-run-01")
    out["r2"] = run_site(RunContext(settings, echo=quiet), "ops-full", "ops-run-02")
    shrunk = settings.with_overrides(
        sites_dir=write_registry(tmp_path_factory.mktemp("registry") / "one-page", settings.sample_site_url, 1)
    )
    out["r3"] = run_site(RunContext(shrunk, echo=quiet), "ops-full", "ops-run-03", full_sweep=True)
    out["empty"] = run_site(RunContext(settings, echo=quiet), "ops-empty", "ops-run-03")
    with pytest.raises(CrawlFailed):
        run_site(RunContext(settings, echo=quiet), "ops-dead", "ops-run-03")
    out["dead"] = record_site_run(settings, "ops-dead", "ops-run-03", echo=quiet)
    return out


def s3_record(settings, run_id: str, site: str) -> dict:
    archive = Archive(settings)
    return archive.get_json_or_none(run_key(archive.prefix, run_id, site, "stats.json"))


def test_each_run_stores_a_valid_record_with_the_runs_counts(settings, runs):
    archive = Archive(settings)
    for run_id in ("ops-run-01", "ops-run-02"):
        record = s3_record(settings, run_id, "ops-full")
        jsonschema.validate(record, SCHEMA)
        crawl = archive.get_json_or_none(run_key(archive.prefix, run_id, "ops-full", "crawl.json"))
        assert (record["pages_fetched"], record["bytes_fetched"]) == (crawl["pages_fetched"], crawl["bytes_fetched"])
    full, incremental = (s3_record(settings, r, "ops-full") for r in ("ops-run-01", "ops-run-02"))
    assert full["full_sweep"] and full["documents_parsed"] == full["documents_seen"] == full["documents_indexed"] == LONGWAN
    # run 02 is incremental: it stops paging at the first list page of known articles, which
    # answer 304 (seen, not re-parsed), and its yield is not judged against the full sweep's
    assert not incremental["full_sweep"] and incremental["usual_yield"] is None
    assert 0 < incremental["documents_seen"] == incremental["documents_not_modified"] < LONGWAN
    assert incremental["documents_parsed"] == 0 and incremental["quality_ok"]
    for record in (full, incremental):
        assert record["outcome"] == "completed" and record["quality_ok"], record["quality_issues"]
        assert set(record["step_seconds"]) == {"crawl", "parse", "archive", "index"}
        assert record["duration_seconds"] > 0
    assert full["documents_written"] == LONGWAN
    assert incremental["documents_unchanged"] == incremental["documents_not_modified"]


def test_a_yield_far_below_usual_fails_quality(settings, runs):
    record = s3_record(settings, "ops-run-03", "ops-full")
    assert record["usual_yield"] == LONGWAN
    # links.max_list_pages = 1 cut the column short: reported as well, never silent
    assert [i["check"] for i in record["quality_issues"]] == ["below_usual", "incomplete"]
    assert "budget at " in record["quality_issues"][1]["message"]
    assert record["documents_seen"] < LONGWAN / 2
    assert runs["r3"].quality_issues[0]["message"].startswith(
        f"ops-full yielded {record['documents_seen']} documents, far below its usual 16")


def test_a_site_yielding_nothing_and_a_dead_site_are_recorded(settings, runs):
    empty = s3_record(settings, "ops-run-03", "ops-empty")
    assert empty["outcome"] == "completed" and empty["pages_fetched"] >= 1 and empty["documents_parsed"] == 0
    # its first list page links a next page but no article: the walk stops there, and says so
    assert [i["check"] for i in empty["quality_issues"]] == ["zero_yield", "incomplete"]
    dead = s3_record(settings, "ops-run-03", "ops-dead")
    assert (dead["outcome"], dead["failed_step"]) == ("failed", "crawl")
    assert any(e["kind"] in {"refused", "reset", "timeout", "dns"} for e in dead["errors_by_kind"])
    for record in (empty, dead):
        jsonschema.validate(record, SCHEMA)


def test_stats_index_holds_one_document_per_site_and_run_and_reruns_overwrite(settings, runs, es):
    alias = stats_alias(settings)
    assert index.count(es, alias) == 5
    doc = es.get(index=alias, id=stats_doc_id("ops-full", "ops-run-02"))["_source"]
    assert doc == s3_record(settings, "ops-run-02", "ops-full")
    record_site_run(settings, "ops-full", "ops-run-02", echo=lambda line: None)  # the check task retried
    assert index.count(es, alias) == 5


def _cli(settings, monkeypatch, capsys, *argv) -> tuple[int, str]:
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def test_status_reports_health_per_site_and_flags_the_broken_ones(settings, runs, monkeypatch, capsys):
    code, out = _cli(settings, monkeypatch, capsys, "status", "--json")
    assert code == 1  # some sites need attention
    sites = {s["site"]: s for s in json.loads(out)["sites"]}
    assert {k: v["health"] for k, v in sites.items()} == {
        "ops-full": "broken", "ops-empty": "broken", "ops-dead": "broken", "ops-never": "never-run"}
    assert sites["ops-full"]["last"]["run_id"] == "ops-run-03" and sites["ops-full"]["runs_seen"] == 3
    assert "last run failed at crawl" in sites["ops-dead"]["reasons"]
    code, out = _cli(settings, monkeypatch, capsys, "status")
    flagged = [line.split()[1] for line in out.splitlines() if line.startswith("! ")]
    assert flagged[:3] == ["ops-dead", "ops-empty", "ops-full"]
    assert "ops-empty (broken): ops-empty yielded no documents" in out


def test_status_falls_back_to_s3_when_elasticsearch_is_down(settings, runs, monkeypatch, capsys):
    _, from_es = _cli(settings, monkeypatch, capsys, "status", "--json")
    dead_es = settings.with_overrides(es_url="http://127.0.0.1:1")
    _, from_s3 = _cli(dead_es, monkeypatch, capsys, "status", "--json")
    note = json.loads(from_s3)["note"]
    assert "Elasticsearch not reachable at http://127.0.0.1:1" in note and "runs/ instead" in note
    assert json.loads(from_s3)["sites"] == json.loads(from_es)["sites"]


def test_status_reindex_rebuilds_the_stats_index_from_s3(settings, runs, es, monkeypatch, capsys):
    alias = stats_alias(settings)
    index.delete_alias_and_indices(es, alias)
    _cli(settings, monkeypatch, capsys, "status", "--reindex")
    assert index.count(es, alias) == 5


def test_report_charts_the_real_runs(settings, runs, monkeypatch, capsys, tmp_path):
    out_file = tmp_path / "report.html"
    code, out = _cli(settings, monkeypatch, capsys, "report", "--out", str(out_file))
    assert code == 0 and "4 sites, 5 runs" in out
    page = out_file.read_text(encoding="utf-8")
    svgs = {}
    for chunk in page.split("<svg")[1:]:
        svg = ET.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
        svgs[svg.get("data-site") or svg.get("aria-label").split(":")[0]] = svg
    ns = {"s": "http://www.w3.org/2000/svg"}
    full = svgs["ops-full"].findall("s:circle", ns)
    assert [c.get("class") for c in full] == ["run ok", "run ok", "run quality"]
    assert float(full[2].get("cy")) > float(full[0].get("cy"))  # the shrunk run plots lower than the full one
    assert [c.get("class") for c in svgs["ops-dead"].findall("s:circle", ns)] == ["run failed"]
    assert "no runs recorded" in page  # ops-never


def test_recording_with_elasticsearch_down_still_lands_in_s3(settings, runs, es):
    """Last in this module: it re-records ops-run-03 while the stats index cannot be reached."""
    lines: list[str] = []
    before = es.get(index=stats_alias(settings), id=stats_doc_id("ops-full", "ops-run-03"))["_source"]
    dead_es = settings.with_overrides(es_url="http://127.0.0.1:1")
    record = record_site_run(dead_es, "ops-full", "ops-run-03", echo=lines.append)
    assert any("stats index unavailable" in line and "reading history from S3" in line for line in lines)
    # history from the S3 records: the full sweep 01 only (not 03 itself, not the incremental 02)
    assert record.usual_yield == LONGWAN and [i["check"] for i in record.quality_issues] == ["below_usual", "incomplete"]
    assert s3_record(settings, "ops-run-03", "ops-full")["usual_yield"] == record.usual_yield
    assert record.recorded_at == before["recorded_at"]  # a re-run keeps its place in the history
