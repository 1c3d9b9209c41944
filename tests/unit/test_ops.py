"""Operations, pure parts: quality thresholds and checks, stats records, health rules, the HTML report."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from govpub.ops import quality
from govpub.settings import REPO_ROOT
from govpub.ops.report import render_report, yield_chart
from govpub.schema import SiteStats
from govpub.registry import QUALITY_DEFAULTS, QualityThresholds, SiteConfigError, load_sites, quality_from
from govpub.ops.stats import build_record, load_stats_mapping, stats_alias, summary_line
from govpub.ops.health import all_statuses, format_status, site_health

SCHEMA = json.loads((REPO_ROOT / "schemas" / "site-stats.schema.json").read_text(encoding="utf-8"))

SITE = """
[[site]]
id = "demo-jyj"
name = "示例教育局"
agency = "示例市教育局"
allowed_domains = ["example.gov.cn"]
start_urls = ["http://www.example.gov.cn/xxgk/index.html"]
[site.links]
article = "ul.list a"
"""


def registry(tmp_path: Path, quality_table: str = "") -> Path:
    (tmp_path / "s.toml").write_text(SITE + quality_table, encoding="utf-8")
    return tmp_path


# -- thresholds -----------------------------------------------------------------------------
def test_defaults_env_and_site_table_in_that_order(tmp_path):
    site = load_sites(registry(tmp_path), environ={})["demo-jyj"]
    assert site.quality == QUALITY_DEFAULTS
    env = {"GOVPUB_QUALITY_MIN_RATIO": "0.25", "GOVPUB_QUALITY_MAX_EMPTY_BODIES": "3"}
    site = load_sites(tmp_path, environ=env)["demo-jyj"]
    assert (site.quality.min_ratio, site.quality.max_empty_bodies) == (0.25, 3)
    registry(tmp_path, "[site.quality]\nmin_ratio = 0.8\nenabled = false\n")
    site = load_sites(tmp_path, environ=env)["demo-jyj"]
    assert (site.quality.min_ratio, site.quality.max_empty_bodies, site.quality.enabled) == (0.8, 3, False)


@pytest.mark.parametrize(
    "table, message",
    [
        ("min_ratio = 1.5", "quality.min_ratio must be between 0 and 1"),
        ("min_documents = -1", "quality.min_documents must be >= 0"),
        ("history_runs = 0", "quality.history_runs must be >= 1"),
        ('max_future_dated = "two"', "quality.max_future_dated must be a int"),
        ("min_documents = 1.5", "quality.min_documents must be a int"),
        ("enabled = 1", "quality.enabled must be true/false"),
        ("min_docs = 3", "unknown quality settings \\['min_docs'\\]"),
    ],
)
def test_bad_quality_settings_name_file_site_and_field(tmp_path, table, message):
    with pytest.raises(SiteConfigError, match=r"s\.toml site #1 \(demo-jyj\).*" + message):
        load_sites(registry(tmp_path, "[site.quality]\n" + table + "\n"), environ={})


def test_bad_quality_env_names_the_variable():
    with pytest.raises(SiteConfigError, match="GOVPUB_QUALITY_MIN_RATIO must be a float"):
        quality_from(None, "x", environ={"GOVPUB_QUALITY_MIN_RATIO": "lots"})


# -- checks ---------------------------------------------------------------------------------
def run_checks(**overrides):
    values = dict(site="s", documents=10, articles=10, parse_errors=0, future_dated=0, empty_bodies=0, usual=None,
                  thresholds=QUALITY_DEFAULTS)
    values.update(overrides)
    return [i.check for i in quality.check_run(**values)]


def test_a_normal_run_passes():
    assert run_checks() == []
    assert run_checks(usual=12.0) == []


def test_each_check_fires_at_its_threshold():
    assert run_checks(documents=0, articles=0) == [quality.ZERO_YIELD]
    assert run_checks(documents=4, usual=10.0) == [quality.LOW_YIELD]  # 4 < 0.5 × 10
    assert run_checks(documents=5, usual=10.0) == []  # 5 is not below 0.5 × 10
    assert run_checks(parse_errors=3, articles=10) == [quality.PARSE_ERROR_RATE]  # 30 % > 20 %
    assert run_checks(parse_errors=2, articles=10) == []
    assert run_checks(future_dated=1) == [quality.FUTURE_DATES]
    assert run_checks(empty_bodies=1) == [quality.EMPTY_BODIES]
    relaxed = dataclasses.replace(QUALITY_DEFAULTS, max_empty_bodies=2, enabled=True)
    assert run_checks(empty_bodies=2, thresholds=relaxed) == []
    assert run_checks(documents=0, thresholds=dataclasses.replace(QUALITY_DEFAULTS, enabled=False)) == []


def test_messages_are_clear():
    (issue,) = quality.check_run(site="longwan-jyj", documents=2, articles=2, parse_errors=0, future_dated=0,
                                 empty_bodies=0, usual=16.0, thresholds=QUALITY_DEFAULTS)
    assert issue.message == ("longwan-jyj yielded 2 documents, far below its usual 16 "
                             "(threshold 0.5 × median of recent runs)")
    failure = quality.QualityCheckFailed("longwan-jyj", [issue])
    assert str(failure).startswith("longwan-jyj: data-quality check failed: longwan-jyj yielded 2")


def test_usual_yield_is_the_median_of_recent_runs_once_there_are_enough():
    t = QualityThresholds(history_runs=3, min_history=3)
    assert quality.usual_yield([10, 12], t) is None
    assert quality.usual_yield([10, 0, 12, 500, 500], t) == 10.0  # only the 3 newest; an outlier does not move it


def test_future_dates_and_empty_bodies_are_counted():
    dates = ["2026-11-23", "2026-11-24", "2026-11-25", None, "2030-01-01"]
    assert quality.count_future_dated(dates, "2026-11-23", grace_days=1) == 2
    assert quality.count_empty_bodies(["正文", "", "  \n", None]) == 3


# -- records --------------------------------------------------------------------------------
CRAWL = {"site": "s", "run_id": "r", "crawl_date": "2026-11-23", "pages_fetched": 12, "bytes_fetched": 5000,
         "articles_found": 9, "seconds": 4.5, "records": [{"kind": "list", "status": 200}],
         "errors": [{"kind": "http:404", "url": "u1", "message": "HTTP 404"},
                    {"kind": "blocked:waf-challenge", "url": "u2", "message": "challenge page"}]}
PARSE = {"articles_found": 9, "documents_parsed": 8, "seconds": 1.0,
         "errors": [{"kind": "parse", "url": "u3", "message": "no body"}]}
ARCHIVE = {"documents_written": 3, "documents_unchanged": 5, "seconds": 0.5}
INDEX = {"documents_indexed": 8, "errors": [], "seconds": 0.25}


def test_record_from_step_manifests():
    record = build_record(site="demo", run_id="r", steps={"crawl": CRAWL, "parse": PARSE, "archive": ARCHIVE,
                                                       "index": INDEX},
                          publish_dates=["2026-11-01", "2027-01-01"], bodies=["a", ""], dag_id="govpub_crawl")
    assert record.outcome == "completed" and record.failed_step is None
    assert (record.pages_fetched, record.documents_parsed, record.documents_written) == (12, 8, 3)
    assert record.documents_new is None and record.documents_deleted is None  # the archive step does not say
    assert record.errors_by_kind == [{"kind": "blocked:waf-challenge", "count": 1}, {"kind": "http:404", "count": 1},
                                     {"kind": "parse", "count": 1}]
    assert (record.errors_total, record.blocked_pages, record.parse_errors) == (3, 1, 1)
    assert (record.future_dated, record.empty_bodies) == (1, 1)
    assert record.duration_seconds == 6.25 and record.step_seconds["crawl"] == 4.5
    assert {i["check"] for i in record.quality_issues} == {"blocked", "future_dates", "empty_bodies"}
    jsonschema.validate(record.to_dict(), SCHEMA)
    assert "BLOCKED on 1 pages" in summary_line(record)


def test_new_changed_deleted_are_taken_from_the_archive_step_when_it_counts_them():
    archive = {**ARCHIVE, "documents_new": 1, "documents_changed": 2, "documents_deleted": 4}
    record = build_record(site="demo", run_id="r", steps={"crawl": CRAWL, "parse": PARSE, "archive": archive,
                                                       "index": INDEX})
    assert (record.documents_new, record.documents_changed, record.documents_deleted) == (1, 2, 4)
    assert "1 new, 2 changed, 5 unchanged, 4 deleted" in summary_line(record)
    jsonschema.validate(record.to_dict(), SCHEMA)


def test_a_failed_step_is_recorded_not_judged():
    dead = {**CRAWL, "records": [], "errors": [{"kind": "fetch:ConnectionRefusedError", "url": "u", "message": "x"}]}
    record = build_record(site="demo", run_id="r", steps={"crawl": dead, "parse": None, "archive": None, "index": None})
    assert (record.outcome, record.failed_step, record.quality_issues) == ("failed", "crawl", [])
    record = build_record(site="demo", run_id="r", steps={"crawl": None, "parse": None, "archive": None, "index": None})
    assert (record.outcome, record.failed_step) == ("failed", "crawl")
    record = build_record(site="demo", run_id="r", steps={"crawl": CRAWL, "parse": PARSE, "archive": ARCHIVE,
                                                       "index": None})
    assert record.failed_step == "index"
    jsonschema.validate(record.to_dict(), SCHEMA)


def test_schema_dataclass_and_mapping_describe_the_same_record():
    names = {f.name for f in dataclasses.fields(SiteStats)}
    mapping = load_stats_mapping()
    assert set(mapping["mappings"]["properties"]) == names
    assert set(SCHEMA["properties"]) == names
    assert mapping["mappings"]["dynamic"] == "strict"
    assert mapping["_meta"]["schema_version"] == SiteStats(site="x").schema_version == SCHEMA["properties"][
        "schema_version"]["const"]


def test_stats_alias_follows_the_documents_alias(monkeypatch):
    from govpub.settings import Settings

    monkeypatch.delenv("GOVPUB_ES_STATS_ALIAS", raising=False)
    settings = Settings.from_env()
    assert stats_alias(settings.with_overrides(es_alias="govpub-documents")) == "govpub-stats"
    assert stats_alias(settings.with_overrides(es_alias="govpub-test-ab12")) == "govpub-test-ab12-stats"


# -- health ---------------------------------------------------------------------------------
def rec(run: str, docs: int = 9, **kw) -> SiteStats:
    return SiteStats(site="s", run_id=run, recorded_at=f"2026-11-{run[-2:]}T00:00:00Z", documents_parsed=docs, documents_seen=docs, **kw)


ZERO = [{"check": "zero_yield", "message": "s yielded no documents", "value": 0, "threshold": 1}]
EMPTY = [{"check": "empty_bodies", "message": "s: 2 documents have an empty body", "value": 2, "threshold": 0}]
INCOMPLETE = [{"check": "incomplete", "message": "s: column incomplete — trap at http://x/cal/2024-02.html: …",
               "value": 1, "threshold": 0}]


@pytest.mark.parametrize(
    "records, health, reason",
    [
        ([], "never-run", None),
        ([rec("r03"), rec("r02")], "ok", None),
        ([rec("r03", 0, quality_issues=ZERO, quality_ok=False), rec("r02")], "broken", "yielded no documents"),
        ([rec("r03", 0, outcome="failed", failed_step="crawl"), rec("r02", 0, outcome="failed", failed_step="crawl")],
         "broken", "last run failed at crawl (2 failing runs in a row)"),
        ([rec("r03", 0, outcome="failed", failed_step="crawl", blocked_pages=3,
              errors_by_kind=[{"kind": "blocked:waf-challenge", "count": 3}]), rec("r02", blocked_pages=1)],
         "blocked", "last run blocked on 3 responses (blocked:waf-challenge)"),
        ([rec("r03", quality_issues=EMPTY, quality_ok=False)], "degraded", "empty body"),
        ([rec("r03", quality_issues=INCOMPLETE + EMPTY, quality_ok=False)], "incomplete", "column incomplete — trap"),
        ([rec("r03"), rec("r02", 0, outcome="failed", failed_step="parse")], "degraded", "recovering: run r02"),
        ([rec("r03"), rec("r02"), rec("r01", 0, outcome="failed", failed_step="parse")], "ok", None),
    ],
)
def test_health_rules(records, health, reason):
    status = site_health("s", records)
    assert status.health == health
    if reason:
        assert any(reason in r for r in status.reasons), status.reasons


def test_blocked_is_tracked_over_time():
    records = [rec(f"r0{i}", blocked_pages=1, errors_by_kind=[{"kind": "blocked:ua", "count": 1}]) for i in (3, 2, 1)]
    status = site_health("s", records)
    assert status.health == "blocked" and status.blocked_runs == 3
    assert "blocked in 3 of the last 3 runs" in status.reasons


def test_status_table_flags_broken_sites_and_lists_never_run_ones():
    statuses = all_statuses(["a-site", "b-site"], {"a-site": [dataclasses.replace(
        rec("r03", 0, quality_issues=ZERO, quality_ok=False), site="a-site")], "gone": [rec("r01")]})
    assert [(s.site, s.health) for s in statuses] == [("a-site", "broken"), ("b-site", "never-run"), ("gone", "ok")]
    text = format_status(statuses, note="Elasticsearch not reachable")
    assert text.splitlines()[0] == "note: Elasticsearch not reachable"
    assert any(line.startswith("! a-site") for line in text.splitlines())
    assert "gone (ok): not in the site registry any more" not in text  # ok sites are not flagged
    assert text.splitlines()[-1] == "1 ok, 1 broken, 1 never-run"


# -- report ---------------------------------------------------------------------------------
def test_chart_plots_one_marker_per_run_in_time_order():
    records = [rec("r02", 8), rec("r01", 4), rec("r03", 0, outcome="failed", failed_step="crawl")]
    svg = ET.fromstring(yield_chart("s", records))
    ns = {"s": "http://www.w3.org/2000/svg"}
    circles = svg.findall("s:circle", ns)
    assert [c.get("class") for c in circles] == ["run ok", "run ok", "run failed"]
    ys = [float(c.get("cy")) for c in circles]
    assert ys[1] < ys[0] < ys[2]  # 8 documents highest, 0 on the axis
    assert len(svg.find("s:polyline", ns).get("points").split()) == 3


def test_report_escapes_and_is_self_contained():
    statuses = all_statuses(["s"], {"s": [rec("r01", 3, quality_issues=[{**ZERO[0], "message": "<script>x</script>"}],
                                              quality_ok=False)]})
    page = render_report(statuses, {"s": [rec("r01", 3)]}, note="<b>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "src=" not in page and "href=" not in page  # nothing to fetch


# -- alert payloads -------------------------------------------------------------------------
def _raised(issues):
    failure = quality.QualityCheckFailed("demo-jyj", issues)
    try:
        raise RuntimeError(str(failure)) from failure  # as the check task raises AirflowFailException
    except RuntimeError as exc:
        return exc


def test_payload_kind_follows_the_failure():
    from types import SimpleNamespace

    from govpub.ops.alerts import payload_from_context

    ti = SimpleNamespace(dag_id="govpub_crawl", run_id="r1", task_id="site.check", map_index=2, try_number=1,
                         log_url="http://airflow/dags/govpub_crawl/runs/r1/tasks/site.check/mapped/2")
    zero = quality.Issue(quality.ZERO_YIELD, "demo-jyj yielded no documents", 0, 1)
    blocked = quality.blocked_issue("demo-jyj", 3, ["blocked:waf-challenge"])
    payload = payload_from_context({"ti": ti, "exception": _raised([zero]), "site_label": "demo-jyj"})
    assert (payload["kind"], payload["site"], payload["map_index"]) == ("quality", "demo-jyj", 2)
    assert payload["issues"] == [zero.to_dict()] and payload["log_url"] == ti.log_url
    assert payload_from_context({"ti": ti, "exception": _raised([blocked, zero])})["kind"] == "blocked"
    crawl = payload_from_context({"ti": ti, "exception": RuntimeError("demo-jyj: no column page could be fetched")})
    assert (crawl["kind"], crawl["issues"]) == ("task_failed", [])
    json.dumps(payload)  # what goes over the wire


# -- incomplete columns ---------------------------------------------------------------------
def test_a_column_stopped_by_a_trap_or_bound_is_an_incomplete_issue_whatever_the_thresholds():
    from govpub.ops.quality import incomplete_issue

    stop = {"kind": "budget", "url": "http://x/list_50.html", "message": "stopped at links.max_list_pages=50"}
    issue = incomplete_issue("s", {"column_status": "incomplete", "walk_stops": [stop]})
    assert issue is not None and issue.check == "incomplete" and issue.value == 1
    assert "budget at http://x/list_50.html: stopped at links.max_list_pages=50" in issue.message
    assert incomplete_issue("s", {"column_status": "complete", "walk_stops": []}) is None
    assert incomplete_issue("s", {"column_status": "stopped_at_known", "walk_stops": []}) is None  # incremental
