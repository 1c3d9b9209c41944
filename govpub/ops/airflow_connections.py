"""Airflow connections by id: the alert webhook (govpub.ops.alerts) and the S3 and Elasticsearch
endpoints (govpub.airflow.tasks) are read from them.

Here, not in govpub.airflow, because ops is the lowest package that reads one (imports run
one way). Airflow is imported inside the function: outside Airflow nothing here needs it.
"""

from __future__ import annotations

import logging

log = logging.getLogger("govpub.ops")


def airflow_connection(conn_id: str):
    """The connection `conn_id`, or None when it is not defined (the usual local case) or no
    Airflow is around (outside a task, or not installed)."""
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except Exception as exc:
        log.debug("connection %s not used: %s", conn_id, exc)
        return None


def connection_url(conn, *, default_port: int | None = None) -> str:
    """The URL a connection names: its host when that is a URL already, else
    {schema or http}://{host}[:{port or default_port}]."""
    host = conn.host or ""
    if "://" in host:
        return host
    port = conn.port or default_port
    return f"{conn.schema or 'http'}://{host}{f':{port}' if port else ''}"
