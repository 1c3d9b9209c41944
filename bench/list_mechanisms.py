#!/usr/bin/env python
"""Each list mechanism crawled twice on the sample world: requests of a full sweep and of an
incremental recrawl of the unchanged column, side by side in one run.

Serves sample_site/www, crawls one bureau per mechanism into a fresh bucket (run 1, a full sweep),
archives it (the crawl state), and crawls it again unchanged (run 2: conditional requests, paging
stops at the first all-known list page). Prints per bureau the list requests (GET/POST), the
article requests, the 304s, and run 2's requests as a fraction of run 1's.

    .venv/bin/python bench/list_mechanisms.py     # needs `python -m govpub_dev services up` (S3)
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

# govpub_dev (dev tooling) runs from the checkout; it is not installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from govpub.archive import Archive  # noqa: E402
from govpub.pipeline.context import RunContext  # noqa: E402
from govpub.pipeline.crawl_step import crawl_site  # noqa: E402
from govpub.pipeline.steps import archive_site, parse_site  # noqa: E402
from govpub.registry import load_sites  # noqa: E402
from govpub.settings import Settings  # noqa: E402
from govpub_dev.samplesite import make_server  # noqa: E402
from govpub_dev.serving import serving  # noqa: E402

#: one bureau per mechanism (sites/sample.toml)
BUREAUS = ("jintan-jyj", "nanhu-jyj", "keqiao-jyj", "liyang-jyj", "huadu-jyj")


def counts(crawl) -> dict:
    lists = [r for r in crawl.records if r["kind"] == "list"]
    return {"requests": crawl.requests, "lists": len(lists), "articles": sum(r["kind"] == "article" for r in crawl.records),
            "not_modified": crawl.not_modified}


def main() -> int:
    tag = uuid.uuid4().hex[:8]
    with serving(make_server("127.0.0.1", 0, quiet=True)) as server:
        settings = Settings.from_env().with_overrides(s3_bucket=f"govpub-bench-{tag}", sample_site_url=server.url)
        archive = Archive(settings)
        archive.ensure_bucket()
        sites = load_sites(settings.sites_dir, {"GOVPUB_SAMPLE_SITE_URL": server.url})
        try:
            print(f"{'bureau':<12}{'mechanism':<14}{'run 1: lists/articles/requests':>32}{'run 2: lists/304s/requests':>30}"
                  f"{'ratio':>7}")
            for site_id in BUREAUS:
                context = RunContext(settings, echo=lambda line: None, archive=archive)
                first = crawl_site(context, site_id, "bench-1", "2026-11-20")
                archive_site(context, parse_site(context, first), first)
                second = crawl_site(context, site_id, "bench-2", "2026-11-20")
                a, b = counts(first), counts(second)
                print(f"{site_id:<12}{sites[site_id].links.mechanism:<14}"
                      f"{a['lists']:>14}/{a['articles']:>3}/{a['requests']:>3}{'':>9}"
                      f"{b['lists']:>12}/{b['not_modified']:>3}/{b['requests']:>3}{'':>9}"
                      f"{b['requests'] / a['requests']:>7.2f}")
        finally:
            archive.delete_bucket_contents_and_bucket()
    return 0


if __name__ == "__main__":
    sys.exit(main())
