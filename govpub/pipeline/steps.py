"""The four steps of a site's run — crawl → parse → archive → index — as plain functions.

The DAG's tasks and the `govpub crawl` command call these same functions. Each step
reads its input from S3 (keys travel between steps, never data), writes its output
under deterministic keys, records what it did in `runs/{run_id}/{site}/{step}.json`
and returns a small stats dict (the task's XCom). Re-running a step overwrites its
own objects; it never adds or loses a document.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from govpub import index as es_index
from govpub.archive import Archive, run_key
from govpub.crawl.runner import CrawlFailed, run_streaming, scrapy_command
from govpub.settings import REPO_ROOT, Settings
from govpub.documents import group_articles, parse_articles
from govpub.crawl.state import load_state, sweep_due, updated_state, write_spider_state
from govpub.archive import state_key
from govpub.schema import Document
from govpub.registry import get_site
from govpub.archive import versions
from govpub.archive.versions import set_status, store_document
from govpub.archive.warc import read_records

#: schema_version of the step records runs/{run_id}/{site}/{step}.json (schemas/*.schema.json)
STEP_SCHEMA_VERSION = 1

log = logging.getLogger("govpub.pipeline")





# -- crawl --------------------------------------------------------------------------------
def crawl_site(
    settings: Settings,
    site_id: str,
    run_id: str,
    crawl_date: str | None = None,
    echo: Callable[[str], None] = print,
    full_sweep: bool | None = None,
) -> dict:
    """Fetch a site with the Scrapy spider in a child process; raw WARC goes to S3.

    Scrapy runs in its own process because Twisted's reactor cannot be restarted in a
    process (scrapy/scrapy#5167) and an Airflow worker runs many tasks in one process.
    The spider gets the site's crawl state (govpub.crawl.state): conditional requests for
    known pages, and no paging past known articles unless a full sweep is due (or forced).
    """
    site = get_site(settings.sites_dir, site_id)
    archive = Archive(settings)
    archive.ensure_bucket()  # fail fast, naming the endpoint, before fetching anything
    crawl_date = crawl_date or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    state = load_state(archive, site.id)
    if full_sweep is None:
        full_sweep = sweep_due(site, state, crawl_date)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="govpub-crawl-") as tmp:
        report_path = Path(tmp) / "report.json"
        state_path = Path(tmp) / "state.json"
        write_spider_state(state, full_sweep, state_path)
        command = scrapy_command(site, run_id, crawl_date, report_path, state_path)
        env = {**os.environ, **settings.to_env(), "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        mode = "full sweep" if full_sweep else "incremental"
        echo(f"[{site.id}] crawling {', '.join(site.start_urls)} ({mode}, {len(state['articles'])} known articles)")
        tail = run_streaming(command, env, echo, prefix=f"[{site.id}] ")
        if not report_path.exists():
            cause = next((line.strip() for line in reversed(tail) if "Unavailable: " in line or "Error: " in line), "")
            raise CrawlFailed(f"crawl of {site.id} produced no report ({cause or 'see output'}); last output:\n"
                              + "\n".join(tail))
        report = json.loads(report_path.read_text(encoding="utf-8"))
    stats = {
        "site": site.id,
        "run_id": run_id,
        "crawl_date": crawl_date,
        "pages_fetched": report["pages_fetched"],
        "bytes_fetched": report["bytes_fetched"],
        "articles_found": len({r["article_url"] for r in report["records"] if r.get("article_url")}),
        "warc_keys": [p["key"] for p in report["warc_parts"]],
        "errors": report["failures"],
        "skipped": report.get("skipped", []),
        "finish_reason": report.get("finish_reason"),
        "seconds": round(time.monotonic() - started, 2),
        "full_sweep": report.get("full_sweep", True),
        "column_complete": report.get("column_complete", False),
        "not_modified": sum(1 for r in report["records"] if r["status"] == 304),
        "requests": report.get("requests", 0),
        "wire_bytes": report.get("wire_bytes", 0),
        "gone": report.get("gone", []),
    }
    archive.put_json(
        run_key(archive.prefix, run_id, site.id, "crawl.json"),
        {
            **stats,
            "schema_version": STEP_SCHEMA_VERSION,
            "records": report["records"],
            "listed": report.get("listed", []),
            "stopped_paging": report.get("stopped_paging", []),
            "objects": [{k: p[k] for k in ("key", "size", "sha256")} for p in report["warc_parts"]],
        },
    )
    if not any(r["kind"] == "list" and r["status"] in (200, 304) for r in report["records"]):
        # A site that answers nothing (dead host, moved column) must fail loudly, not "succeed" empty.
        reasons = "; ".join(f"{e['url']}: {e['message']}" for e in stats["errors"][:3]) or "no response"
        raise CrawlFailed(f"{site.id}: no column page could be fetched ({reasons})")
    echo(
        f"[{site.id}] fetched {stats['pages_fetched']} responses ({stats['bytes_fetched']} bytes), "
        f"{stats['articles_found']} articles, {len(stats['errors'])} fetch errors, "
        f"{len(stats['skipped'])} skipped (robots.txt), {stats['not_modified']} not modified (304)"
    )
    return stats


# -- parse --------------------------------------------------------------------------------
def parse_site(settings: Settings, crawl: dict, echo: Callable[[str], None] = print) -> dict:
    """Raw WARC (from S3) → documents, written as one batch object for the archive step."""
    started = time.monotonic()
    site = get_site(settings.sites_dir, crawl["site"])
    archive = Archive(settings)
    records = []
    for key in crawl["warc_keys"]:
        with archive.spool(key) as spool:
            records.extend((key, stored) for stored in read_records(spool))
    articles = group_articles(records)
    gone = {g["url"] for g in crawl.get("gone", [])}
    not_modified = sorted(u for u, a in articles.items() if 1 in a.pages and a.pages[1].fetched.status == 304)
    # 304s (unchanged since the last crawl) and known articles now gone (404/410: recorded as
    # deleted by the archive step) are no parse errors and make no documents.
    skipped = set(not_modified) | {u for u in gone if u in articles}
    outcome = parse_articles(site, {u: a for u, a in articles.items() if u not in skipped})
    for error in outcome.errors:
        echo(f"[{site.id}] {error['kind']}: {error['url']}: {error['message']}")
    parsed_key = run_key(archive.prefix, crawl["run_id"], site.id, "parsed.jsonl.gz")
    archive.put_jsonl_gz(parsed_key, [doc.to_dict() for doc in outcome.documents])
    stats = {
        "site": site.id,
        "run_id": crawl["run_id"],
        "parsed_key": parsed_key,
        "articles_found": len(articles),
        "documents_parsed": len(outcome.documents),
        "documents_not_modified": len(not_modified),
        "errors": outcome.errors,
        "seconds": round(time.monotonic() - started, 2),
    }
    archive.put_json(
        run_key(archive.prefix, crawl["run_id"], site.id, "parse.json"),
        {**stats, "schema_version": STEP_SCHEMA_VERSION, "objects": list(archive.written)},
    )
    echo(f"[{site.id}] parsed {stats['documents_parsed']} of {outcome.articles} articles, {len(outcome.errors)} errors")
    return stats


# -- archive ------------------------------------------------------------------------------
def archive_site(settings: Settings, parsed: dict, echo: Callable[[str], None] = print) -> dict:
    """Store each parsed document as a new version when its content changed; record deletions.

    Deleted: a known article answering 404/410, or (after a complete full sweep) no longer
    linked from its column. Seen again: its status record goes back to active. Then the site's
    crawl state is updated for the next, incremental crawl.
    """
    started = time.monotonic()
    archive = Archive(settings)
    site_id, run_id = parsed["site"], parsed["run_id"]
    crawl = archive.get_json_or_none(run_key(archive.prefix, run_id, site_id, "crawl.json"))
    if crawl is None:
        raise RuntimeError(f"crawl record of run {run_id} / {site_id} not found in s3://{archive.bucket}")
    state = load_state(archive, site_id)
    known = state["articles"]
    counts = {"new": 0, "changed": 0, "unchanged": 0, "not_modified": 0, "deleted": 0, "restored": 0}
    stored: dict[str, dict] = {}
    to_index: list[str] = []
    for row in archive.get_jsonl_gz(parsed["parsed_key"]):
        doc = Document.from_dict(row)
        outcome, _version = store_document(archive, doc)
        counts[outcome] += 1
        stored[doc.url] = {"id": doc.id, "pages": list(doc.page_urls) or [doc.url]}
        to_index.append(archive.document_key(doc.site, doc.id))

    # Status changes: deletions (404/410, or vanished from the column on a complete full sweep) …
    day = crawl["crawl_date"]
    statuses: dict[str, str] = {}
    gone = {g["url"]: g["status"] for g in crawl.get("gone", [])}
    listed = set(crawl.get("listed", []))
    vanished = set()
    if crawl.get("full_sweep") and crawl.get("column_complete"):
        vanished = {u for u, info in known.items() if info.get("status") == "active" and u not in listed}
    for url in sorted(set(gone) | vanished):
        info = known.get(url)
        if info is None or url in stored:
            continue
        reason = f"http:{gone[url]}" if url in gone else "vanished"
        if set_status(archive, site_id, info["id"], "deleted", day, reason, run_id):
            counts["deleted"] += 1
            statuses[url] = "deleted"
            to_index.append(archive.document_key(site_id, info["id"]))
    # … and documents seen again (answered 200 or 304) after being recorded as deleted.
    seen = set(stored) | {r["url"] for r in crawl["records"] if r["status"] == 304 and r.get("kind") == "article"}
    counts["not_modified"] = parsed.get("documents_not_modified", 0)
    for url in sorted(seen):
        info = known.get(url)
        if info and info.get("status") == "deleted":
            if set_status(archive, site_id, info["id"], "active", day, "seen again", run_id):
                counts["restored"] += 1
                statuses[url] = "active"
                if archive.document_key(site_id, info["id"]) not in to_index:
                    to_index.append(archive.document_key(site_id, info["id"]))

    archive.put_json_if_changed(
        state_key(archive.prefix, site_id), updated_state(state, crawl, crawl["records"], stored, statuses)
    )
    failed = len(parsed.get("errors", [])) + len(crawl.get("errors", []))
    stats = {
        "site": site_id,
        "run_id": run_id,
        "documents_new": counts["new"],
        "documents_changed": counts["changed"],
        "documents_written": counts["new"] + counts["changed"],
        "documents_unchanged": counts["unchanged"] + counts["not_modified"],
        "documents_not_modified": counts["not_modified"],
        "documents_deleted": counts["deleted"],
        "documents_restored": counts["restored"],
        "documents_failed": failed,
        "document_keys": to_index,
        "seconds": round(time.monotonic() - started, 2),
    }
    manifest_key = run_key(archive.prefix, run_id, site_id, "archive.json")
    archive.put_json(
        manifest_key, {**stats, "schema_version": STEP_SCHEMA_VERSION, "objects": list(archive.written)}
    )
    echo(
        f"[{site_id}] archived {counts['new']} new, {counts['changed']} changed documents; "
        f"{stats['documents_unchanged']} unchanged ({counts['not_modified']} not modified), "
        f"{counts['deleted']} deleted, {counts['restored']} seen again"
    )
    return {k: v for k, v in stats.items() if k != "document_keys"} | {"manifest_key": manifest_key}


# -- index --------------------------------------------------------------------------------
def index_site(settings: Settings, archived: dict, echo: Callable[[str], None] = print) -> dict:
    """Index the run's documents, read back from the archive (the index is derived from S3)."""
    started = time.monotonic()
    archive = Archive(settings)
    manifest = archive.get_json_or_none(archived["manifest_key"])
    if manifest is None:
        raise RuntimeError(f"archive manifest {archived['manifest_key']} not found in s3://{archive.bucket}")
    es = es_index.client(settings)
    es_index.check_reachable(es, settings)
    es_index.ensure_index(es, settings.es_alias)
    documents = [Document.from_json(archive.get_bytes(key)) for key in manifest["document_keys"]]
    entries = archive.document_entries(archived["site"])
    overlays = versions.overlays(archive, entries, {d.id for d in documents})
    result = es_index.bulk_index(es, settings.es_alias, documents, refresh=True, overlays=overlays)
    for error in result.errors:
        echo(f"[{archived['site']}] index error for {error['id']}: {error['reason']}")
    stats = {
        "site": archived["site"],
        "run_id": archived["run_id"],
        "documents_indexed": result.indexed,
        "errors": [{"kind": "index", "url": e["id"], "message": e["reason"]} for e in result.errors],
        "seconds": round(time.monotonic() - started, 2),
    }
    archive.put_json(
        run_key(archive.prefix, archived["run_id"], archived["site"], "index.json"),
        {**stats, "schema_version": STEP_SCHEMA_VERSION},
    )
    echo(f"[{archived['site']}] indexed {result.indexed} documents into {settings.es_alias}, {len(result.errors)} errors")
    # Last write of the run for this site: the manifest of everything it wrote.
    from govpub.archive.manifests import write_run_manifest

    write_run_manifest(archive, archived["run_id"], archived["site"])
    return stats


