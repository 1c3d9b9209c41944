"""DAG integrity: every DAG file imports cleanly and follows the house rules (Astronomer-style)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govpub.settings import REPO_ROOT

DAG_FILES = sorted((REPO_ROOT / "dags").glob("*.py"))

# DagBag runs in a child process so Airflow's config (AIRFLOW_HOME) never leaks into the test process.
PROBE = textwrap.dedent(
    """
    import json, time
    started = time.monotonic()
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder={folder!r})
    print(json.dumps({{
        "errors": {{str(k): str(v) for k, v in bag.import_errors.items()}},
        "seconds": time.monotonic() - started,
        "dags": {{
            d.dag_id: {{
                "tags": sorted(d.tags),
                "retries": d.default_args.get("retries", 0),
                "tasks": {{t.task_id: t.retries for t in d.tasks}},
                "doc": bool(d.doc_md),
                "file": d.fileloc,
                "schedule": repr(getattr(d.timetable, "asset_condition", d.timetable)),
                "outlets": {{t.task_id: [getattr(o, "name", str(o)) for o in t.outlets] for t in d.tasks}},
                "queues": {{t.task_id: t.queue for t in d.tasks}},
            }} for d in bag.dags.values()
        }},
    }}))
    """
)


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory) -> dict:
    import json

    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(folder=str(REPO_ROOT / "dags"))],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dag_files_exist():
    assert DAG_FILES, "no DAG files in dags/"


def test_no_import_errors(dagbag):
    assert dagbag["errors"] == {}


def test_every_dag_file_defines_a_dag(dagbag):
    files = {Path(d["file"]).name for d in dagbag["dags"].values()}
    assert {p.name for p in DAG_FILES} <= files


def test_dags_have_tags_docs_and_retries(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert dag["tags"], f"{dag_id} has no tags"
        assert dag["doc"], f"{dag_id} has no doc_md"
        assert dag["retries"] >= 2, f"{dag_id} default retries < 2"


def test_crawl_dag_shape(dagbag):
    tasks = dagbag["dags"]["govpub_crawl"]["tasks"]
    assert {"list_sites", "site.crawl", "site.parse", "site.archive", "site.index", "summarize"} <= set(tasks)
    for step in ("site.crawl", "site.parse", "site.archive", "site.index", "clusters", "reconcile"):
        assert tasks[step] >= 2, f"{step} must retry"


def test_archive_asset_links_crawl_to_export(dagbag):
    from govpub.airflow.assets import ARCHIVE_DOCUMENTS

    crawl = dagbag["dags"]["govpub_crawl"]
    assert crawl["outlets"]["clusters"] == [ARCHIVE_DOCUMENTS.name]
    assert ARCHIVE_DOCUMENTS.name in dagbag["dags"]["govpub_export"]["schedule"]
    assert set(dagbag["dags"]["govpub_reindex"]["tasks"]) == {"reindex"}


def test_crawls_on_the_crawl_queue_and_every_other_task_on_process(dagbag):
    # The Celery workers read only these two queues (docs/celery.md); other executors ignore them.
    from govpub.airflow.tasks import CRAWL_QUEUE, PROCESS_QUEUE

    queues = dagbag["dags"]["govpub_crawl"]["queues"]
    assert queues["site.crawl"] == CRAWL_QUEUE
    assert {q for task, q in queues.items() if task != "site.crawl"} == {PROCESS_QUEUE}


def test_dag_files_do_no_work_at_parse_time(dagbag):
    # Parsing must stay cheap: DAG files import logic lazily and do no I/O at the top level.
    assert dagbag["seconds"] < 30
    for path in DAG_FILES:
        source = path.read_text(encoding="utf-8")
        top_level = [line for line in source.splitlines() if line and not line.startswith((" ", "#", '"', ")"))]
        assert not any("Settings.from_env" in line or "load_sites(" in line for line in top_level), path


def test_parsers_and_spiders_import_from_this_repo():
    # `parsers` and `spiders` are generic top-level names: make sure ours are the ones installed.
    import parsers
    import spiders

    assert Path(parsers.__file__).resolve().is_relative_to(REPO_ROOT)
    assert Path(spiders.__file__).resolve().is_relative_to(REPO_ROOT)
