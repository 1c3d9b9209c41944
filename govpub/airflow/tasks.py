"""Glue between Airflow and govpub.pipeline: settings, one task function per DAG task, run summary.

Each task builds one `RunContext` (one S3 client, one Elasticsearch client) and returns its
step's result as a dict (the XCom); the next task turns that dict back into the result.
Imported by the DAG files at parse time, so it must stay cheap: Airflow and the pipeline are
imported inside functions, and nothing here does I/O at import.
"""

from __future__ import annotations

import logging

from govpub.ops.airflow_connections import airflow_connection, connection_url
from govpub.settings import Settings

log = logging.getLogger("govpub.airflow")

S3_CONN_ID = "govpub_s3"
ES_CONN_ID = "govpub_es"

# Celery queues (CeleryExecutor; LocalExecutor and `airflow dags test` ignore them): crawls are
# I/O-bound and wait on politeness delays, so they get workers of their own, apart from the
# CPU-bound parse/archive/index tasks.
CRAWL_QUEUE = "crawl"
PROCESS_QUEUE = "process"


def task_settings() -> Settings:
    """Settings from the environment, overridden by the Airflow connections when they exist.

    `govpub_s3` (type aws): login/password = access key/secret, extra {"endpoint_url", "bucket"}.
    `govpub_es` (type http/elasticsearch): host (URL), login/password for basic auth.
    """
    settings = Settings.from_env()
    s3 = airflow_connection(S3_CONN_ID)
    if s3 is not None:
        extra = s3.extra_dejson or {}
        settings = settings.with_overrides(
            s3_access_key=s3.login or settings.s3_access_key,
            s3_secret_key=s3.password or settings.s3_secret_key,
            s3_endpoint=extra.get("endpoint_url", settings.s3_endpoint),
            s3_bucket=extra.get("bucket", settings.s3_bucket),
        )
    es = airflow_connection(ES_CONN_ID)
    if es is not None:
        settings = settings.with_overrides(
            es_url=connection_url(es, default_port=9200),
            es_username=es.login or None,
            es_password=es.password or None,
        )
    return settings


def sites_for_run(wanted: list[str]) -> list[str]:
    """Site ids this DAG run crawls.

    `params.sites` when given; else, for a scheduled run, the sites whose own schedule fires
    within the run's data interval; for a manual run (UI trigger, `airflow dags test`), all.
    """
    from airflow.sdk import get_current_context

    from govpub.registry import is_due, load_sites

    known = load_sites(task_settings().sites_dir)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"unknown site ids in params.sites: {unknown} (known: {sorted(known)})")
    if wanted:
        return wanted
    context = get_current_context()
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if context["dag_run"].run_type != "scheduled" or not start or not end or start >= end:
        return sorted(known)
    due = sorted(site_id for site_id, site in known.items() if is_due(site, start, end))
    log.info("%d of %d sites are due in [%s, %s): %s", len(due), len(known), start, end, ", ".join(due))
    return due


def label_map_index(site_id: str) -> None:
    """Name a mapped task instance after its site in the UI (map_index_template="{{ site_label }}")."""
    from airflow.sdk import get_current_context

    get_current_context()["site_label"] = site_id


def dag_run_id_and_date() -> tuple[str, str]:
    """(run_id, crawl date YYYY-MM-DD) of the current DAG run."""
    from airflow.sdk import get_current_context

    context = get_current_context()
    dag_run = context["dag_run"]
    when = context.get("logical_date") or dag_run.run_after
    return dag_run.run_id, when.strftime("%Y-%m-%d")


def _new_run_context():
    from govpub.pipeline.context import RunContext

    return RunContext(task_settings())


def crawl_task(site_id: str, full_sweep: bool | None) -> dict:
    """The per-site `crawl` task (`full_sweep` None: when due)."""
    from govpub.pipeline.crawl_step import crawl_site

    label_map_index(site_id)
    run_id, crawl_date = dag_run_id_and_date()
    return crawl_site(_new_run_context(), site_id, run_id, crawl_date, full_sweep=full_sweep).to_dict()


