"""PostgreSQL (Debian's postgresql package): the metadata database of the CeleryExecutor stack.

A cluster of govpub's own (`initdb`, never Debian's `main` cluster or its init scripts) under
`service_base(settings, "postgres")`, run as the unprivileged `govpub` user when govpub runs
as root (PostgreSQL refuses root), listening on 127.0.0.1:<postgres_port> (default 5442,
GOVPUB_POSTGRES_PORT). Role and database `airflow`; its password is generated once and kept
in <base>/password (mode 600): TCP logins need it, the Unix socket in <base>/run does not.
"""

from __future__ import annotations

import glob
import os
import secrets
import signal
import subprocess
from pathlib import Path

from govpub.settings import Settings
from govpub_dev.services.base import BOOTSTRAP_HINT, Probe, ServiceError, say
from govpub_dev.services.daemon import LocalDaemon, probe_refused, tcp_exchange

DATABASE = USER = "airflow"
# An SSLRequest: any PostgreSQL server answers it with a single byte, b"S" or b"N".
SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise ServiceError(f"PostgreSQL (initdb) not found under /usr/lib/postgresql; {BOOTSTRAP_HINT}")
    return Path(found[-1]).parent


class Postgres(LocalDaemon):
    name = "postgres"
    marker = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: SIGTERM's "smart" one waits for every client to leave

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.postgres_port)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def data(self) -> Path:
        return self.base / "data"

    def password(self) -> str:
        path = self.base / "password"
        try:
            return path.read_text().strip()
        except OSError:
            raise ServiceError(f"{path} missing: start PostgreSQL with `python -m govpub_dev services up postgres`") from None

    def sqlalchemy_url(self, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://{USER}:{self.password()}@127.0.0.1:{self.port}/{DATABASE}"

    def probe(self) -> Probe:
        reply = tcp_exchange(self.port, SSL_REQUEST)
        refused = probe_refused(reply)
        if refused:
            return refused
        if reply not in (b"S", b"N"):
            return Probe("foreign", f"answers {reply[:40]!r}, not PostgreSQL")
        # pg_isready tells "accepting connections" from "starting up" (both answer the SSLRequest)
        result = subprocess.run([str(postgres_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                                 "-t", "2"], capture_output=True, cwd="/")
        if result.returncode == 0:
            return Probe("ready", "accepting connections")
        return Probe("starting", "rejecting connections (starting up)")

    def install(self) -> Path:
        """initdb once: a cluster owned by the service user, role `airflow` with a generated password."""
        bin_dir = postgres_bin()
        self.prepare()
        if (self.data / "PG_VERSION").exists():
            return self.data
        password = self.base / "password"
        if not password.exists():
            password.write_text(secrets.token_urlsafe(24) + "\n")
        os.chmod(password, 0o600)
        if self._owner:
            os.chown(password, *self._owner)
        say(f"creating a PostgreSQL cluster in {self.data}")
        result = self.run_as_owner([str(bin_dir / "initdb"), "-D", str(self.data), "-U", USER, "-E", "UTF8",
                                    "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256",
                                    f"--pwfile={password}"])
        if result.returncode != 0:
            raise ServiceError(f"initdb failed (exit {result.returncode}): {(result.stderr or result.stdout)[-400:]}")
        (self.base / "run").mkdir(exist_ok=True)
        if self._owner:
            os.chown(self.base / "run", *self._owner)
        return self.data

    def command(self) -> list[str]:
        return [str(postgres_bin() / "postgres"), "-D", str(self.data), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.base / 'run'}",
                "-c", "max_connections=200", "-c", "logging_collector=off"]

    def after_start(self) -> None:
        """Create the `airflow` database if this cluster has none yet (over the Unix socket: trust)."""
        psql = [str(postgres_bin() / "psql"), "-h", str(self.base / "run"), "-p", str(self.port), "-U", USER,
                "-d", "postgres", "-tAc"]
        exists = self.run_as_owner(psql + [f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"])
        if exists.returncode != 0:
            raise ServiceError(f"psql could not reach PostgreSQL: {exists.stderr.strip()[-300:]}")
        if exists.stdout.strip() != "1":
            created = self.run_as_owner(psql + [f"CREATE DATABASE {DATABASE}"])
            if created.returncode != 0:
                raise ServiceError(f"creating database {DATABASE} failed: {created.stderr.strip()[-300:]}")
