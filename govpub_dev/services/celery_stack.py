"""Airflow with the CeleryExecutor (opt-in): the distributed set-up, every piece on this machine.

    redis        the Celery broker (govpub_dev/services/redis.py)
    postgres     the metadata database and the Celery result backend (postgres.py)
    api-server   UI, REST API and the execution API the workers' tasks call, on 127.0.0.1:<celery_airflow_port>
    scheduler    queues task instances to Celery: `crawl` for crawl tasks, `process` for the rest
    dag-processor
    worker-crawl    `airflow celery worker --queues crawl`
    worker-process  `airflow celery worker --queues process,crawl` (the second consumer of `crawl`, so a
                    crawl whose worker died is retried on the survivor; see docs/celery.md)

AIRFLOW_HOME is <home>/airflow-celery, apart from the LocalExecutor `airflow` service's. Schedules are
off (`use_job_schedule`): runs are triggered (UI, REST API, `make celery-demo`), so starting the stack
never crawls by itself. Each worker names itself in the task instances it runs (`worker_hostname`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from govpub.settings import REPO_ROOT, Settings
from govpub_dev.services.airflow import (
    _secrets, airflow_env, airflow_version, launch_component, probe_api_server, venv_bin,
)
from govpub_dev.services.base import (
    BOOTSTRAP_HINT, MANAGE_SERVICES_OFF, Probe, Service, ServiceError, ServiceStatus, say, service_timeout,
)
from govpub_dev.services.network import NotHttp, http_get
from govpub_dev.services.postgres import Postgres
from govpub_dev.services.processes import locked, print_tail, read_state, stop_managed
from govpub_dev.services.redis import Redis

#: worker name -> the Celery queues it consumes (the queue names are govpub.airflow.tasks' CRAWL_QUEUE, PROCESS_QUEUE)
WORKERS = {"crawl": ("crawl",), "process": ("process", "crawl")}
COMPONENTS = ("api-server", "scheduler", "dag-processor", *(f"worker-{w}" for w in WORKERS))
WORKER_ENV = "GOVPUB_CELERY_WORKER"


def worker_hostname() -> str:
    """`[core] hostname_callable` of the workers: "<worker>@<host>", so a task instance shows which worker ran it."""
    return f"{os.environ.get(WORKER_ENV, 'airflow')}@{socket.getfqdn()}"


def celery_home(settings: Settings) -> Path:
    return settings.home / "airflow-celery"


def celery_env(settings: Settings) -> dict[str, str]:
    """Environment of every component of the stack (and of any `airflow` command run against it)."""
    home = celery_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    port = settings.celery_airflow_port
    database = Postgres(settings).sqlalchemy_url()
    secret = _secrets(home)
    env = airflow_env(settings)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secret["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
        "AIRFLOW__CELERY__BROKER_URL": Redis(settings).url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        # Tasks without a queue of their own (export, reindex DAGs) go to `process`, never to a queue nobody reads.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": "process",
        # Triggered runs only: starting the stack must not crawl every site by itself.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # A worker that died is noticed after this long without a task heartbeat (default 300 s), and its task retried.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": os.environ.get(
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", "30"),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
    })
    return env


class CeleryStack(Service):
    name = "celery"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.port = settings.celery_airflow_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.backends = (Redis(settings), Postgres(settings))

    def _state_name(self, component: str) -> str:
        return f"celery-{component}"

    def _log(self, component: str) -> Path:
        return self.settings.home / "logs" / f"celery-{component}.log"

    def running_components(self) -> dict[str, dict | None]:
        return {c: read_state(self.settings, self._state_name(c)) for c in COMPONENTS}

    def worker_pid(self, worker: str) -> int | None:
        state = read_state(self.settings, self._state_name(f"worker-{worker}"))
        return state["pid"] if state else None

    def probe(self) -> Probe:
        return probe_api_server(self.url)

    def up(self, may_start: bool) -> None:
        for backend in self.backends:
            backend.up(may_start)
        state, detail = self.probe()
        if state == "foreign":
            raise ServiceError(f"port {self.port} ({self.url}) {detail}; stop it or set GOVPUB_CELERY_AIRFLOW_PORT")
        if state == "ready" and all(self.running_components().values()):
            say(f"celery stack already running at {self.url}")
            return
        if not may_start:
            raise ServiceError(f"the Celery stack at {self.url} is not running and {MANAGE_SERVICES_OFF}")
        self.start()

    def install(self) -> Path:
        """`airflow db migrate` against the stack's PostgreSQL, once per Airflow version."""
        env = {**os.environ, **celery_env(self.settings)}
        home = celery_home(self.settings)
        stamp = home / ".db-migrated"
        wanted = f"{airflow_version()} postgres:{self.settings.postgres_port}"
        if stamp.exists() and stamp.read_text().strip() == wanted:
            return home
        airflow = venv_bin() / "airflow"
        if not airflow.exists():
            raise ServiceError(f"{airflow} not found; {BOOTSTRAP_HINT}")
        with locked(self.settings, "celery-db"):
            log = self.settings.home / "logs" / "celery-db-migrate.log"
            say(f"migrating the Airflow metadata database in PostgreSQL ({self.backends[1].url})")
            with open(log, "wb") as out:
                code = subprocess.call([str(airflow), "db", "migrate"], env=env, cwd=str(REPO_ROOT),
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if code != 0:
                print_tail(log)
                raise ServiceError(f"`airflow db migrate` failed (exit {code}); log: {log}")
            stamp.write_text(wanted + "\n")
        return home

    def commands(self) -> dict[str, list[str]]:
        airflow = str(venv_bin() / "airflow")
        commands = {
            "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            "scheduler": [airflow, "scheduler"],
            "dag-processor": [airflow, "dag-processor"],
        }
        for worker, queues in WORKERS.items():
            # Logs are files under AIRFLOW_HOME/logs on this one machine: no log server (its port would clash).
            commands[f"worker-{worker}"] = [airflow, "celery", "worker", "--queues", ",".join(queues),
                                            "--celery-hostname", f"{worker}@%h", "--skip-serve-logs"]
        return commands

    def start(self) -> None:
        self.install()
        running = self.running_components()
        env = {**os.environ, **celery_env(self.settings)}
        for component, command in self.commands().items():
            if running[component]:
                continue
            component_env = env
            if component.startswith("worker-"):
                component_env = {**env, WORKER_ENV: component.removeprefix("worker-"),
                                 "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_hostname"}
            say(f"starting airflow {component} (CeleryExecutor; log {self._log(component)})")
            launch_component(self.settings, self._state_name(component), command, component_env, self._log(component),
                             port=self.port, url=self.url,
                             marker="celery" if component.startswith("worker-") else "airflow")  # workers retitle themselves
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        """The API server healthy and both workers answering a Celery ping."""
        timeout = service_timeout(self.settings, 240)
        started = time.monotonic()
        waiting_for = "api-server"
        while time.monotonic() - started < timeout:
            for component in COMPONENTS:
                if not read_state(self.settings, self._state_name(component)):
                    print_tail(self._log(component))
                    raise ServiceError(f"airflow {component} exited during start-up; log: {self._log(component)}")
            if self.probe().state != "ready":
                waiting_for = "api-server"
            elif not self._execution_api_warm():
                waiting_for = "the execution API"
            else:
                missing = [w for w in WORKERS if w not in self.workers_answering()]
                if not missing:
                    queues = ", ".join(f"{worker} <- {'+'.join(q)}" for worker, q in WORKERS.items())
                    say(f"celery stack ready at {self.url} after {time.monotonic() - started:.0f}s (workers: {queues})")
                    return
                waiting_for = "workers " + ", ".join(missing)
            time.sleep(1)
        raise ServiceError(f"Celery stack at {self.url} not ready after {timeout:.0f}s (waiting for {waiting_for})")

    def _execution_api_warm(self) -> bool:
        """The execution API (what tasks call) answered once: its first request builds its routes,
        which takes ~20 s on a busy 2-core machine; better now than inside the first task."""
        try:
            reply = http_get(self.url + "/execution/health", timeout=60)
        except NotHttp:
            return False
        return reply is not None and reply.status == 200

    def workers_answering(self) -> set[str]:
        """Worker names that answer a Celery control ping through the broker."""
        from celery import Celery

        app = Celery(broker=self.backends[0].url)
        try:
            replies = app.control.ping(timeout=1.0) or []
        except Exception:  # noqa: BLE001 (broker not ready yet: nobody answers)
            return set()
        finally:
            app.close()
        return {name.split("@", 1)[0] for reply in replies for name in reply}

    def kill_worker(self, worker: str) -> list[int]:
        """SIGKILL a worker and everything under it, as if its machine died; returns the pids killed."""
        import psutil

        pid = self.worker_pid(worker)
        if pid is None:
            raise ServiceError(f"worker {worker} is not running")
        root = psutil.Process(pid)
        victims = [root, *root.children(recursive=True)]
        for process in victims:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(victims, timeout=10)
        return [p.pid for p in victims]

    def api_token(self) -> str:
        """A JWT for the REST API (the stack's simple auth manager makes everyone admin)."""
        request = urllib.request.Request(self.url + "/auth/token")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as reply:
            return json.loads(reply.read())["access_token"]

    def status(self) -> ServiceStatus:
        states = self.running_components()
        probe, detail = self.probe()
        api = states["api-server"]
        pid = api["pid"] if api else None
        parts = ", ".join(f"{c} {'up' if s else 'down'}" for c, s in states.items())
        managed = any(states.values())
        version = airflow_version()
        if probe == "ready" and managed:
            return ServiceStatus(self.name, True, pid, self.url, version, f"Airflow {version} CeleryExecutor ({parts})",
                                 True)
        if managed:
            return ServiceStatus(self.name, False, pid, self.url, version, f"{detail}; {parts}", True)
        return ServiceStatus(self.name, False, None, self.url, None,
                             "opt-in: `python -m govpub_dev services up celery` (Redis, PostgreSQL, CeleryExecutor)")

    def stop(self) -> None:
        """Every component at once (SIGTERM to each process group; workers shut down warm: a running
        task may finish within the timeout), then wait for all: one after the other took a minute."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(COMPONENTS)) as pool:
            list(pool.map(lambda c: stop_managed(self.settings, self._state_name(c)), COMPONENTS))

    def data_dir(self) -> Path:
        return celery_home(self.settings)
