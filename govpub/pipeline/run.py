"""A whole site run in one process (the CLI's `govpub crawl`): the four steps, clusters, stats."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from govpub.ops.stats import record_site_run
from govpub.pipeline.clusters import update_clusters
from govpub.pipeline.steps import archive_site, crawl_site, index_site, parse_site
from govpub.settings import Settings


def new_run_id() -> str:
    return "manual__" + datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")


def run_site(
    settings: Settings,
    site_id: str,
    run_id: str | None = None,
    echo: Callable[[str], None] = print,
    full_sweep: bool | None = None,
) -> dict:
    """All four steps for one site, in this process (the CLI's `govpub crawl`), then the clusters."""
    run_id = run_id or new_run_id()
    crawl = crawl_site(settings, site_id, run_id, echo=echo, full_sweep=full_sweep)
    parsed = parse_site(settings, crawl, echo=echo)
    archived = archive_site(settings, parsed, echo=echo)
    indexed = index_site(settings, archived, echo=echo)
    update_clusters(settings, echo=echo)
    # stats record + data-quality checks (docs/operations.md)
    record = record_site_run(settings, site_id, run_id, run_date=crawl["crawl_date"], echo=echo)
    return summarize_site(crawl, parsed, archived, indexed) | {"quality_issues": record.quality_issues}


def summarize_site(crawl: dict, parsed: dict, archived: dict, indexed: dict) -> dict:
    return {
        "site": crawl["site"],
        "run_id": crawl["run_id"],
        "pages_fetched": crawl["pages_fetched"],
        "bytes_fetched": crawl["bytes_fetched"],
        "articles_found": parsed["articles_found"],
        "documents_parsed": parsed["documents_parsed"],
        "documents_written": archived["documents_written"],
        "documents_unchanged": archived["documents_unchanged"],
        "documents_new": archived.get("documents_new", 0),
        "documents_changed": archived.get("documents_changed", 0),
        "documents_not_modified": archived.get("documents_not_modified", 0),
        "documents_deleted": archived.get("documents_deleted", 0),
        "documents_indexed": indexed["documents_indexed"],
        "errors": crawl["errors"] + parsed["errors"] + indexed["errors"],
    }


def format_summary(rows: list[dict]) -> str:
    header = f"{'site':<20} {'fetched':>7} {'articles':>8} {'parsed':>6} {'written':>7} {'unchanged':>9} {'indexed':>7} {'errors':>6}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['site']:<20} {r['pages_fetched']:>7} {r['articles_found']:>8} {r['documents_parsed']:>6} "
            f"{r['documents_written']:>7} {r['documents_unchanged']:>9} {r['documents_indexed']:>7} {len(r['errors']):>6}"
        )
    return "\n".join(lines)
