"""The four steps of a site's run — crawl → parse → archive → index — as plain functions.

The DAG's tasks and the `govpub crawl` command call these same functions with one
`RunContext` (govpub.pipeline.context) per task. Each step writes its output under
deterministic keys, records what it did in `runs/{run_id}/{site}/{step}.json` and returns a
small typed result (govpub.pipeline.results; `to_dict()` is the task's XCom). Keys travel
between tasks, never data; within one process a step hands on what it already holds, so
nothing is read back that was just written. Re-running a step overwrites its own objects;
it never adds or loses a document.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from govpub.archive import run_key, state_key
from govpub.archive.cdxj import put_index
from govpub.archive.manifests import write_run_manifest
from govpub.archive.versions import DocumentVersions
from govpub.archive.warc import read_records
from govpub.crawl.report import articles_found
from govpub.crawl.runner import CrawlFailed, crawl_many_command, crawl_options, run_streaming, scrapy_command
from govpub.crawl.state import due_articles, load_state, revalidate_days, sweep_due, updated_state, write_spider_state
from govpub.documents import group_articles, parse_articles
from govpub.pipeline.context import RunContext
from govpub.pipeline.converge import converge
from govpub.pipeline.results import ArchiveResult, CrawlResult, IndexResult, ParseResult
from govpub.pipeline.statuses import StatusChanges, deleted_articles, seen_again
from govpub.registry import Site, get_site
from govpub.schema import Document
from govpub.settings import REPO_ROOT

log = logging.getLogger("govpub.pipeline")


def record_key(context: RunContext, run_id: str, site: str, step: str) -> str:
    return run_key(context.archive.prefix, run_id, site, f"{step}.json")


# -- crawl --------------------------------------------------------------------------------
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


# -- parse --------------------------------------------------------------------------------
def parse_site(context: RunContext, crawl: CrawlResult) -> ParseResult:
    """Raw WARC (from S3) → documents, written as one batch object for the archive step; and each
    WARC part's CDXJ index beside it (govpub.archive.cdxj: replayable by pywb with no extra step)."""
    started = time.monotonic()
    archive, mark = context.archive, len(context.archive.written)
    site = get_site(context.settings.sites_dir, crawl.site)
    records = []
    captures = 0
    for key in crawl.warc_keys:
        with archive.spool(key) as spool:
            records.extend((key, stored) for stored in read_records(spool))
            spool.seek(0)
            captures += put_index(archive, key, spool)["captures"]  # one PUT per part, same bytes on a re-run
    articles = group_articles(records)
    gone = {g["url"] for g in crawl.gone}
    not_modified = sorted(u for u, a in articles.items() if 1 in a.pages and a.pages[1].fetched.status == 304)
    # 304s (unchanged since the last crawl) and known articles now gone (404/410: recorded as
    # deleted by the archive step) are no parse errors and make no documents.
    skipped = set(not_modified) | {u for u in gone if u in articles}
    outcome = parse_articles(site, {u: a for u, a in articles.items() if u not in skipped})
    for error in outcome.errors:
        context.echo(f"[{site.id}] {error['kind']}: {error['url']}: {error['message']}")
    parsed_key = run_key(archive.prefix, crawl.run_id, site.id, "parsed.jsonl.gz")
    archive.put_jsonl_gz(parsed_key, [doc.to_dict() for doc in outcome.documents])
    parsed = ParseResult(
        site=site.id,
        run_id=crawl.run_id,
        parsed_key=parsed_key,
        articles_found=len(articles),
        documents_parsed=len(outcome.documents),
        documents_not_modified=len(not_modified),
        errors=outcome.errors,
        seconds=round(time.monotonic() - started, 2),
        documents=list(outcome.documents),
        objects=context.written_since(mark),
    )
    context.put_step_record(crawl.run_id, site.id, "parse", parsed.to_record())
    context.echo(f"[{site.id}] parsed {parsed.documents_parsed} of {outcome.articles} articles, {len(outcome.errors)} errors; "
                 f"CDXJ of {len(crawl.warc_keys)} WARC parts ({captures} captures)")
    return parsed


def parsed_documents(context: RunContext, parsed: ParseResult) -> list[Document]:
    """The parse step's documents: as it handed them on, else its batch object (one GET)."""
    if parsed.documents is None:
        parsed.documents = [Document.from_dict(row) for row in context.archive.get_jsonl_gz(parsed.parsed_key)]
    return parsed.documents


