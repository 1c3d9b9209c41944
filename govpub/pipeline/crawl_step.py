"""The crawl step of a site's run: the Scrapy spider in a child process (govpub.crawl.runner says
why), raw WARC to S3, the spider's report turned into a CrawlResult and the step's record.
Several sites can share one Scrapy process (`crawl_sites`). The steps after it: govpub.pipeline.steps.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from govpub.crawl.report import articles_found
from govpub.crawl.runner import CrawlFailed, crawl_many_command, crawl_options, run_streaming, scrapy_command
from govpub.crawl.state import due_articles, load_state, sweep_due, write_spider_state
from govpub.pipeline.context import RunContext, record_key
from govpub.pipeline.results import CrawlResult
from govpub.registry import Site, get_site
from govpub.settings import REPO_ROOT


def crawl_site(
    context: RunContext,
    site_id: str,
    run_id: str,
    crawl_date: str | None = None,
    full_sweep: bool | None = None,
) -> CrawlResult:
    """Fetch a site with the Scrapy spider in a child process; raw WARC goes to S3.

    The spider gets the site's crawl state (govpub.crawl.state): conditional requests for
    known pages, and no paging past known articles unless a full sweep is due (or forced).
    """
    site = get_site(context.settings.sites_dir, site_id)
    archive = context.archive
    archive.ensure_bucket()  # fail fast, naming the endpoint, before fetching anything
    crawl_date = crawl_date or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    state = load_state(archive, site.id)
    if full_sweep is None:
        full_sweep = sweep_due(site, state, crawl_date)
    started = time.monotonic()
    report = run_spider(context, site, run_id, crawl_date, state, full_sweep)
    return finish_crawl(context, site, run_id, crawl_date, report, round(time.monotonic() - started, 2), state)


def finish_crawl(context: RunContext, site: Site, run_id: str, crawl_date: str, report: dict, seconds: float,
                 state: dict) -> CrawlResult:
    """Record the crawl step from the spider's report; CrawlFailed when no column page was fetched."""
    crawl = crawl_result(site.id, run_id, crawl_date, report, seconds)
    crawl.state = state
    context.put_step_record(run_id, site.id, "crawl", crawl.to_record())
    if not crawl.succeeded:
        reasons = "; ".join(f"{e['url']}: {e['message']}" for e in crawl.errors[:3]) or "no response"
        raise CrawlFailed(f"{site.id}: no column page could be fetched ({reasons})")
    context.echo(
        f"[{site.id}] fetched {crawl.pages_fetched} responses ({crawl.bytes_fetched} bytes), "
        f"{crawl.articles_found} articles, {len(crawl.errors)} fetch errors, "
        f"{len(crawl.skipped)} skipped (robots.txt), {crawl.not_modified} not modified (304)"
    )
    if crawl.column_status == "incomplete":
        why = "; ".join(f"{s['kind']}: {s['message']}" for s in crawl.walk_stops[:3]) or "a list page failed"
        context.echo(f"[{site.id}] column INCOMPLETE: {why}")
    return crawl


def crawl_sites(
    context: RunContext,
    site_ids: list[str],
    run_id: str,
    crawl_date: str | None = None,
    full_sweep: bool | None = None,
) -> dict[str, CrawlResult | CrawlFailed]:
    """`crawl_site` for several sites in ONE Scrapy process (spiders/crawl_many.py): one start-up
    for all, each site its own crawler with its own settings and download slots. Returns each
    site's result, or the CrawlFailed that `crawl_site` would have raised for it.

    Give it sites on different hosts: politeness is kept per site (per crawler), as in separate
    processes, so two sites on one host would be crawled at the same time here as there.
    """
    sites = [get_site(context.settings.sites_dir, site_id) for site_id in site_ids]
    archive, settings = context.archive, context.settings
    archive.ensure_bucket()
    crawl_date = crawl_date or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    states = dict(zip(site_ids, archive.map(lambda s: load_state(archive, s.id), sites)))
    results: dict[str, CrawlResult | CrawlFailed] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="govpub-crawl-") as tmp:
        jobs = []
        for site in sites:
            sweep = sweep_due(site, states[site.id], crawl_date) if full_sweep is None else full_sweep
            state_path = Path(tmp) / f"{site.id}.state.json"
            write_spider_state(states[site.id], sweep, state_path, crawl_date)
            jobs.append({"args": {"site": site.id, "state": str(state_path)},
                         "settings": crawl_options(site, run_id, crawl_date, Path(tmp) / f"{site.id}.report.json")})
        jobs_path = Path(tmp) / "jobs.json"
        jobs_path.write_text(json.dumps(jobs), encoding="utf-8")
        env = scrapy_env(settings)
        context.echo(f"crawling {len(sites)} sites in one Scrapy process: {', '.join(site_ids)}")
        tail = run_streaming(crawl_many_command(jobs_path), env, context.echo, prefix="[crawl] ")
        seconds = round(time.monotonic() - started, 2)
        for site in sites:
            report_path = Path(tmp) / f"{site.id}.report.json"
            if not report_path.exists():
                results[site.id] = CrawlFailed(f"crawl of {site.id} produced no report; last output:\n" + "\n".join(tail))
                continue
            report = json.loads(report_path.read_text(encoding="utf-8"))
            try:
                results[site.id] = finish_crawl(context, site, run_id, crawl_date, report, seconds, states[site.id])
            except CrawlFailed as exc:
                results[site.id] = exc
    return results


