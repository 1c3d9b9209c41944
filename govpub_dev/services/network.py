"""Probing what answers at a URL: plain HTTP (never through a proxy), local or not."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  #: lower-cased names
    body: bytes  #: the first 64 KiB


class NotHttp(Exception):
    """Something answered, but not with HTTP (or timed out, or reset the connection)."""


def host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def same_endpoint(state: dict | None, url: str | None) -> bool:
    """True if `state` (what `up` recorded) is the server for `url` (same host and port)."""
    if not state or not url or not state.get("url"):
        return False
    return host_port(state["url"], 0) == host_port(url, 0)


def http_get(url: str, *, timeout: float = 3.0, headers: dict[str, str] | None = None) -> Reply | None:
    """GET url. None when nothing listens (connection refused); NotHttp for anything that is not HTTP."""
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read(65536))
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in (error.headers or {}).items()}, error.read(65536))
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            return None
        raise NotHttp(str(error.reason)) from None
    except ConnectionRefusedError:
        return None
    except (OSError, ValueError) as error:  # timeouts, resets, garbage status lines
        raise NotHttp(str(error) or type(error).__name__) from None
