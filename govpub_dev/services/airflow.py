"""Airflow (opt-in, for the UI): `airflow api-server` + `scheduler` + `dag-processor`, LocalExecutor, sqlite.

Airflow itself comes with the venv; "installing" it is creating the metadata database
under <home>/airflow (AIRFLOW_HOME). `airflow_env` is the environment every local Airflow
command runs with, the demo's and the tests' `airflow dags test` included.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from govpub.settings import REPO_ROOT, Settings
from govpub_dev.services.base import (
    BOOTSTRAP_HINT, MANAGE_SERVICES_OFF, Probe, Service, ServiceError, ServiceStatus, say, service_timeout,
)
from govpub_dev.services.network import NotHttp, http_get
from govpub_dev.services.processes import locked, make_dirs, print_tail, read_state, rotate, stop_managed, write_state

COMPONENTS = ("api-server", "scheduler", "dag-processor")


def airflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("apache-airflow-core", "apache-airflow"):
        with contextlib.suppress(PackageNotFoundError):
            return version(dist)
    return "unknown"


def venv_bin() -> Path:
    """The checkout's venv, else the one running this Python (where `airflow` is installed)."""
    candidate = REPO_ROOT / ".venv" / "bin"
    if (candidate / "python").exists():
        return candidate
    return Path(sys.executable).parent


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for running Airflow commands locally (add it to os.environ)."""
    home = settings.home / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    port = settings.airflow_port
    secret = _secrets(home)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # Tasks retry (retries=2 in the DAG); locally a short pause is enough.
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": os.environ.get("AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY", "30"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{(home / 'airflow.db').resolve()}",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__SECRET_KEY": secret["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "PATH": os.pathsep.join([str(venv_bin()), os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")]),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    env.update(settings.to_env())
    return env


def _secrets(home: Path) -> dict[str, str]:
    """JWT and API secrets kept in <home>/.secrets.json: the api-server and the scheduler must agree."""
    path = home / ".secrets.json"
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if data.get("jwt_secret") and data.get("api_secret_key"):
            return data
    data = {"jwt_secret": secrets.token_urlsafe(32), "api_secret_key": secrets.token_urlsafe(32)}
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)
    return data


def probe_api_server(url: str) -> Probe:
    """An Airflow API server at `url`: ready when its health endpoint reports the metadatabase."""
    try:
        reply = http_get(url + "/api/v2/monitor/health")
    except NotHttp as error:
        return Probe("foreign", f"does not answer HTTP ({error})")
    if reply is None:
        return Probe("closed", "connection refused")
    if reply.status == 200:
        with contextlib.suppress(ValueError):
            if "metadatabase" in json.loads(reply.body):
                return Probe("ready", "healthy")
    return Probe("foreign", f"answers HTTP {reply.status} but is not the Airflow API server")


def launch_component(settings: Settings, state_name: str, command: list[str], env: dict[str, str], log: Path, *,
                     port: int, url: str, marker: str = "airflow") -> None:
    """Start one Airflow process in its own process group, output to `log` (the previous one
    rotated), and record it under `state_name` so status/down find it."""
    rotate(log)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=str(REPO_ROOT), env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    write_state(settings, state_name, pid=process.pid, port=port, url=url, version=airflow_version(), log=str(log),
                marker=marker, process_group=True)


def ensure_airflow_db(settings: Settings) -> None:
    """Run `airflow db migrate` once per Airflow version; later calls return at once."""
    env = {**os.environ, **airflow_env(settings)}
    home = Path(env["AIRFLOW_HOME"])
    db = home / "airflow.db"
    stamp = home / ".db-migrated"
    wanted = f"{airflow_version()} {db.resolve()}"
    if db.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return
    make_dirs(settings)
    with locked(settings, "airflow-db"):
        if db.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
            return
        airflow = venv_bin() / "airflow"
        if not airflow.exists():
            raise ServiceError(f"{airflow} not found; {BOOTSTRAP_HINT}")
        log = settings.home / "logs" / "airflow-db-migrate.log"
        say(f"creating the Airflow metadata database ({db})")
        with open(log, "wb") as out:
            code = subprocess.call([str(airflow), "db", "migrate"], env=env, cwd=str(REPO_ROOT),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if code != 0:
            print_tail(log)
            raise ServiceError(f"`airflow db migrate` failed (exit {code}); log: {log}")
        stamp.write_text(wanted + "\n")


class Airflow(Service):
    name = "airflow"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.port = settings.airflow_port
        self.url = f"http://127.0.0.1:{self.port}"

    def _running_components(self) -> dict[str, dict | None]:
        return {c: read_state(self.settings, f"airflow-{c}") for c in COMPONENTS}

    def _log(self, component: str) -> Path:
        return self.settings.home / "logs" / f"airflow-{component}.log"

    def probe(self) -> Probe:
        return probe_api_server(self.url)

    def up(self, may_start: bool) -> None:
        state, detail = self.probe()
        if state == "foreign":
            raise ServiceError(f"port {self.port} ({self.url}) {detail}; stop it or set GOVPUB_AIRFLOW_PORT")
        if state == "ready" and all(self._running_components().values()):
            say(f"airflow already running at {self.url}")
            return
        if not may_start:
            raise ServiceError(f"Airflow at {self.url} is not running and {MANAGE_SERVICES_OFF}")
        self.start()

    def install(self) -> Path:
        ensure_airflow_db(self.settings)
        return self.settings.home / "airflow"

    def start(self) -> None:
        """Start the components not running (someone else's API server on our port is reused), then wait."""
        self.install()
        reuse_api_server = self.probe().state == "ready"
        running = self._running_components()
        env = {**os.environ, **airflow_env(self.settings)}
        airflow = str(venv_bin() / "airflow")
        commands = {
            "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port)],
            "scheduler": [airflow, "scheduler"],
            "dag-processor": [airflow, "dag-processor"],
        }
        for component, command in commands.items():
            if running[component] or (component == "api-server" and reuse_api_server):
                continue
            say(f"starting airflow {component} (log {self._log(component)})")
            launch_component(self.settings, f"airflow-{component}", command, env, self._log(component),
                             port=self.port, url=self.url)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        timeout = service_timeout(self.settings, 180)
        started = time.monotonic()
        detail = "not started"
        while time.monotonic() - started < timeout:
            state, detail = self.probe()
            if state == "ready":
                say(f"airflow UI ready at {self.url} after {time.monotonic() - started:.0f}s "
                    "(no login: all users are admin)")
                return
            for component in COMPONENTS:
                if not read_state(self.settings, f"airflow-{component}"):
                    print_tail(self._log(component))
                    raise ServiceError(f"airflow {component} exited during start-up; log: {self._log(component)}")
            time.sleep(1)
        print_tail(self._log("api-server"))
        raise ServiceError(f"Airflow API server at {self.url} not ready after {timeout:.0f}s ({detail})")

    def status(self) -> ServiceStatus:
        states = self._running_components()
        probe, detail = self.probe()
        api = states["api-server"]
        pid = api["pid"] if api else None
        parts = [f"{c} {'up' if s else 'down'}" for c, s in states.items()]
        managed = any(states.values())
        version = airflow_version()
        if probe == "ready":
            who = ", ".join(parts) if managed else "not started by govpub"
            return ServiceStatus(self.name, True, pid, self.url, version, f"Airflow {version} ({who})", managed)
        if managed:
            return ServiceStatus(self.name, False, pid, self.url, version, f"{detail}; " + ", ".join(parts), True)
        return ServiceStatus(self.name, False, None, self.url, None, "opt-in: `python -m govpub_dev services up airflow`")

    def stop(self) -> None:
        for component in COMPONENTS:
            stop_managed(self.settings, f"airflow-{component}")

    def data_dir(self) -> Path:
        return self.settings.home / "airflow"
