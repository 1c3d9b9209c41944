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
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from govpub import index as es_index
from govpub.archive import Archive, run_key
from govpub.config import REPO_ROOT, Settings
from govpub.documents import group_articles, parse_articles, same_content
from govpub.schema import Document
from govpub.sites import Site, get_site
from govpub.warc import read_records

log = logging.getLogger("govpub.pipeline")


class CrawlFailed(RuntimeError):
    """The crawl subprocess failed; the message carries its last log lines."""


def settings_to_env(settings: Settings) -> dict[str, str]:
    """Environment that makes a child process (scrapy, airflow, govpub) use `settings`."""
    env = {
        "GOVPUB_HOME": str(settings.home),
        "GOVPUB_S3_BUCKET": settings.s3_bucket,
        "GOVPUB_S3_REGION": settings.s3_region,
        "GOVPUB_S3_PREFIX": settings.s3_prefix,
        "GOVPUB_ES_URL": settings.es_url,
        "GOVPUB_ES_ALIAS": settings.es_alias,
        "GOVPUB_SITES_DIR": str(settings.sites_dir),
        "GOVPUB_USER_AGENT": settings.user_agent,
        "GOVPUB_HTTP_TIMEOUT": str(settings.http_timeout),
        "GOVPUB_SAMPLE_SITE_URL": settings.sample_site_url,
    }
    if settings.s3_endpoint:
        env["GOVPUB_S3_ENDPOINT"] = settings.s3_endpoint
    if settings.s3_access_key:
        env["AWS_ACCESS_KEY_ID"] = settings.s3_access_key
    if settings.s3_secret_key:
        env["AWS_SECRET_ACCESS_KEY"] = settings.s3_secret_key
    if settings.es_username:
        env["GOVPUB_ES_USERNAME"] = settings.es_username
    if settings.es_password:
        env["GOVPUB_ES_PASSWORD"] = settings.es_password
    return env


def new_run_id() -> str:
    return "manual__" + datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")


# -- crawl --------------------------------------------------------------------------------
def crawl_site(
    settings: Settings,
    site_id: str,
    run_id: str,
    crawl_date: str | None = None,
    echo: Callable[[str], None] = print,
) -> dict:
    """Fetch a site with the Scrapy spider in a child process; raw WARC goes to S3.

    Scrapy runs in its own process because Twisted's reactor cannot be restarted in a
    process (scrapy/scrapy#5167) and an Airflow worker runs many tasks in one process.
    """
    site = get_site(settings.sites_dir, site_id)
    archive = Archive(settings)
    archive.ensure_bucket()  # fail fast, naming the endpoint, before fetching anything
    crawl_date = crawl_date or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="govpub-crawl-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = scrapy_command(site, run_id, crawl_date, report_path)
        env = {**os.environ, **settings_to_env(settings), "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        echo(f"[{site.id}] crawling {', '.join(site.start_urls)}")
        tail = _run_streaming(command, env, echo, prefix=f"[{site.id}] ")
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
    }
    archive.put_json(run_key(archive.prefix, run_id, site.id, "crawl.json"), {**stats, "records": report["records"]})
    if not any(r["kind"] == "list" and r["status"] == 200 for r in report["records"]):
        # A site that answers nothing (dead host, moved column) must fail loudly, not "succeed" empty.
        reasons = "; ".join(f"{e['url']}: {e['message']}" for e in stats["errors"][:3]) or "no response"
        raise CrawlFailed(f"{site.id}: no column page could be fetched ({reasons})")
    echo(
        f"[{site.id}] fetched {stats['pages_fetched']} responses ({stats['bytes_fetched']} bytes), "
        f"{stats['articles_found']} articles, {len(stats['errors'])} fetch errors, "
        f"{len(stats['skipped'])} skipped (robots.txt)"
    )
    return stats