def parse_task(crawled: dict) -> dict:
    from govpub.pipeline.results import CrawlResult
    from govpub.pipeline.steps import parse_site

    label_map_index(crawled["site"])
    return parse_site(_new_run_context(), CrawlResult.from_dict(crawled)).to_dict()


def archive_task(parsed: dict) -> dict:
    from govpub.pipeline.results import ParseResult
    from govpub.pipeline.steps import archive_site

    label_map_index(parsed["site"])
    return archive_site(_new_run_context(), ParseResult.from_dict(parsed)).to_dict()


def index_task(archived: dict) -> dict:
    from govpub.pipeline.results import ArchiveResult
    from govpub.pipeline.steps import index_site

    label_map_index(archived["site"])
    return index_site(_new_run_context(), ArchiveResult.from_dict(archived)).to_dict()


def clusters_task() -> dict:
    from govpub.pipeline.clusters import update_clusters

    return update_clusters(_new_run_context()).to_dict()


def reconcile_task() -> dict:
    """The run's last task: bring the whole index to the archive (govpub.pipeline.converge.reconcile)."""
    from govpub.pipeline.converge import reconcile

    return reconcile(_new_run_context()).to_dict()


def check_site(site_id: str) -> dict:
    """The per-site `check` task: record the run's stats (S3 + stats index) and fail, without
    retrying, when a data-quality check fails or the site blocked us (govpub.ops.stats, govpub.ops.quality)."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from govpub.ops.quality import Issue, QualityCheckFailed
    from govpub.ops.stats import record_site_run

    label_map_index(site_id)
    run_id, run_date = dag_run_id_and_date()
    dag_id = get_current_context()["dag_run"].dag_id
    record = record_site_run(task_settings(), site_id, run_id, run_date=run_date, dag_id=dag_id)
    if record.quality_issues:
        failure = QualityCheckFailed(site_id, [Issue(**i) for i in record.quality_issues])
        raise AirflowFailException(str(failure)) from failure  # deterministic: retrying cannot help
    return record.to_dict()


def summarize_run(site_ids: list[str]) -> list[dict]:
    """Collect every site's step stats from the run manifests in S3; fail if a site failed."""
    from govpub.archive import Archive, run_key, stats_key
    from govpub.archive.manifests import STEPS
    from govpub.pipeline.results import ArchiveResult, CrawlResult, IndexResult, ParseResult
    from govpub.pipeline.run import format_summary, summarize_site

    run_id, _ = dag_run_id_and_date()
    archive = Archive(task_settings())
    rows, failed = [], []
    for site_id in site_ids:
        steps = {step: archive.get_json_or_none(run_key(archive.prefix, run_id, site_id, f"{step}.json"))
                 for step in STEPS}
        missing = [step for step, value in steps.items() if value is None]
        record = archive.get_json_or_none(stats_key(archive.prefix, run_id, site_id))
        if missing:
            step = (record or {}).get("failed_step")
            failed.append(f"{site_id} (failed at {step})" if step else f"{site_id} (no {missing[0]} result)")
            continue
        rows.append(summarize_site(
            CrawlResult.from_record(steps["crawl"]), ParseResult.from_dict(steps["parse"]),
            ArchiveResult.from_record(steps["archive"], run_key(archive.prefix, run_id, site_id, "archive.json")),
            IndexResult.from_dict(steps["index"]),
        ))
        if record and record.get("quality_issues"):  # failed data-quality checks
            failed.append(f"{site_id} (quality: {', '.join(i['check'] for i in record['quality_issues'])})")
    log.info("run %s", run_id)
    for line in format_summary(rows).splitlines():  # one log line each: readable in the UI and in `dags test`
        log.info("%s", line)
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(site_ids)} sites failed: {', '.join(failed)}")
    return [row.to_dict() for row in rows]
