#!/usr/bin/env python
"""Every indexed document of the sample world against sample_site/manifest.json, line by line.

Compares title, publish date, source, 发文字号, 索引号 and the body (exact, line by line — not F1)
of each manifest article with the document indexed for it, and prints a diff for each mismatch.
Run it after `make demo` (the demo's alias and the sample site's URL by default):

    .venv/bin/python bench/sample_truth.py
    GOVPUB_ES_ALIAS=… .venv/bin/python bench/sample_truth.py --base-url http://127.0.0.1:8799

Exit code: 0 when every article is indexed and matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from govpub import index  # noqa: E402
from govpub.schema import doc_id_for  # noqa: E402
from govpub.settings import Settings  # noqa: E402

FIELDS = ("title", "publish_date", "source", "doc_number", "index_no")


def expected_body(article: dict) -> list[str]:
    lines = article["body"].splitlines()
    if not lines and article.get("attachment_text_file"):  # a notice whose body is its attachment
        text = (REPO / article["attachment_text_file"]).read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines


def differences(article: dict, source: dict) -> list[str]:
    out = [f"  {f}: indexed {source.get(f)!r}, expected {article[f]!r}"
           for f in FIELDS if f in article and source.get(f) != article[f]]
    want, got = expected_body(article), (source.get("body") or "").splitlines()
    if want != got:
        diff = difflib.unified_diff(want, got, "expected", "indexed", lineterm="", n=0)
        out.append("  body:\n" + "\n".join("    " + line for line in diff))
    return out


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=settings.sample_site_url, help="the sample site's URL in the crawl")
    parser.add_argument("--manifest", type=Path, default=REPO / "sample_site" / "manifest.json")
    args = parser.parse_args(argv)
    articles = json.loads(args.manifest.read_text(encoding="utf-8"))["articles"]
    es = index.client(settings)
    index.check_reachable(es, settings)
    bad = 0
    for article in articles:
        found = es.options(ignore_status=404).get(index=settings.es_alias, id=doc_id_for(args.base_url + article["url"]))
        problems = differences(article, found["_source"]) if found.get("found") else ["  not indexed"]
        if problems:
            bad += 1
            print(f"MISMATCH {article['site']} {article['url']} ({article['title']})\n" + "\n".join(problems))
    print(f"{len(articles)} articles in the manifest, {index.count(es, settings.es_alias)} documents in "
          f"{settings.es_alias}: {len(articles) - bad} match exactly, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
