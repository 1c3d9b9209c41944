"""The govpub_crawl DAG on the real CeleryExecutor stack: a worker killed in the middle of a crawl.

Redis and PostgreSQL (Debian's, run unprivileged), the Airflow api-server, scheduler and
dag-processor, and two Celery workers (`crawl` reads queue crawl; `process` reads process and
crawl), all on ports and an AIRFLOW_HOME of this module's own. A run is triggered through the
REST API, as from the UI. While the first crawl is fetching pages from the sample site (real
HTTP on 127.0.0.1, politeness delay 0.4 s), the worker running it is SIGKILLed with every
process under it, as if its machine died. The scheduler notices the missing heartbeat, the crawl
is retried on the surviving worker, and the run succeeds with every document archived (one
version in S3) and indexed (one Elasticsearch document) exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections import Counter

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.archive.keys import parse_document_key
from govpub.schema import doc_id_for
from govpub.settings import REPO_ROOT
from govpub_dev import services
from govpub_dev.celery_demo import (
    DAG_ID, AirflowApi, CountingSampleSite, kill_worker_mid_crawl, wait_for_retry, worker_of,
)
from govpub_dev.serving import serving
from govpub_dev.services.celery_stack import CeleryStack
from govpub_dev.services.service_user import service_base
from tests.ports import free_port

pytestmark = [pytest.mark.services, pytest.mark.airflow]

SITE = "longwan-jyj"
SITE_PATH = "/longwan/"
MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
ARTICLES = [a for a in MANIFEST["articles"] if a["site"] == SITE]
KILL_AFTER_PAGES = 4  #: of the site's ~22 responses: the crawl is well under way, far from done


@pytest.fixture(scope="module")
def celery_run(module_settings, tmp_path_factory):
    """One triggered run with its crawl worker killed mid-crawl; the stack is shut down and deleted after."""
    sites_dir = tmp_path_factory.mktemp("celery-sites")
    registry = (REPO_ROOT / "sites" / "sample.toml").read_text(encoding="utf-8")
    # A politeness delay as on a real site (0.05 s locally): the crawl lasts long enough to be interrupted.
    (sites_dir / "sample.toml").write_text(re.sub(r"download_delay = 0\.05", "download_delay = 0.4", registry),
                                           encoding="utf-8")
    site = CountingSampleSite()
    with serving(site.server, name="sample-site-celery"):
        settings = module_settings.with_overrides(
            home=tmp_path_factory.mktemp("celery-home"), sites_dir=sites_dir, sample_site_url=site.server.url,
            redis_port=free_port(), postgres_port=free_port(), celery_airflow_port=free_port(),
        )
        # Shorter waits for the test (the stack's defaults: 30 s retry delay, 30 s heartbeat timeout).
        saved = {k: os.environ.get(k) for k in ("AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY",
                                                 "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT")}
        os.environ.update({"AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",
                           "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20"})
        try:
            services.up(settings, ["celery"])
            stack = CeleryStack(settings)
            api = AirflowApi(stack.url, stack.api_token())
            api.wait_for_dag(DAG_ID)
            run_id = api.trigger(DAG_ID, {"sites": [SITE]})
            killed = kill_worker_mid_crawl(stack, api, run_id, lambda: site.pages(SITE_PATH) >= KILL_AFTER_PAGES)
            pages_at_kill = site.pages(SITE_PATH)
            wait_for_retry(api, run_id, killed.map_index)
            # Once the retry runs elsewhere, the dead worker comes back (as `restart: always` does in compose):
            # if it was the only `process` worker, the run's remaining tasks need it.
            services.up(settings, ["celery"])
            state = api.wait_for_run(DAG_ID, run_id, timeout=240)
            tries = api.tries(DAG_ID, run_id, "site.crawl", 0)
            tasks = {(ti["task_id"], ti["map_index"]): ti for ti in api.task_instances(DAG_ID, run_id)}
            yield {"settings": settings, "state": state, "killed": killed, "tries": tries, "tasks": tasks,
                   "pages_at_kill": pages_at_kill, "paths": list(site.paths)}
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            services.reset(settings, ["celery", "redis", "postgres"])  # stops, then deletes their data
            with contextlib.suppress(OSError):  # as root: the emptied /var/lib/govpub/<hash of this home>/
                service_base(settings, "redis").parent.rmdir()


def test_run_succeeds_after_the_worker_died(celery_run):
    assert celery_run["state"] == "success", celery_run["tasks"]


def test_crawl_retried_on_the_other_worker(celery_run):
    tries = celery_run["tries"]
    assert [t["try_number"] for t in tries] == [1, 2], tries
    first, second = tries
    assert worker_of(first) == celery_run["killed"].worker
    assert first["state"] == "failed"  # failed by the scheduler: no heartbeat from the dead worker
    assert second["state"] == "success"
    assert worker_of(second) != worker_of(first) and worker_of(second) in ("crawl", "process")


def test_the_killed_crawl_was_in_the_middle(celery_run):
    # killed after a few of the site's pages, and the retry fetched the column page again
    assert KILL_AFTER_PAGES <= celery_run["pages_at_kill"] < 15
    column_page = "/longwan/xxgk/jhzj/index.html"
    assert Counter(celery_run["paths"])[column_page] >= 2


def test_other_tasks_ran_on_the_process_queue(celery_run):
    for task in ("site.parse", "site.archive", "site.index", "site.check"):
        assert worker_of(celery_run["tasks"][(task, 0)]) == "process", task
    for task in ("list_sites", "summarize", "clusters"):
        assert worker_of(celery_run["tasks"][(task, -1)]) == "process", task


def test_every_document_archived_and_indexed_exactly_once(celery_run, es):
    settings = celery_run["settings"]
    archive = Archive(settings)
    expected = {doc_id_for(settings.sample_site_url + a["url"]) for a in ARTICLES}
    kinds: dict[str, list[str]] = {}
    for key in archive.list_keys(f"{archive.prefix}documents/{SITE}/"):
        _site, doc_id, kind = parse_document_key(key)
        kinds.setdefault(doc_id, []).append(kind)
    assert set(kinds) == expected
    for doc_id in expected:  # one version written, never a second one for the same content
        assert sorted(k for k in kinds[doc_id] if k != "status") == ["latest", "v1"], (doc_id, kinds[doc_id])
    assert index.count(es, settings.es_alias) == len(expected)
    hits = es.search(index=settings.es_alias, size=100, query={"match_all": {}}, source=False)["hits"]["hits"]
    assert sorted(hit["_id"] for hit in hits) == sorted(expected)
