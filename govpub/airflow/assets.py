"""Airflow Assets of the archive (data-aware scheduling). Imported by DAG files only.

`ARCHIVE_DOCUMENTS` is updated by the crawl DAG's `clusters` task (the last archive writer of
a run); the export DAG is scheduled on it. The URI names the default bucket; it is a logical
name — the tasks take the real bucket from the settings at run time.
"""

from airflow.sdk import Asset

ARCHIVE_DOCUMENTS = Asset(name="govpub_archive_documents", uri="s3://govpub-archive/documents")
