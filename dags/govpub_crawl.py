"""
### govpub_crawl — crawl → parse → archive → index, one mapped task group per site

The DAG runs daily. A scheduled run crawls the sites whose own `schedule` (registry)
fires within its data interval; a manual run crawls every site, or only the ids given
in the `sites` param. For each site a mapped task group runs four tasks, each retried on failure and each returning its
stats (XCom) and writing them to `s3://…/runs/{run_id}/{site}/`:

1. **crawl** — `scrapy crawl column -a site=ID` in a child process; raw responses → WARC in S3
2. **parse** — WARC → normalised documents (pure function of the archived bytes)
3. **archive** — documents → `documents/{site}/{id}.json` (only new or changed content is written)
4. **index** — archived documents → Elasticsearch (`_id` = document id, so re-runs overwrite)
5. **check** — (runs even when a step failed) the site's stats record → `runs/{run_id}/{site}/stats.json`
   and the stats index; fails, without retrying, on a data-quality problem (no yield, far below
   its usual, parse errors, future dates, empty bodies) or when the site blocked us

`clusters` then recomputes the duplicate clusters over the whole archive (exact + MinHash
near duplicates, `govpub.documents.dedup`) and updates the index; it is the outlet of the archive
Asset, so the export DAG runs after it. Crawls are incremental (conditional requests, no
paging past known articles) except on a periodic full sweep (`full_sweep_days` per site)
or when the `full_sweep` param is true.

Under the CeleryExecutor, crawl tasks go to the `crawl` queue and every other task to
`process` (docs/celery.md); other executors ignore queues.

`reconcile` (after `clusters`, whatever the sites' groups did) compares the whole archive with
the index — one listing, one scroll — and indexes what any earlier run left behind (documents,
deletions, cluster fields), so an Elasticsearch outage longer than the retries heals on the
next run (`govpub.pipeline.converge`; docs/operations.md, "Convergence").

`summarize` logs one table for the run and fails the run when any site failed, so
alerting sees it. A task's final failure and the run's failure send a webhook alert
(`govpub.ops.alerts`; docs/operations.md). All logic lives in `govpub.pipeline`,
`govpub.ops.stats` and `govpub.ops.quality`; this file only wires it: each task calls one
function of `govpub.airflow.tasks`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task, task_group

from govpub.airflow.tasks import (
    CRAWL_QUEUE,
    PROCESS_QUEUE,
    archive_task,
    check_site,
    clusters_task,
    crawl_task,
    index_task,
    reconcile_task,
    parse_task,
    sites_for_run,
    summarize_run,
)
from govpub.ops.alerts import on_dag_failure, on_task_failure
from govpub.airflow.assets import ARCHIVE_DOCUMENTS


@dag(
    dag_id="govpub_crawl",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["govpub", "crawl"],
    doc_md=__doc__,
    # The retry delay comes from Airflow's [core] default_task_retry_delay (deployment config).
    default_args={"retries": 2, "retry_exponential_backoff": True, "on_failure_callback": on_task_failure,
                  "queue": PROCESS_QUEUE},
    on_failure_callback=on_dag_failure,
    params={
        "sites": Param([], type="array", description="Site ids to crawl; empty = every site in the registry"),
        "full_sweep": Param(False, type="boolean", description="Walk every list page even if no sweep is due"),
    },
)
def govpub_crawl():
    @task
    def list_sites(params=None) -> list[str]:
        return sites_for_run(list((params or {}).get("sites") or []))

    @task(map_index_template="{{ site_label }}", queue=CRAWL_QUEUE)
    def crawl(site_id: str, params=None) -> dict:
        full_sweep = True if (params or {}).get("full_sweep") else None  # None: when due
        return crawl_task(site_id, full_sweep)

    @task(map_index_template="{{ site_label }}")
    def parse(crawled: dict) -> dict:
        return parse_task(crawled)

    @task(map_index_template="{{ site_label }}")
    def archive(parsed: dict) -> dict:
        return archive_task(parsed)

    @task(map_index_template="{{ site_label }}")
    def index(archived: dict) -> dict:
        return index_task(archived)

    @task(map_index_template="{{ site_label }}", trigger_rule="all_done")
    def check(site_id: str) -> dict:
        return check_site(site_id)

    @task_group
    def site(site_id: str):
        index(archive(parse(crawl(site_id)))) >> check(site_id)

    # Its failure only restates the sites' own failures (already alerted); the DAG callback reports the run.
    @task(trigger_rule="all_done", retries=0, on_failure_callback=None)
    def summarize(site_ids: list[str]) -> list[dict]:
        return summarize_run(site_ids)

    @task(trigger_rule="all_done", outlets=[ARCHIVE_DOCUMENTS])
    def clusters() -> dict:
        return clusters_task()

    @task(trigger_rule="all_done")
    def reconcile() -> dict:
        return reconcile_task()

    site_ids = list_sites()
    groups = site.expand(site_id=site_ids)
    clustered = clusters()
    groups >> [summarize(site_ids), clustered]
    clustered >> reconcile()


govpub_crawl()
