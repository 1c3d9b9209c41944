"""
### govpub_export — Parquet snapshot of every latest document

Scheduled on the archive Asset (`govpub.airflow.assets.ARCHIVE_DOCUMENTS`): runs after each crawl run
that updated the archive. Writes `exports/snapshots/{export_id}/…` (hive-partitioned by site)
and its manifest, then moves the `exports/latest.json` pointer; an unchanged archive writes
nothing (the export id is a digest of the content). Logic: `govpub.archive.export`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from govpub.airflow.tasks import task_settings
from govpub.airflow.assets import ARCHIVE_DOCUMENTS


@dag(
    dag_id="govpub_export",
    schedule=[ARCHIVE_DOCUMENTS],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["govpub", "export"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_exponential_backoff": True},
)
def govpub_export():
    @task
    def export() -> dict:
        from govpub.archive.export import export_snapshot

        return export_snapshot(task_settings())

    export()


govpub_export()
