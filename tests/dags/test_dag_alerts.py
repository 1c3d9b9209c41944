"""Monitoring through real Airflow: `airflow dags test govpub_crawl` over a healthy site, a
site whose column yields nothing and a dead site, with the alert webhook (the Airflow
connection `govpub_alerts`) pointing at a real HTTP receiver on 127.0.0.1.

The empty site fails its data-quality check, the dead site fails its crawl: each sends one
alert, the failed run sends one more, the healthy site none; every site's stats record is
in S3 and in the stats index."""

from __future__ import annotations

import json
import shutil

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from govpub.ops.stats import iter_s3_records, stats_alias
from tests.alert_receiver import AlertReceiver
from tests.dags.airflow_cli import airflow_test_env, run_dag_test

pytestmark = [pytest.mark.services, pytest.mark.airflow]

SITES = """
[[site]]
id = "empty-bureau"
name = "改版后的教育局网站（栏目选择器不再匹配）"
agency = "温州市龙湾区教育局"
allowed_domains = ["127.0.0.1"]
start_urls = ["${GOVPUB_SAMPLE_SITE_URL}/longwan/xxgk/jhzj/index.html"]
download_delay = 0
[site.links]
article = "ul.no-such-list li a"
allow = ["^/longwan/xxgk/"]

[[site]]
id = "dead-bureau"
name = "一个已经下线的教育局网站"
agency = "某县教育局"
allowed_domains = ["127.0.0.1"]
start_urls = ["http://127.0.0.1:9/xxgk/index.html"]
download_delay = 0
[site.links]
article = "ul.list a"
"""


@pytest.fixture(scope="module")
def alert_run(module_settings, tmp_path_factory, cleanup):
    registry = tmp_path_factory.mktemp("sites")
    shutil.copy(REPO_ROOT / "sites" / "sample.toml", registry / "sample.toml")
    (registry / "ops.toml").write_text(SITES, encoding="utf-8")
    settings = module_settings.with_overrides(sites_dir=registry)
    cleanup.add_alias(stats_alias(settings))
    with AlertReceiver() as receiver:
        connection = {"conn_type": "http", "host": receiver.url, "extra": {"headers": {"X-Govpub-Token": "t0k"}}}
        env = airflow_test_env(settings, tmp_path_factory.mktemp("airflow"),
                               AIRFLOW_CONN_GOVPUB_ALERTS=json.dumps(connection))
        env.pop("GOVPUB_ALERT_WEBHOOK", None)
        result = run_dag_test(env, conf={"sites": ["longwan-jyj", "empty-bureau", "dead-bureau"]})
    return settings, result, receiver


def test_run_fails_naming_both_sites(alert_run):
    _, result, _ = alert_run
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "empty-bureau: data-quality check failed: empty-bureau yielded no documents" in output
    assert "2 of 3 sites failed: empty-bureau (quality: zero_yield), dead-bureau (failed at crawl)" in output


def test_each_failure_sends_one_alert_to_the_webhook(alert_run):
    _, result, receiver = alert_run
    by_kind = {}
    for payload in receiver.received:
        by_kind.setdefault(payload["kind"], []).append(payload)
    assert sorted(by_kind) == ["dag_failed", "quality", "task_failed"], receiver.received
    (quality,) = by_kind["quality"]
    assert (quality["site"], quality["task_id"], quality["dag_id"]) == ("empty-bureau", "site.check", "govpub_crawl")
    assert quality["issues"][0]["check"] == "zero_yield"
    assert quality["message"].startswith("empty-bureau: data-quality check failed")
    assert quality["log_url"].startswith("http") and "/dags/govpub_crawl/runs/" in quality["log_url"]
    (crawl,) = by_kind["task_failed"]
    assert (crawl["site"], crawl["task_id"]) == ("dead-bureau", "site.crawl")
    assert "no column page could be fetched" in crawl["message"]
    (dag,) = by_kind["dag_failed"]
    assert dag["run_id"] == quality["run_id"] == crawl["run_id"]
    assert dag["message"].startswith(f"DAG govpub_crawl run {dag['run_id']} failed")
    assert not any(p.get("site") == "longwan-jyj" for p in receiver.received)
    assert all(h.get("X-Govpub-Token") == "t0k" for h in receiver.headers)


def test_every_site_has_its_stats_record_in_s3_and_the_stats_index(alert_run, es):
    settings, result, _ = alert_run
    records = {r.site: r for r in iter_s3_records(Archive(settings))}
    assert set(records) == {"longwan-jyj", "empty-bureau", "dead-bureau"}
    healthy = records["longwan-jyj"]
    assert (healthy.outcome, healthy.quality_ok, healthy.documents_parsed, healthy.dag_id) == (
        "completed", True, 16, "govpub_crawl")
    assert (records["dead-bureau"].outcome, records["dead-bureau"].failed_step) == ("failed", "crawl")
    assert index.count(es, stats_alias(settings)) == 3
    output = result.stdout + result.stderr
    assert f"[longwan-jyj] stats run={healthy.run_id} ok: fetched {healthy.pages_fetched} pages" in output
