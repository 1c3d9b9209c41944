"""A whole site run in one process (the CLI's `govpub crawl`): the four steps, clusters, stats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from govpub.ops.stats import record_site_run
from govpub.pipeline.clusters import update_clusters
from govpub.pipeline.context import RunContext
from govpub.pipeline.results import ArchiveResult, CrawlResult, IndexResult, ParseResult, SiteSummary
from govpub.pipeline.crawl_step import crawl_site
from govpub.pipeline.steps import archive_site, index_site, parse_site


def new_run_id() -> str:
    return "manual__" + datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")


@dataclass(frozen=True)
class SiteSteps:
    """What each of a site's four steps returned, in order."""

    crawl: CrawlResult
    parse: ParseResult
    archive: ArchiveResult
    index: IndexResult

    def summary(self) -> SiteSummary:
        return summarize_site(self.crawl, self.parse, self.archive, self.index)


def run_steps(
    context: RunContext,
    site_id: str,
    run_id: str,
    crawl_date: str | None = None,
    full_sweep: bool | None = None,
) -> SiteSteps:
    """crawl → parse → archive → index for one site, each result handed to the next step
    (nothing the run wrote is read back). No clusters, no stats record: see `run_site`."""
    return process_crawl(context, crawl_site(context, site_id, run_id, crawl_date, full_sweep))


def process_crawl(context: RunContext, crawl: CrawlResult) -> SiteSteps:
    """parse → archive → index of a crawl already made (one of `crawl_sites`' results, say)."""
    parsed = parse_site(context, crawl)
    archived = archive_site(context, parsed, crawl)
    return SiteSteps(crawl, parsed, archived, index_site(context, archived))


def run_site(
    context: RunContext,
    site_id: str,
    run_id: str | None = None,
    full_sweep: bool | None = None,
) -> SiteSummary:
    """All four steps for one site, in this process (the CLI's `govpub crawl`), then the
    clusters and the site's stats record with its data-quality checks."""
    run_id = run_id or new_run_id()
    steps = run_steps(context, site_id, run_id, full_sweep=full_sweep)
    update_clusters(context)
    # stats record + data-quality checks (docs/operations.md)
    record = record_site_run(
        context.settings, site_id, run_id, run_date=steps.crawl.crawl_date, echo=context.echo,
        archive=context.archive, es=context.es,
        steps=context.step_records(run_id, site_id),
        documents=steps.parse.documents,
    )
    summary = steps.summary()
    summary.quality_issues = record.quality_issues
    return summary


def summarize_site(crawl: CrawlResult, parsed: ParseResult, archived: ArchiveResult, indexed: IndexResult) -> SiteSummary:
    return SiteSummary(
        site=crawl.site,
        run_id=crawl.run_id,
        pages_fetched=crawl.pages_fetched,
        bytes_fetched=crawl.bytes_fetched,
        articles_found=parsed.articles_found,
        documents_parsed=parsed.documents_parsed,
        documents_written=archived.documents_written,
        documents_unchanged=archived.documents_unchanged,
        documents_new=archived.documents_new,
        documents_changed=archived.documents_changed,
        documents_not_modified=archived.documents_not_modified,
        documents_deleted=archived.documents_deleted,
        documents_indexed=indexed.documents_indexed,
        errors=crawl.errors + parsed.errors + indexed.errors,
    )


def format_summary(rows: list[SiteSummary]) -> str:
    header = f"{'site':<20} {'fetched':>7} {'articles':>8} {'parsed':>6} {'written':>7} {'unchanged':>9} {'indexed':>7} {'errors':>6}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.site:<20} {r.pages_fetched:>7} {r.articles_found:>8} {r.documents_parsed:>6} "
            f"{r.documents_written:>7} {r.documents_unchanged:>9} {r.documents_indexed:>7} {len(r.errors):>6}"
        )
    return "\n".join(lines)