def scrapy_command(site: Site, run_id: str, crawl_date: str, report_path: Path) -> list[str]:
    options = {
        "GOVPUB_CRAWL_ID": run_id,
        "GOVPUB_CRAWL_DATE": crawl_date,
        "GOVPUB_CRAWL_REPORT": str(report_path),
        "DOWNLOAD_DELAY": site.download_delay,
        "AUTOTHROTTLE_START_DELAY": site.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", site.spider, "-a", f"site={site.id}"]
    for name, value in options.items():
        command += ["-s", f"{name}={value}"]
    return command


def _run_streaming(command: list[str], env: dict, echo: Callable[[str], None], prefix: str) -> list[str]:
    """Run a command, echoing its output live (visible in Airflow task logs); raise on failure."""
    tail: list[str] = []
    process = subprocess.Popen(
        command, env=env, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-40:]
        if _worth_echoing(line):
            echo(prefix + line)
    code = process.wait()
    if code != 0:
        raise CrawlFailed(f"scrapy exited with code {code}; last output:\n" + "\n".join(tail[-15:]))
    return tail


_ECHOED = (" WARNING: ", " ERROR: ", " CRITICAL: ", "Traceback", "[column]", "[scrapy.core.engine]",
           "[scrapy.extensions.logstats]")


def _worth_echoing(line: str) -> bool:
    # Scrapy's start-up banner and per-request DEBUG lines are noise in task logs;
    # keep progress, our spider's own lines and problems.
    return any(marker in line for marker in _ECHOED)


# -- parse --------------------------------------------------------------------------------
def parse_site(settings: Settings, crawl: dict, echo: Callable[[str], None] = print) -> dict:
    """Raw WARC (from S3) → documents, written as one batch object for the archive step."""
    site = get_site(settings.sites_dir, crawl["site"])
    archive = Archive(settings)
    records = []
    for key in crawl["warc_keys"]:
        with archive.spool(key) as spool:
            records.extend((key, stored) for stored in read_records(spool))
    outcome = parse_articles(site, group_articles(records))
    for error in outcome.errors:
        echo(f"[{site.id}] {error['kind']}: {error['url']}: {error['message']}")
    parsed_key = run_key(archive.prefix, crawl["run_id"], site.id, "parsed.jsonl.gz")
    archive.put_jsonl_gz(parsed_key, [doc.to_dict() for doc in outcome.documents])
    stats = {
        "site": site.id,
        "run_id": crawl["run_id"],
        "parsed_key": parsed_key,
        "articles_found": outcome.articles,
        "documents_parsed": len(outcome.documents),
        "errors": outcome.errors,
    }
    archive.put_json(run_key(archive.prefix, crawl["run_id"], site.id, "parse.json"), stats)
    echo(f"[{site.id}] parsed {stats['documents_parsed']} of {outcome.articles} articles, {len(outcome.errors)} errors")
    return stats


# -- archive ------------------------------------------------------------------------------
def archive_site(settings: Settings, parsed: dict, echo: Callable[[str], None] = print) -> dict:
    """Write each parsed document to its final key, unless the archive already holds the same content."""
    archive = Archive(settings)
    site_id = parsed["site"]
    written, unchanged, keys = 0, 0, []
    for row in archive.get_jsonl_gz(parsed["parsed_key"]):
        doc = Document.from_dict(row)
        existing = archive.get_document(doc.site, doc.id)
        if existing is not None and same_content(existing, doc):
            unchanged += 1  # keep the first-seen fetched_at/raw pointer: a re-run writes nothing
        else:
            archive.put_document(doc)
            written += 1
        keys.append(archive.document_key(doc.site, doc.id))
    stats = {
        "site": site_id,
        "run_id": parsed["run_id"],
        "documents_written": written,
        "documents_unchanged": unchanged,
        "document_keys": keys,
    }
    manifest_key = run_key(archive.prefix, parsed["run_id"], site_id, "archive.json")
    archive.put_json(manifest_key, stats)
    echo(f"[{site_id}] archived {written} new/changed documents, {unchanged} unchanged")
    return {k: v for k, v in stats.items() if k != "document_keys"} | {"manifest_key": manifest_key}


# -- index --------------------------------------------------------------------------------
def index_site(settings: Settings, archived: dict, echo: Callable[[str], None] = print) -> dict:
    """Index the run's documents, read back from the archive (the index is derived from S3)."""
    archive = Archive(settings)
    manifest = archive.get_json_or_none(archived["manifest_key"])
    if manifest is None:
        raise RuntimeError(f"archive manifest {archived['manifest_key']} not found in s3://{archive.bucket}")
    es = es_index.client(settings)
    es_index.check_reachable(es, settings)
    es_index.ensure_index(es, settings.es_alias)
    documents = [Document.from_json(archive.get_bytes(key)) for key in manifest["document_keys"]]
    result = es_index.bulk_index(es, settings.es_alias, documents, refresh=True)
    for error in result.errors:
        echo(f"[{archived['site']}] index error for {error['id']}: {error['reason']}")
    stats = {
        "site": archived["site"],
        "run_id": archived["run_id"],
        "documents_indexed": result.indexed,
        "errors": [{"kind": "index", "url": e["id"], "message": e["reason"]} for e in result.errors],
    }
    archive.put_json(run_key(archive.prefix, archived["run_id"], archived["site"], "index.json"), stats)
    echo(f"[{archived['site']}] indexed {result.indexed} documents into {settings.es_alias}, {len(result.errors)} errors")
    return stats


def reindex_all(settings: Settings, site: str | None = None, echo: Callable[[str], None] = print) -> dict:
    """Index every latest document in the archive (optionally one site's)."""
    archive = Archive(settings)
    es = es_index.client(settings)
    es_index.check_reachable(es, settings)
    es_index.ensure_index(es, settings.es_alias)
    documents = list(archive.iter_documents(site))
    echo(f"read {len(documents)} documents from s3://{archive.bucket}/{archive.prefix}documents/")
    result = es_index.bulk_index(es, settings.es_alias, documents, refresh=True)
    echo(f"indexed {result.indexed} documents into {settings.es_alias}, {len(result.errors)} errors")
    return {"documents_indexed": result.indexed, "errors": result.errors}


def run_site(settings: Settings, site_id: str, run_id: str | None = None, echo: Callable[[str], None] = print) -> dict:
    """All four steps for one site, in this process (the CLI's `govpub crawl`)."""
    run_id = run_id or new_run_id()
    crawl = crawl_site(settings, site_id, run_id, echo=echo)
    parsed = parse_site(settings, crawl, echo=echo)
    archived = archive_site(settings, parsed, echo=echo)
    indexed = index_site(settings, archived, echo=echo)
    return summarize_site(crawl, parsed, archived, indexed)


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
