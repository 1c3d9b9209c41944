"""The processes `up` started: state files, the lock, liveness, stopping, logs.

    <home>/run/<name>.json   what `up` started (pid, port, version, where its files are)
    <home>/run/<name>.lock   serialises concurrent up/down/db-migrate
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Iterator

from govpub.settings import Settings
from govpub_dev.services.base import say


def make_dirs(settings: Settings) -> None:
    for sub in ("run", "logs", "downloads"):
        (settings.home / sub).mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def locked(settings: Settings, name: str = "services") -> Iterator[None]:
    """Hold <home>/run/<name>.lock (an flock: released when the process dies)."""
    path = settings.home / "run" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def state_path(settings: Settings, name: str) -> Path:
    return settings.home / "run" / f"{name}.json"


def read_state(settings: Settings, name: str) -> dict | None:
    """The state `up` recorded for `name`, or None (also when its process has gone)."""
    path = state_path(settings, name)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    if not isinstance(pid, int) or not alive(pid, state.get("marker", "")):
        return None
    return state


def write_state(settings: Settings, name: str, **state) -> None:
    path = state_path(settings, name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**state, "started_at": time.time()}, indent=2) + "\n")
    tmp.replace(path)


def alive(pid: int, marker: str = "") -> bool:
    """True if `pid` runs and (when given) its command line contains `marker` (guards against pid reuse)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return not marker
    if ") Z" in stat:  # zombie
        return False
    return marker.encode() in cmdline if marker else True


def stop_managed(settings: Settings, name: str, timeout: float = 30.0, stop_signal: int = signal.SIGTERM) -> None:
    """Stop the process recorded as `name` (`stop_signal`, wait, then SIGKILL) and forget it."""
    state = read_state(settings, name)
    path = state_path(settings, name)
    if state is None:
        path.unlink(missing_ok=True)
        return
    pid = state["pid"]
    say(f"stopping {name} (pid {pid})")
    group = state.get("process_group", False)
    _signal(pid, stop_signal, group)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid, state.get("marker", "")):
        time.sleep(0.2)
    if alive(pid, state.get("marker", "")):
        say(f"{name} did not stop within {timeout:.0f}s; killing it")
        _signal(pid, signal.SIGKILL, group)
        time.sleep(0.5)
    path.unlink(missing_ok=True)


def _signal(pid: int, sig: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def listening_pid(port: int) -> int | None:
    """Pid of the local process listening on TCP `port` (best effort, Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return int(proc.name)
        except OSError:
            continue
    return None


def print_tail(path: Path, lines: int = 25) -> None:
    """The end of a log on stderr, so a failed start shows why."""
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return
    print(f"--- last lines of {path} ---", file=sys.stderr)
    for line in text[-lines:]:
        print(line[:400], file=sys.stderr)
    print("---", file=sys.stderr, flush=True)


def rotate(log: Path) -> None:
    """Keep the previous run's log as <log>.1."""
    if log.exists() and log.stat().st_size > 0:
        log.replace(log.with_suffix(log.suffix + ".1"))
