#!/usr/bin/env python
"""Re-crawl cost on the sample site: the second crawl as a fraction of the first.

Serves a private copy of sample_site/www, crawls every sample site into a fresh bucket (run 1,
a full sweep), then adds a new longwan article and changes an existing one, and crawls again
(run 2, incremental: conditional requests + stop paging). Prints requests, full pages (200)
downloaded and body bytes for both runs and their ratios, the duplicate clusters found, and
asserts that the new and the changed article were both picked up.

Then the big column (longwan-lnwj: 3,000 articles over 150 list pages): a first crawl (full
sweep), the next day's incremental crawl of the unchanged column — its request ratio, target
<= 0.10 — and, after a silent edit of an old article (list page 100: beyond any incremental
walk), the crawl on the last day the adaptive schedule allows (docs/archive.md): the edit must
be found by then. `--small-only` skips the big column.

    .venv/bin/python bench/recrawl.py [--small-only]   # needs `python -m govpub_dev services up` (S3 + Elasticsearch)
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
import threading
import uuid
from pathlib import Path

# govpub_dev (dev tooling) runs from the checkout; it is not installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from govpub_dev import sampleedit
from govpub.archive import Archive
from govpub.settings import Settings
from govpub.archive.clusters import load_clusters
from govpub.pipeline.clusters import update_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import run_steps
from govpub_dev.samplesite import make_server

SITES = ("fanwen", "jintan-jyj", "longwan-jyj")
BIG = "longwan-lnwj"


def crawl_all(settings: Settings, run_id: str, day: str, sites=SITES) -> dict:
    totals = {"requests": 0, "pages": 0, "not_modified": 0, "bytes": 0, "wire_bytes": 0, "new": 0, "changed": 0,
              "unchanged": 0, "seconds": 0.0}
    archive = Archive(settings)
    for site in sites:
        started = time.monotonic()
        context = RunContext(settings, echo=lambda line: None, archive=archive)
        steps = run_steps(context, site, run_id, day)
        crawl, archived = steps.crawl, steps.archive
        totals["requests"] += crawl.requests
        totals["pages"] += sum(1 for r in crawl.records if r["status"] == 200)
        totals["not_modified"] += crawl.not_modified
        totals["bytes"] += crawl.bytes_fetched
        totals["wire_bytes"] += crawl.wire_bytes
        totals["new"] += archived.documents_new
        totals["changed"] += archived.documents_changed
        totals["unchanged"] += archived.documents_unchanged
        totals["seconds"] += time.monotonic() - started
    return totals


def big_column(settings: Settings, root: Path) -> bool:
    """The 3,000-article column: next-day ratio, and a silent edit found within the schedule's bound."""
    from datetime import date, timedelta

    from govpub.crawl.state import DEFAULT_REVALIDATE_MAX_DAYS, load_state
    from govpub_dev.samplesite import _bigcolumn

    day0 = date(2026, 11, 20)
    first = crawl_all(settings, "big-1", day0.isoformat(), (BIG,))
    second = crawl_all(settings, "big-2", (day0 + timedelta(days=1)).isoformat(), (BIG,))
    edited = _bigcolumn().articles()[2000]  # on list page 101
    sampleedit.change_article(root, sampleedit.write_generated_page(root, edited.url).relative_to(root).as_posix(),
                              text="（更正：本文第二段数据已于2026年11月核实。）")
    bound = math.ceil(1.25 * DEFAULT_REVALIDATE_MAX_DAYS)
    state = load_state(Archive(settings), BIG)
    due = state["articles"][settings.sample_site_url + edited.url]["next_check"]
    last = crawl_all(settings, "big-3", (day0 + timedelta(days=bound)).isoformat(), (BIG,))
    print(f"\nbig column {BIG}: {first['new']} documents over 150 list pages")
    print(f"{'':<24}{'run 1 (full)':>14}{'run 2 (next day)':>18}{'ratio':>8}")
    for key, label in (("requests", "HTTP requests"), ("pages", "pages downloaded (200)"),
                       ("bytes", "body bytes downloaded"), ("seconds", "seconds (4 steps)")):
        print(f"{label:<24}{first[key]:>14.0f}{second[key]:>18.0f}{second[key] / first[key]:>8.3f}")
    ratio = second["requests"] / first["requests"]
    print(f"big column second-crawl request ratio: {ratio:.4f} (target <= 0.10): "
          f"{'OK' if ratio <= 0.10 else 'ABOVE TARGET'}")
    print(f"silent edit of an article on list page 101 (next check due {due}): crawl on day {bound} "
          f"(the bound) sent {last['requests']} requests, {last['changed']} changed document(s) found: "
          f"{'OK' if last['changed'] == 1 else 'MISSED'}")
    return ratio <= 0.10 and last["changed"] == 1


