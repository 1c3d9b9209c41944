"""The sample world's truth (sample_site/manifest.json) against indexed documents, line by line.

One comparison for bench/sample_truth.py (after `make demo`) and tests/dags/test_dag_e2e.py (after
a real DAG run): title, publish date, source, 发文字号, 索引号 exactly, and the body line by line
(exact, not F1), with a unified diff for each mismatch. It iterates over whatever articles the
manifest lists, so a bureau added to the sample world is covered without touching either caller.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from govpub.schema import doc_id_for
from govpub.settings import REPO_ROOT

FIELDS = ("title", "publish_date", "source", "doc_number", "index_no")
MANIFEST = REPO_ROOT / "sample_site" / "manifest.json"


def manifest_articles(path: Path = MANIFEST) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["articles"]


def expected_body(article: dict) -> list[str]:
    lines = article["body"].splitlines()
    if not lines and article.get("attachment_text_file"):  # a notice whose body is its attachment
        text = (REPO_ROOT / article["attachment_text_file"]).read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines


def differences(article: dict, source: dict) -> list[str]:
    """What differs between a manifest article and the indexed document's _source (empty: exact)."""
    out = [f"  {f}: indexed {source.get(f)!r}, expected {article[f]!r}"
           for f in FIELDS if f in article and source.get(f) != article[f]]
    want, got = expected_body(article), (source.get("body") or "").splitlines()
    if want != got:
        diff = difflib.unified_diff(want, got, "expected", "indexed", lineterm="", n=0)
        out.append("  body:\n" + "\n".join("    " + line for line in diff))
    return out


def mismatches(es, alias: str, base_url: str, articles: list[dict]) -> list[str]:
    """One report per manifest article whose indexed document is missing or differs."""
    reports = []
    for article in articles:
        found = es.options(ignore_status=404).get(index=alias, id=doc_id_for(base_url + article["url"]))
        problems = differences(article, found["_source"]) if found.get("found") else ["  not indexed"]
        if problems:
            reports.append(f"MISMATCH {article['site']} {article['url']} ({article['title']})\n" + "\n".join(problems))
    return reports