# -- archive ------------------------------------------------------------------------------
def archive_site(context: RunContext, parsed: ParseResult, crawl: CrawlResult | None = None) -> ArchiveResult:
    """Store each parsed document as a new version when its content changed; record deletions
    and documents seen again (govpub.pipeline.statuses); then update the site's crawl state.

    `crawl`: the crawl step's result when it ran in this process (else crawl.json is read).
    """
    started = time.monotonic()
    archive, mark = context.archive, len(context.archive.written)
    site_id, run_id = parsed.site, parsed.run_id
    crawl = crawl if crawl is not None and crawl.has_records else read_crawl(context, run_id, site_id)
    state = crawl.state if crawl.state is not None else load_state(archive, site_id)
    versions = DocumentVersions.listed(archive, site_id)  # one listing decides every version
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    stored: dict[str, dict] = {}
    to_index: list[str] = []
    documents = parsed_documents(context, parsed)
    for doc, (outcome, _version) in zip(documents, versions.store_all(documents)):  # concurrent PUTs
        counts[outcome] += 1
        stored[doc.url] = {"id": doc.id, "pages": list(doc.page_urls) or [doc.url], "outcome": outcome,
                           "published": doc.publish_date}
        to_index.append(archive.document_key(doc.site, doc.id))

    changes = StatusChanges(versions, site_id, crawl.crawl_date, run_id)
    known = state["articles"]
    for url, reason in deleted_articles(crawl, known, stored):
        changes.set(url, known[url]["id"], "deleted", reason)
    for url in seen_again(crawl, known, stored):
        changes.set(url, known[url]["id"], "active", "seen again")
    to_index = list(dict.fromkeys(to_index + changes.document_keys(archive)))  # in order, each once

    # An absent state loads as the empty state, which no updated state equals (it names the run).
    archive.put_json_if_changed(
        state_key(archive.prefix, site_id), updated_state(state, crawl.to_dict(), crawl.records, stored,
                                                          changes.statuses,
                                                          revalidate_days(get_site(context.settings.sites_dir, site_id))),
        stored=state,
    )
    result = ArchiveResult(
        site=site_id,
        run_id=run_id,
        documents_new=counts["new"],
        documents_changed=counts["changed"],
        documents_written=counts["new"] + counts["changed"],
        documents_unchanged=counts["unchanged"] + parsed.documents_not_modified,
        documents_not_modified=parsed.documents_not_modified,
        documents_deleted=changes.deleted,
        documents_restored=changes.restored,
        documents_failed=len(parsed.errors) + len(crawl.errors),
        seconds=round(time.monotonic() - started, 2),
        manifest_key=record_key(context, run_id, site_id, "archive"),
        document_keys=to_index,
        versions=versions,
    )
    result.objects = context.written_since(mark)
    context.put_step_record(run_id, site_id, "archive", result.to_record())
    context.echo(
        f"[{site_id}] archived {result.documents_new} new, {result.documents_changed} changed documents; "
        f"{result.documents_unchanged} unchanged ({result.documents_not_modified} not modified), "
        f"{result.documents_deleted} deleted, {result.documents_restored} seen again"
    )
    return result


def read_crawl(context: RunContext, run_id: str, site_id: str) -> CrawlResult:
    record = context.archive.get_json_or_none(record_key(context, run_id, site_id, "crawl"))
    if record is None:
        raise RuntimeError(f"crawl record of run {run_id} / {site_id} not found in s3://{context.archive.bucket}")
    context.remember_step_record(run_id, site_id, "crawl", record)
    return CrawlResult.from_record(record)


# -- index --------------------------------------------------------------------------------
def index_site(context: RunContext, archived: ArchiveResult) -> IndexResult:
    """Bring the site's index to its archive (govpub.pipeline.converge): the run's documents and
    whatever earlier runs left unindexed or at an older version, with their overlays.

    In the process that archived them the run's documents are at hand; in another, the archive
    record says which they are, the run's parsed batch gives those written by the run (one GET
    for all) and the others that need indexing are read in parallel.
    """
    started = time.monotonic()
    if archived.versions is None:
        archived = _archived_from_s3(context, archived)
    es = context.reachable_es()
    alias = context.settings.es_alias
    found = converge(es, alias, archived.versions, site=archived.site, echo=context.echo)
    for error in found.errors:
        context.echo(f"[{archived.site}] index error for {error['url']}: {error['message']}")
    indexed = IndexResult(
        site=archived.site,
        run_id=archived.run_id,
        documents_indexed=found.indexed,
        errors=found.errors,
        seconds=round(time.monotonic() - started, 2),
        archive_documents=found.archive_documents,
        index_documents=found.index_documents,
        documents_behind=found.behind,
        overlays_updated=found.overlays_updated,
        index_only=found.index_only,
    )
    context.put_step_record(archived.run_id, archived.site, "index", indexed.to_record())
    run_docs = len(archived.document_keys)
    context.echo(f"[{archived.site}] indexed {found.indexed} documents into {alias} ({run_docs} of the run, "
                 f"{max(found.behind - run_docs, 0)} more the index lacked), {found.overlays_updated} overlays "
                 f"updated, {len(found.errors)} errors; archive {found.archive_documents}, index {found.index_documents}")
    # Last write of the run for this site: the manifest of everything it wrote.
    write_run_manifest(context.archive, archived.run_id, archived.site,
                       known=context.step_records(archived.run_id, archived.site))
    return indexed


def _archived_from_s3(context: RunContext, archived: ArchiveResult) -> ArchiveResult:
    """The archive step's result as another process left it: its record, the site's documents
    listed once, and the documents it wrote taken from the parsed batch."""
    archive = context.archive
    record = archive.get_json_or_none(archived.manifest_key)
    if record is None:
        raise RuntimeError(f"archive manifest {archived.manifest_key} not found in s3://{archive.bucket}")
    context.remember_step_record(archived.run_id, archived.site, "archive", record)
    full = ArchiveResult.from_record(record, archived.manifest_key)
    full.versions = DocumentVersions.listed(archive, archived.site)
    # A parsed document whose JSON has the checksum of a latest.json the step wrote is that object.
    to_index = set(full.document_keys)
    written = {o["key"]: o["sha256"] for o in full.objects or [] if o["key"] in to_index}
    if written:
        parsed_key = run_key(archive.prefix, archived.run_id, archived.site, "parsed.jsonl.gz")
        for row in archive.get_jsonl_gz(parsed_key):
            doc = Document.from_dict(row)
            body = doc.to_json().encode("utf-8")
            if written.get(archive.document_key(doc.site, doc.id)) == hashlib.sha256(body).hexdigest():
                full.versions.latest[doc.id] = doc
    return full
