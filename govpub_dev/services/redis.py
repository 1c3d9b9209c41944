"""Redis (Debian's redis-server): the Celery broker of the CeleryExecutor stack.

One instance on 127.0.0.1:<redis_port> (default 6390, GOVPUB_REDIS_PORT), no persistence:
the broker only holds queued task messages, and Airflow's metadata database (PostgreSQL)
is what knows every task's state, so a restarted broker loses nothing the scheduler cannot re-queue.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from govpub.settings import Settings
from govpub_dev.services.base import BOOTSTRAP_HINT, Probe, ServiceError
from govpub_dev.services.daemon import LocalDaemon, probe_refused, tcp_exchange


class Redis(LocalDaemon):
    name = "redis"
    marker = "redis-server"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.redis_port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def probe(self) -> Probe:
        reply = tcp_exchange(self.port, b"PING\r\n")
        refused = probe_refused(reply)
        if refused:
            return refused
        assert reply is not None
        if reply.startswith(b"+PONG"):
            return Probe("ready", "PONG")
        if reply.startswith(b"-NOAUTH"):
            return Probe("auth", "is a Redis that wants a password")
        return Probe("foreign", f"answers {reply[:40]!r}, not Redis")

    def install(self) -> Path:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise ServiceError(f"redis-server not found; {BOOTSTRAP_HINT}")
        self.prepare()
        return Path(binary)

    def command(self) -> list[str]:
        return [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
                "--dir", str(self.base), "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
