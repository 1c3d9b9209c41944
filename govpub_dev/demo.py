"""`python -m govpub_dev demo` (the README's first command): the main job on the bundled sample site.

services up → sample site on 127.0.0.1 → `airflow dags test govpub_crawl` → sample search.
Safe to run again: document ids and keys are deterministic, so a second run writes no
new documents and indexes the same ids.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

from govpub.settings import REPO_ROOT, Settings

DAG_ID = "govpub_crawl"
#: The demo crawls the three original sample bureaus only, so it stays quick; the tests crawl
#: every bureau of sites/sample.toml (the CMS-preset ones too).
DEMO_SITES = ("longwan-jyj", "jintan-jyj", "fanwen")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run_demo(settings: Settings, query: str = "课后服务") -> int:
    from govpub import index
    from govpub.search import engine, render
    from govpub.archive import Archive
    from govpub_dev import services

    started = time.monotonic()
    say("starting local services (Elasticsearch, S3Proxy); first run downloads them")
    services.ensure_up(settings, ("elasticsearch", "s3"))

    with _sample_site(settings.sample_site_url):
        say("preparing the Airflow metadata database")
        services.ensure_airflow_db(settings)
        Archive(settings).ensure_bucket()
        _upgrade_index(settings)

        sites = demo_sites()
        say(f"running the {DAG_ID} DAG through Airflow (`airflow dags test`) on {len(sites)} sites: {', '.join(sites)}")
        env = {**os.environ, **services.airflow_env(settings), **settings.to_env()}
        code = _stream(["airflow", "dags", "test", DAG_ID, "-c", json.dumps({"sites": sites})], env)
        if code != 0:
            say(f"the DAG run failed (exit {code}); see the task logs above")
            return 1

    es = index.client(settings)
    result = engine.search(es, settings.es_alias, query, size=5)
    say(f'sample search: "{query}" — {result.total} documents')
    print(render.format_hits_table(result))
    total = index.count(es, settings.es_alias)
    print()
    say(f"done in {time.monotonic() - started:.0f}s. Where to look:")
    print(f"  documents indexed : {total} in alias {settings.es_alias} at {settings.es_url}")
    print(f"  raw WARC archive  : s3://{settings.s3_bucket}/{settings.s3_prefix}raw/<site>/<date>/")
    print(f"  documents (JSON)  : s3://{settings.s3_bucket}/{settings.s3_prefix}documents/<site>/<id>/latest.json (versions v<n>.json)")
    print(f"  run manifests     : s3://{settings.s3_bucket}/{settings.s3_prefix}runs/<run_id>/<site>/")
    print(f"  S3 endpoint       : {settings.s3_endpoint} (access key {settings.s3_access_key})")
    print(f"  Airflow UI        : `.venv/bin/python -m govpub_dev services up airflow`, then http://127.0.0.1:8080 (DAG {DAG_ID})")
    print(f"  search yourself   : .venv/bin/govpub search '\"{query}\"' --site longwan-jyj")
    print("  site health       : .venv/bin/govpub status; .venv/bin/govpub report --out report.html")
    return 0


def _upgrade_index(settings: Settings) -> None:
    """An index left by an older govpub (an older mapping version) is rebuilt from S3 first, as
    `govpub reindex` would: the pipeline refuses to write into it."""
    from govpub import index
    from govpub.pipeline.rebuild import rebuild_index

    problem = index.outdated(index.client(settings), settings.es_alias)
    if problem:
        say(f"{problem}; rebuilding it now")
        rebuild_index(settings, echo=lambda line: print(f"  {line}", flush=True))


def demo_sites() -> list[str]:
    """The three original bureaus (34 articles): the demo stays fast. The other sample bureaus
    (one per list mechanism) and the 3,000-article column are crawled by the tests."""
    return list(DEMO_SITES)


def _sample_site(base_url: str) -> contextlib.AbstractContextManager:
    """Serve the sample site at base_url for a `with` block, unless something there already serves it."""
    from govpub_dev.samplesite import make_server
    from govpub_dev.serving import serving

    if _answers(base_url + "/robots.txt"):
        say(f"sample site already served at {base_url}")
        return contextlib.nullcontext()
    parts = urlsplit(base_url)
    server = make_server(parts.hostname or "127.0.0.1", parts.port or 80, quiet=True)
    say(f"serving the sample bureau sites at {base_url}/")
    return serving(server, name="sample-site")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stream(command: list[str], env: dict[str, str]) -> int:
    """Run a command with its output shown live, trimmed of Airflow's per-line noise."""
    process = subprocess.Popen(
        command, env=env, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if _interesting(line):
            sys.stdout.write("    " + _STRUCTLOG.sub(r"\1", line))
            sys.stdout.flush()
    return process.wait()


# "2026-…Z [info     ] message [logger] loc=file.py:12" → "message"
_STRUCTLOG = re.compile(r"^\S+Z \[\w+\s*\] (.*?)\s+\[govpub\.airflow\] loc=\S+$")
_SITE_LINE = re.compile(r"^\[[a-z0-9-]+\] ")  # our own per-site progress lines (govpub.pipeline echo)


def _interesting(line: str) -> bool:
    """Per-site progress, the run summary, the run's final state and anything that went wrong."""
    return bool(
        _SITE_LINE.match(line)
        or "[govpub.airflow]" in line
        or "DagRun Finished" in line
        or "Traceback" in line
        or "[error" in line
        or line.startswith(("govpub.", "RuntimeError", "ValueError"))
    )
