#!/usr/bin/env python
"""Every indexed document of the sample world against sample_site/manifest.json, line by line.

Compares title, publish date, source, 发文字号, 索引号 and the body (exact, line by line — not F1)
of each manifest article with the document indexed for it, and prints a diff for each mismatch
(the comparison is govpub_dev/sample_truth.py, shared with tests/dags/test_dag_e2e.py).
Run it after `make demo` (the demo's alias and the sample site's URL by default):

    .venv/bin/python bench/sample_truth.py
    GOVPUB_ES_ALIAS=… .venv/bin/python bench/sample_truth.py --base-url http://127.0.0.1:8799

Exit code: 0 when every article is indexed and matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from govpub import index  # noqa: E402
from govpub.settings import Settings  # noqa: E402
from govpub_dev.demo import DEMO_SITES  # noqa: E402
from govpub_dev.sample_truth import MANIFEST, manifest_articles, mismatches  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=settings.sample_site_url, help="the sample site's URL in the crawl")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--sites", nargs="*", default=list(DEMO_SITES),
                        help="the sites the run crawled (default: the demo's)")
    args = parser.parse_args(argv)
    articles = [a for a in manifest_articles(args.manifest) if a["site"] in args.sites]
    es = index.client(settings)
    index.check_reachable(es, settings)
    reports = mismatches(es, settings.es_alias, args.base_url, articles)
    for report in reports:
        print(report)
    bad = len(reports)
    print(f"{len(articles)} articles in the manifest, {index.count(es, settings.es_alias)} documents in "
          f"{settings.es_alias}: {len(articles) - bad} match exactly, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