def main() -> int:
    small_only = "--small-only" in sys.argv[1:]
    tag = uuid.uuid4().hex[:8]
    base = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="govpub-recrawl-") as tmp:
        root = sampleedit.copy_sample_site(Path(tmp))
        server = make_server("127.0.0.1", 0, root, quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings = base.with_overrides(
            s3_bucket=f"govpub-bench-{tag}", es_alias=f"govpub-bench-{tag}", sample_site_url=server.url
        )
        archive = Archive(settings)
        archive.ensure_bucket()
        try:
            first = crawl_all(settings, "bench-1", "2026-11-20")
            clusters = update_clusters(RunContext(settings, echo=lambda line: None, archive=archive)).to_dict()
            sampleedit.change_article(root)
            sampleedit.add_article(root)
            second = crawl_all(settings, "bench-2", "2026-11-21")
            print(f"{'':<24}{'run 1 (full)':>14}{'run 2 (incr.)':>15}{'ratio':>8}")
            for key, label in (("requests", "HTTP requests"), ("pages", "pages downloaded (200)"),
                               ("bytes", "body bytes downloaded"), ("wire_bytes", "bytes on the wire")):
                print(f"{label:<24}{first[key]:>14}{second[key]:>15}{second[key] / first[key]:>8.3f}")
            print(f"{'304 not modified':<24}{first['not_modified']:>14}{second['not_modified']:>15}")
            print(f"run 2 documents: {second['new']} new, {second['changed']} changed, {second['unchanged']} unchanged")
            print(f"duplicate clusters: {clusters['clusters']} ({clusters['clustered_documents']} documents "
                  f"of {clusters['documents']})")
            for cluster in load_clusters(archive)["clusters"]:
                members = ", ".join(f"{m['site']}:{m['id'][:8]} sim={m['similarity']}{' exact' if m['exact'] else ''}" for m in cluster["members"])
                print(f"  canonical {cluster['canonical_id'][:8]}: {members}")
            assert second["new"] == 1, "the new article was missed"
            assert second["changed"] == 1, "the changed article was missed"
            ratio = max(second["pages"] / first["pages"], second["bytes"] / first["bytes"])
            print(f"recrawl ratio (max of pages, bytes): {ratio:.3f} (target <= 0.10): "
                  f"{'OK' if ratio <= 0.10 else 'ABOVE TARGET'}")
            from govpub.pipeline.rebuild import rebuild_index

            rebuilt = rebuild_index(settings, echo=lambda line: None, rebuild_id="bench")
            print(f"reindex from S3: {rebuilt['documents']} documents in {rebuilt['seconds']:.2f}s "
                  f"({rebuilt['docs_per_second']:.0f} docs/s), alias moved to {rebuilt['index']}")
            if not small_only and not big_column(settings, root):
                return 1
        finally:
            from govpub import index

            index.delete_alias_and_indices(index.client(settings), settings.es_alias)
            archive.delete_bucket_contents_and_bucket()
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
