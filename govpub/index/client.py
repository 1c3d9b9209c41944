"""The Elasticsearch client, and the one-line errors it raises when the cluster is unreachable."""

from __future__ import annotations

import functools
from typing import Any

from elasticsearch import ApiError, Elasticsearch
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError

from govpub.settings import Settings


class IndexUnavailable(RuntimeError):
    """Elasticsearch cannot be reached (or refuses us); the message is one line naming the URL."""


def client(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client for `settings.es_url` (basic auth when a username is set)."""
    kwargs: dict[str, Any] = {}
    if settings.es_username:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password or "")
    return Elasticsearch(
        settings.es_url,
        request_timeout=30,
        retry_on_timeout=True,
        max_retries=3,
        **kwargs,
    )


def _es_url(es: Elasticsearch) -> str:
    try:
        nodes = es.transport.node_pool.all()
        return ", ".join(str(n.base_url) for n in nodes) or "<unknown>"
    except Exception:  # pragma: no cover - defensive; only used in messages
        return "<unknown>"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConnectionTimeout):
        return "timed out"
    message = str(getattr(exc, "message", "") or exc)
    lowered = message.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "unknown host"
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if isinstance(exc, ApiError):
        if exc.meta.status in (401, 403):
            return f"authentication failed (HTTP {exc.meta.status})"
        return f"HTTP {exc.meta.status}: {exc.message}"
    message = " ".join(message.split())
    return message[:200] if message else type(exc).__name__


def _unavailable(es: Elasticsearch, exc: Exception) -> IndexUnavailable:
    return IndexUnavailable(f"Elasticsearch not reachable at {_es_url(es)} ({_reason(exc)})")


def check_reachable(es: Elasticsearch, settings: Settings | None = None) -> None:
    """Raise IndexUnavailable unless the cluster answers `GET /_cluster/health` (GET / is 405 here)."""
    url = settings.es_url if settings is not None else _es_url(es)
    try:
        es.options(max_retries=0, request_timeout=10).cluster.health()
    except ApiError as exc:
        raise IndexUnavailable(f"Elasticsearch not reachable at {url} ({_reason(exc)})") from exc
    except TransportError as exc:
        raise IndexUnavailable(f"Elasticsearch not reachable at {url} ({_reason(exc)})") from exc


def translate_connection_errors(func):
    """Connection-level failures become IndexUnavailable (one clear line for the CLI)."""

    @functools.wraps(func)
    def wrapper(es: Elasticsearch, *args, **kwargs):
        try:
            return func(es, *args, **kwargs)
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise _unavailable(es, exc) from exc

    return wrapper




def error_type(exc: ApiError) -> str | None:
    try:
        return exc.body["error"]["type"]  # type: ignore[index]
    except (TypeError, KeyError):
        return None
