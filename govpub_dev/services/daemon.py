"""What the Debian-packaged servers (Redis, PostgreSQL) share: an unprivileged owner, a base
directory of their own, a foreground process recorded in run/<name>.json, a wait for readiness.

Both come from apt (infra/bootstrap.sh) but are never started as system services: govpub runs
its own instance on its own port with its files under `service_base` (the `govpub` user's
directory under /var/lib/govpub when running as root, else <home>/<name>).
"""

from __future__ import annotations

import socket
import subprocess
import time
from abc import abstractmethod
from pathlib import Path
from typing import Callable

from govpub.settings import Settings
from govpub_dev.services.base import MANAGE_SERVICES_OFF, Probe, Service, ServiceError, ServiceStatus, say, service_timeout
from govpub_dev.services.processes import print_tail, read_state, rotate, stop_managed, write_state
from govpub_dev.services.service_user import chown_tree, prepare_system_base, running_as_root, service_base


def tcp_exchange(port: int, payload: bytes, timeout: float = 2.0) -> bytes | None:
    """Send payload to 127.0.0.1:port and return the first bytes of the reply; None if refused."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            if payload:
                sock.sendall(payload)
            return sock.recv(256)
    except ConnectionRefusedError:
        return None
    except OSError as error:
        return f"error: {error}".encode()


class LocalDaemon(Service):
    """A server binary from a Debian package, run in the foreground by govpub as an unprivileged user."""

    marker: str  #: a word of its command line (guards `alive` against pid reuse)
    stop_signal: int = 15

    def __init__(self, settings: Settings, port: int) -> None:
        super().__init__(settings)
        self.port = port
        self.base = service_base(settings, self.name)
        self._owner: tuple[int, int] | None = None

    @property
    def log(self) -> Path:
        return self.settings.home / "logs" / f"{self.name}.log"

    @abstractmethod
    def command(self) -> list[str]:
        """The foreground server command (after `install`)."""

    def prepare(self) -> None:
        """Create the base directory (owned by the service user when root)."""
        if running_as_root():
            self._owner = prepare_system_base(self.settings, self.base)
        self.base.mkdir(parents=True, exist_ok=True)
        if self._owner:
            chown_tree(self.base, *self._owner)

    def run_as_owner(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        as_user = {"user": self._owner[0], "group": self._owner[1], "extra_groups": []} if self._owner else {}
        return subprocess.run(command, capture_output=True, text=True, cwd=str(self.base), **as_user, **kwargs)

    def up(self, may_start: bool) -> None:
        state, detail = self.probe()
        if state == "ready":
            say(f"{self.name} already running on 127.0.0.1:{self.port}")
            return
        if state in ("foreign", "auth"):
            raise ServiceError(f"port {self.port} on 127.0.0.1 {detail}; stop it or choose another port "
                               f"(GOVPUB_{self.name.upper()}_PORT)")
        if state == "starting" and read_state(self.settings, self.name):  # ours, still coming up
            self.wait_until(lambda: self.probe().state == "ready", None)
            return
        if not may_start:
            raise ServiceError(f"{self.name} on 127.0.0.1:{self.port} is not running and {MANAGE_SERVICES_OFF}")
        self.start()

    def start(self) -> None:
        self.install()
        command = self.command()
        rotate(self.log)
        say(f"starting {self.name} on 127.0.0.1:{self.port} (files in {self.base}, log {self.log})")
        as_user = {"user": self._owner[0], "group": self._owner[1], "extra_groups": []} if self._owner else {}
        with open(self.log, "wb") as out:
            process = subprocess.Popen(command, cwd=str(self.base), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True, **as_user)
        write_state(self.settings, self.name, pid=process.pid, port=self.port, url=self.url, base=str(self.base),
                    log=str(self.log), marker=self.marker)
        self.wait_until(lambda: self.probe().state == "ready", process)
        self.after_start()

    def after_start(self) -> None:
        """Anything to do once the server answers (create a database…)."""

    def wait_until(self, ready: Callable[[], bool], process: subprocess.Popen | None) -> None:
        timeout = service_timeout(self.settings, 60)
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if ready():
                say(f"{self.name} ready on 127.0.0.1:{self.port} after {time.monotonic() - started:.1f}s")
                return
            if process is not None and process.poll() is not None:
                print_tail(self.log)
                raise ServiceError(f"{self.name} exited during start-up (exit {process.returncode}); log: {self.log}")
            time.sleep(0.2)
        print_tail(self.log)
        raise ServiceError(f"{self.name} on 127.0.0.1:{self.port} not ready after {timeout:.0f}s; log: {self.log}")

    @property
    @abstractmethod
    def url(self) -> str:
        """How clients reach it (no secrets)."""

    def status(self) -> ServiceStatus:
        state, detail = self.probe()
        managed = read_state(self.settings, self.name)
        pid = managed["pid"] if managed else None
        if state == "ready":
            who = f"managed, files in {self.base}" if managed else "not started by govpub"
            return ServiceStatus(self.name, True, pid, self.url, None, f"{self.name} ({who})", bool(managed))
        if managed:
            return ServiceStatus(self.name, False, pid, self.url, None, f"process {pid} runs but {detail}", True)
        return ServiceStatus(self.name, False, None, self.url, None,
                             f"{detail} (opt-in: `python -m govpub_dev services up celery` starts it)")

    def stop(self) -> None:
        stop_managed(self.settings, self.name, stop_signal=self.stop_signal)

    def data_dir(self) -> Path:
        return self.base


def probe_refused(reply: bytes | None) -> Probe | None:
    return Probe("closed", "connection refused") if reply is None else None
