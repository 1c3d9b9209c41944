"""Alerts: a JSON POST to a configurable webhook, and the Airflow callbacks that send them.

Where alerts go: the Airflow connection `govpub_alerts` (its host is the URL, e.g.
`https://hooks.example.org/govpub`; extra `{"headers": {...}}` adds request headers),
else the `GOVPUB_ALERT_WEBHOOK` environment variable. Neither set = alerts are only logged.

Sending never fails the caller: each alert is tried `GOVPUB_ALERT_ATTEMPTS` times (default 3)
with a `GOVPUB_ALERT_TIMEOUT` (default 5 s) per try and a short backoff; a webhook that is
down is logged and the task's own state is untouched. Webhook URLs often carry a secret
token, so logs name only the scheme and host.

Payload (docs/operations.md): {"source": "govpub", "kind", "severity", "dag_id", "run_id",
"task_id", "map_index", "site", "try_number", "message", "log_url", "time", "issues"}.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from govpub.ops.airflow_connections import airflow_connection, connection_url
from govpub.settings import Settings

log = logging.getLogger("govpub.ops.alerts")

ALERT_CONN_ID = "govpub_alerts"
ALERT_KINDS = ("task_failed", "quality", "blocked", "dag_failed")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/…"


def send_alert(
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
    attempts: int | None = None,
    backoff: float = 0.5,
) -> bool:
    """POST `payload` as JSON to `url`. True when the receiver answered 2xx. Never raises.

    Retries on connection errors, timeouts, 429 and 5xx; a 4xx answer is final.
    """
    if timeout is None or attempts is None:
        _, default_timeout, default_attempts = Settings.for_alerts()
        timeout = default_timeout if timeout is None else timeout
        attempts = default_attempts if attempts is None else attempts
    try:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        request_headers = {"Content-Type": "application/json", "User-Agent": "govpub-alerts/1"} | (headers or {})
    except Exception as exc:  # never let a bad payload break the caller
        log.error("alert not sent: payload not serialisable: %s", exc)
        return False
    for attempt in range(1, max(1, attempts) + 1):
        reason = ""
        try:
            request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                log.info("alert %s sent to %s (HTTP %s)", payload.get("kind"), _redacted(url), response.status)
                return True
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                log.error("alert %s refused by %s: %s", payload.get("kind"), _redacted(url), reason)
                return False
        except Exception as exc:  # URLError, timeout, connection reset …
            reason = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        log.warning("alert %s to %s failed (try %d of %d): %s", payload.get("kind"), _redacted(url), attempt,
                    attempts, reason)
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    log.error("alert %s not delivered to %s after %d tries; the task's own state is unaffected",
              payload.get("kind"), _redacted(url), attempts)
    return False


def webhook_target() -> tuple[str | None, dict[str, str]]:
    """(URL, headers): the `govpub_alerts` Airflow connection when defined, else GOVPUB_ALERT_WEBHOOK."""
    conn = airflow_connection(ALERT_CONN_ID)
    if conn is not None:
        url = connection_url(conn)
        extra = conn.extra_dejson or {}
        return url, {str(k): str(v) for k, v in (extra.get("headers") or {}).items()}
    return Settings.for_alerts()[0], {}


def alert(payload: dict[str, Any]) -> bool:
    """Log the alert, then send it to the configured webhook (if any). Never raises."""
    try:
        payload = {"source": "govpub", "time": _now(), **payload}
        log.warning("ALERT %s: %s", payload.get("kind"), payload.get("message"))
        url, headers = webhook_target()
        if not url:
            log.info("no alert webhook configured (connection %s or GOVPUB_ALERT_WEBHOOK)", ALERT_CONN_ID)
            return False
        return send_alert(url, payload, headers=headers)
    except Exception as exc:  # an alert must never turn into a task failure
        log.error("alert failed: %s", exc)
        return False


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- Airflow callbacks ------------------------------------------------------------------------
def payload_from_context(context: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """Alert payload for a task or DAG callback context."""
    from govpub.ops.quality import QualityCheckFailed

    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exc = context.get("exception")
    cause = exc
    while cause is not None and not isinstance(cause, QualityCheckFailed):
        cause = cause.__cause__
    issues = [i.to_dict() for i in cause.issues] if isinstance(cause, QualityCheckFailed) else []
    if kind is None:
        if isinstance(cause, QualityCheckFailed):
            kind = "blocked" if getattr(cause, "blocked", False) else "quality"
        else:
            kind = "task_failed"
    site = context.get("site_label") or getattr(cause, "site", None) or _rendered_map_index(ti)
    message = str(exc) if exc is not None else (context.get("reason") or f"{kind}")
    return {
        "kind": kind,
        "severity": "error",
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "run_id": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": getattr(ti, "map_index", None),
        "site": site,
        "try_number": getattr(ti, "try_number", None),
        "message": " ".join(message.split())[:2000],
        "log_url": _log_url(ti),
        "issues": issues,
    }


def _rendered_map_index(ti) -> str | None:
    value = getattr(ti, "rendered_map_index", None)
    return str(value) if value not in (None, "", "-1") else None


def _log_url(ti) -> str | None:
    try:
        return getattr(ti, "log_url", None)
    except Exception:  # the property needs config that may be missing
        return None


def on_task_failure(context: dict[str, Any]) -> None:
    """Task `on_failure_callback`: runs after a task's last try failed (not on retries)."""
    alert(payload_from_context(context))


def on_dag_failure(context: dict[str, Any]) -> None:
    """DAG `on_failure_callback`: the run as a whole failed."""
    payload = payload_from_context(context, kind="dag_failed")
    payload.update(task_id=None, map_index=None, site=None, try_number=None)
    payload["message"] = (f"DAG {payload['dag_id']} run {payload['run_id']} failed "
                          f"({context.get('reason') or 'a task failed'}); the task alerts say which sites")
    alert(payload)
