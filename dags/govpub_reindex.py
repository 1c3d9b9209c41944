"""
### govpub_reindex — rebuild the Elasticsearch index from the S3 archive alone

Manual (trigger it after a mapping change, a `govpub reparse`, or a lost index). Indexes
every latest document with its overlay (version, status, cluster) into a new index
`<alias>-v<N>-<rebuild id>`, checks the count against the archive, then moves the alias
in one `_aliases` call (no downtime) and deletes the previous index. Logic:
`govpub.pipeline.rebuild.rebuild_index`.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from govpub.airflow.tasks import task_settings


@dag(
    dag_id="govpub_reindex",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["govpub", "reindex"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_exponential_backoff": True},
)
def govpub_reindex():
    @task
    def reindex() -> dict:
        from airflow.sdk import get_current_context

        from govpub.pipeline.rebuild import rebuild_index

        run_id = get_current_context()["dag_run"].run_id
        return rebuild_index(task_settings(), rebuild_id=run_id)

    reindex()


govpub_reindex()