def scrapy_env(settings) -> dict[str, str]:
    """The environment a `scrapy crawl` child runs in: the settings, the spiders' settings module,
    the repository on the path (the spiders are not an installed package)."""
    env = {**os.environ, **settings.to_env(), "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def run_spider(context: RunContext, site: Site, run_id: str, crawl_date: str, state: dict, full_sweep: bool) -> dict:
    """The spider's report (govpub.crawl.runner runs it in a child process; see its docstring for why)."""
    settings = context.settings
    with tempfile.TemporaryDirectory(prefix="govpub-crawl-") as tmp:
        report_path = Path(tmp) / "report.json"
        state_path = Path(tmp) / "state.json"
        write_spider_state(state, full_sweep, state_path, crawl_date)
        command = scrapy_command(site, run_id, crawl_date, report_path, state_path)
        env = scrapy_env(settings)
        mode = "full sweep" if full_sweep else "incremental"
        due = len(due_articles(state, crawl_date))
        context.echo(f"[{site.id}] crawling {', '.join(site.start_urls)} ({mode}, {len(state['articles'])} known "
                     f"articles, {due} due for revalidation)")
        tail = run_streaming(command, env, context.echo, prefix=f"[{site.id}] ")
        if not report_path.exists():
            cause = next((line.strip() for line in reversed(tail) if "Unavailable: " in line or "Error: " in line), "")
            raise CrawlFailed(f"crawl of {site.id} produced no report ({cause or 'see output'}); last output:\n"
                              + "\n".join(tail))
        return json.loads(report_path.read_text(encoding="utf-8"))


def crawl_result(site_id: str, run_id: str, crawl_date: str, report: dict, seconds: float) -> CrawlResult:
    """The crawl step's result from the spider's report."""
    return CrawlResult(
        site=site_id,
        run_id=run_id,
        crawl_date=crawl_date,
        pages_fetched=report["pages_fetched"],
        bytes_fetched=report["bytes_fetched"],
        articles_found=articles_found(report["records"]),
        warc_keys=[p["key"] for p in report["warc_parts"]],
        errors=report["failures"],
        skipped=report.get("skipped", []),
        finish_reason=report.get("finish_reason"),
        seconds=seconds,
        full_sweep=report.get("full_sweep", True),
        column_complete=report.get("column_complete", False),
        column_status=report.get("column_status", "incomplete"),
        walk_stops=report.get("walk_stops", []),
        not_modified=sum(1 for r in report["records"] if r["status"] == 304),
        requests=report.get("requests", 0),
        wire_bytes=report.get("wire_bytes", 0),
        gone=report.get("gone", []),
        records=report["records"],
        listed=report.get("listed", []),
        stopped_paging=report.get("stopped_paging", []),
        objects=[{k: p[k] for k in ("key", "size", "sha256")} for p in report["warc_parts"]],
    )

def read_crawl(context: RunContext, run_id: str, site_id: str) -> CrawlResult:
    record = context.archive.get_json_or_none(record_key(context, run_id, site_id, "crawl"))
    if record is None:
        raise RuntimeError(f"crawl record of run {run_id} / {site_id} not found in s3://{context.archive.bucket}")
    context.remember_step_record(run_id, site_id, "crawl", record)
    return CrawlResult.from_record(record)
