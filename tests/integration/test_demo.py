"""The README's first command, as a user runs it (`python -m govpub_dev demo`, which `make demo` calls after
bootstrap): twice, against this test module's own bucket, alias and Airflow home."""

import json
import os
import re
import subprocess
import sys

import pytest

from govpub import index
from govpub.archive import Archive
from govpub.settings import REPO_ROOT
from govpub_dev.demo import DEMO_SITES
from tests.ports import free_port

pytestmark = [pytest.mark.services, pytest.mark.airflow]

ARTICLES = sum(a["site"] in DEMO_SITES
               for a in json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))["articles"])


@pytest.fixture(scope="module")
def demo_runs(module_settings, tmp_path_factory):
    env = {
        **os.environ,
        "GOVPUB_S3_BUCKET": module_settings.s3_bucket,
        "GOVPUB_ES_ALIAS": module_settings.es_alias,
        "GOVPUB_SAMPLE_SITE_URL": f"http://127.0.0.1:{free_port()}",
        "GOVPUB_HOME": str(tmp_path_factory.mktemp("govpub-home")),  # its own Airflow DB
    }
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "govpub_dev", "demo"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
        runs.append(result)
    return runs


def test_demo_succeeds_and_prints_a_ranked_search_and_where_to_look(demo_runs):
    first = demo_runs[0]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = first.stdout
    assert "sample search" in out and "  1. " in out and "【" in out  # ranked hits with highlighted snippets
    for where in ("Airflow UI", "raw WARC archive", "s3://", "alias"):
        assert where in out


def test_second_demo_writes_no_new_documents(module_settings, demo_runs, es):
    second = demo_runs[1]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    written = [int(a) + int(b) for a, b in re.findall(r"archived (\d+) new, (\d+) changed documents", second.stdout)]
    assert len(written) == 3 and set(written) == {0}, written
    documents = [k for k in Archive(module_settings).list_keys("documents/") if k.endswith("/latest.json")]
    assert len(documents) == ARTICLES
    assert index.count(es, module_settings.es_alias) == ARTICLES
