"""The steps of a site's run after its crawl — parse → archive → index — as plain functions
(the crawl itself: govpub.pipeline.crawl_step).

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
import logging
import time

from govpub.archive import run_key, state_key
from govpub.archive.cdxj import put_index
from govpub.archive.manifests import write_run_manifest
from govpub.archive.versions import DocumentVersions
from govpub.archive.warc import read_records
from govpub.crawl.state import load_state, revalidate_days, updated_state
from govpub.documents import group_articles, parse_articles
from govpub.pipeline.context import RunContext, record_key
from govpub.pipeline.crawl_step import read_crawl
from govpub.pipeline.converge import converge
from govpub.pipeline.results import ArchiveResult, CrawlResult, IndexResult, ParseResult
from govpub.pipeline.statuses import StatusChanges, deleted_articles, seen_again
from govpub.registry import get_site
from govpub.schema import Document

log = logging.getLogger("govpub.pipeline")


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
