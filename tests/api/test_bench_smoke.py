"""bench/search.py runs end to end on a tiny corpus (a smoke test: no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govpub import index
from govpub.settings import REPO_ROOT

pytestmark = pytest.mark.services


def test_search_bench_runs_and_cleans_up(session_settings, es):
    env = {**os.environ, **session_settings.to_env()}
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "search.py"), "--docs", "300", "--rounds", "1"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "indexing: 300 documents" in out and "documents/s" in out
    assert "ALL" in out and "overhead p50" in out and "targets:" in out
    alias = out.split("→ alias ")[1].split()[0]
    assert f"deleted {alias}" in out and index.alias_indices(es, alias) == []
