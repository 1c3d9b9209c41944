"""`make celery-demo`: the govpub_crawl DAG on the CeleryExecutor stack, triggered for real.

Brings up Elasticsearch, S3Proxy and the Celery stack (Redis, PostgreSQL, api-server, scheduler,
dag-processor, workers `crawl` and `process`), serves the sample site, triggers one DAG run
through the REST API (as the UI's "Trigger" button does), waits for it and prints which worker
ran each task. With `--kill-crawl-worker` it SIGKILLs the worker running the first crawl in the
middle of it and shows the crawl retried on the other worker. The stack keeps running afterwards
(UI at the printed URL); `python -m govpub_dev services down celery redis postgres` stops it.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Callable, NamedTuple

from govpub.settings import Settings

DAG_ID = "govpub_crawl"
FINISHED = {"success", "failed"}


class AirflowApi:
    """The stack's REST API (/api/v2), with a token from its simple auth manager (everyone is admin)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v2{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with self._opener.open(request, timeout=30) as reply:
                return json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: HTTP {error.code} {error.read()[:300]!r}") from None

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        """Until the dag-processor has parsed the DAG (a fresh stack knows no DAG yet)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.call("GET", f"/dags/{dag_id}")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"DAG {dag_id} not parsed after {timeout:.0f}s") from None
                time.sleep(1)

    def trigger(self, dag_id: str, conf: dict) -> str:
        run = self.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")["task_instances"]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict]:
        """Every try of one task instance (the finished ones and the current one), oldest first."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return sorted(self.call("GET", path)["task_instances"], key=lambda t: t["try_number"])

    def wait(self, condition: Callable[[], object], timeout: float, what: str, poll: float = 0.5):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(poll)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        return self.wait(lambda: (s := self.run_state(dag_id, run_id)) in FINISHED and s, timeout, f"run {run_id}", 2)


class CountingSampleSite:
    """The sample site, remembering every path it was asked for: a crawl's progress seen from the server."""

    def __init__(self) -> None:
        from govpub_dev.samplesite import SampleSiteHandler, make_server

        self.paths: list[str] = []
        lock = threading.Lock()
        seen = self.paths

        class Handler(SampleSiteHandler):
            def do_GET(self) -> None:
                with lock:
                    seen.append(self.path)
                super().do_GET()

        self.server = make_server("127.0.0.1", 0, quiet=True)
        self.server.RequestHandlerClass = Handler

    def pages(self, path_prefix: str = "/") -> int:
        return sum(1 for path in list(self.paths) if path.startswith(path_prefix))


class Killed(NamedTuple):
    worker: str  #: the worker SIGKILLed
    map_index: int  #: of the crawl task instance it was running


def kill_worker_mid_crawl(stack, api: AirflowApi, run_id: str, started: Callable[[], bool],
                          timeout: float = 120) -> Killed:
    """Wait for the run's first crawl to run and `started()` (e.g. pages served), then SIGKILL its worker."""
    def running_crawl():
        for ti in api.task_instances(DAG_ID, run_id):
            if ti["task_id"].endswith(".crawl") and ti["state"] == "running" and ti.get("hostname"):
                return ti
        return None

    ti = api.wait(running_crawl, timeout, "a running crawl task")
    api.wait(started, timeout, "the crawl to fetch pages")
    worker = worker_of(ti)
    stack.kill_worker(worker)
    return Killed(worker, ti["map_index"])


def wait_for_retry(api: AirflowApi, run_id: str, map_index: int, timeout: float = 180) -> dict:
    """The crawl's second try once it runs (its worker named): the scheduler has failed the first
    for want of a heartbeat and re-queued it."""
    def second_try():
        tries = api.tries(DAG_ID, run_id, "site.crawl", map_index)
        return next((t for t in tries if t["try_number"] == 2 and t["state"] in ("running", "success")
                     and t.get("hostname")), None)

    return api.wait(second_try, timeout, "the crawl's retry to start", poll=1)


def worker_of(ti: dict) -> str:
    return (ti.get("hostname") or "?").split("@", 1)[0]


def print_run(api: AirflowApi, run_id: str) -> None:
    print(f"    {'task':14} {'site':14} {'try':>3} {'state':10} worker")
    for ti in sorted(api.task_instances(DAG_ID, run_id), key=lambda t: (t["start_date"] or "", t["task_id"])):
        site = ti.get("rendered_map_index") or ("" if ti["map_index"] < 0 else str(ti["map_index"]))
        for attempt in api.tries(DAG_ID, run_id, ti["task_id"], ti["map_index"]):
            print(f"    {ti['task_id']:14} {site:14} {attempt['try_number']:>3} "
                  f"{attempt['state'] or '-':10} {worker_of(attempt)}")


def main(argv: list[str] | None = None) -> int:
    from govpub.archive import Archive
    from govpub import index
    from govpub_dev import services
    from govpub_dev.serving import serving
    from govpub_dev.services.celery_stack import CeleryStack

    parser = argparse.ArgumentParser(prog="python -m govpub_dev celery-demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", action="append", help="site id(s) to crawl (default: every sample site)")
    parser.add_argument("--kill-crawl-worker", action="store_true",
                        help="SIGKILL the worker of the first crawl mid-crawl and show the retry elsewhere")
    args = parser.parse_args(argv)
    started_at = time.monotonic()
    base = Settings.from_env()
    services.up(base, ("elasticsearch", "s3"))
    site = CountingSampleSite()
    with serving(site.server, name="sample-site"):
        settings = base.with_overrides(sample_site_url=site.server.url)
        # Components started now take the sample site's URL from their environment; running ones are restarted.
        services.down(settings, ["celery"])
        services.up(settings, ["celery"])
        stack = CeleryStack(settings)
        api = AirflowApi(stack.url, stack.api_token())
        api.wait_for_dag(DAG_ID)
        run_id = api.trigger(DAG_ID, {"sites": args.site or []})
        print(f"==> triggered {DAG_ID} run {run_id} through {stack.url}/api/v2")
        if args.kill_crawl_worker:
            served = site.pages()
            killed = kill_worker_mid_crawl(stack, api, run_id, lambda: site.pages() >= served + 2)
            print(f"==> killed worker {killed.worker!r} (SIGKILL, its whole process tree) in the middle of a crawl")
            retry = wait_for_retry(api, run_id, killed.map_index)
            print(f"==> the scheduler failed the silent try; try 2 runs on worker {worker_of(retry)!r}")
            services.up(settings, ["celery"])  # the dead worker back, as a process supervisor would
        state = api.wait_for_run(DAG_ID, run_id, timeout=900)
        print(f"==> run {run_id}: {state}")
        print_run(api, run_id)
    archive = Archive(settings)
    client = index.client(settings)
    print(f"==> {sum(1 for _ in archive.iter_documents())} documents in s3://{settings.s3_bucket}/documents/, "
          f"{index.count(client, settings.es_alias)} in alias {settings.es_alias}; "
          f"done in {time.monotonic() - started_at:.0f}s")
    print(f"    Airflow UI (CeleryExecutor): {stack.url}  ·  stop: python -m govpub_dev services down celery redis postgres")
    return 0 if state == "success" else 1
