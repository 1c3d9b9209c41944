"""Per-run, per-site stats records: built from the run's step manifests, stored with the run.

One record (`govpub.schema.SiteStats`) per (site, run), written twice:

- S3: `runs/{run_id}/{site}/stats.json` — beside the step manifests; the source of truth;
- Elasticsearch: the stats index (alias `govpub-stats` by default, `GOVPUB_ES_STATS_ALIAS`),
  `_id` = "{site}@{run_id}", so re-running a run overwrites its record. It can be rebuilt
  from S3 at any time (`rebuild_stats_index`, `govpub status --reindex`).

`record_site_run` is what the DAG's per-site `check` task (and `govpub crawl`) calls: it
reads the step manifests, counts, runs the data-quality checks (`govpub.ops.quality`) against
the site's recent history and stores the record. Building the record (`build_record`) is
a pure function.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

import mappings
from govpub.archive import Archive, run_key, stats_key
from govpub.archive.manifests import STEPS
from govpub.crawl.report import column_answered
from govpub.settings import Settings
from govpub.ops.quality import blocked_issue, check_run, incomplete_issue, index_gap_issue, count_empty_bodies, count_future_dated, usual_yield
from govpub.schema import Document, SiteStats
from govpub.registry import QUALITY_DEFAULTS, QualityThresholds, SiteConfigError, UnknownSite, get_site

log = logging.getLogger("govpub.ops.stats")

MAX_ERRORS_KEPT = 50
BLOCKED_PREFIX = "blocked"


def stats_alias(settings: Settings) -> str:
    """The stats index alias: GOVPUB_ES_STATS_ALIAS, else derived from the documents alias
    (`govpub-documents` → `govpub-stats`; any other alias gets `-stats` appended)."""
    if settings.es_stats_alias:
        return settings.es_stats_alias
    alias = settings.es_alias
    return alias[: -len("-documents")] + "-stats" if alias.endswith("-documents") else alias + "-stats"


def stats_doc_id(site: str, run_id: str) -> str:
    return f"{site}@{run_id}"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_blocked_kind(kind: str | None) -> bool:
    return bool(kind) and str(kind).startswith(BLOCKED_PREFIX)


# -- building (pure) ------------------------------------------------------------------------
def crawl_succeeded(crawl: dict | None) -> bool:
    """The crawl step's rule (govpub.crawl.report.column_answered) on a crawl record; None: no record."""
    if crawl is None:
        return False
    records = crawl.get("records")
    if records is None:  # a crawl result without records (the task's XCom) is a finished crawl
        return True
    return column_answered(records)


def build_record(
    *,
    site: str,
    run_id: str,
    steps: dict[str, dict | None],
    publish_dates: Iterable[str | None] = (),
    bodies: Iterable[str | None] = (),
    previous_yields: Iterable[int] = (),
    thresholds: QualityThresholds = QUALITY_DEFAULTS,
    run_date: str | None = None,
    dag_id: str | None = None,
    recorded_at: str | None = None,
    measured: dict[str, int | None] | None = None,
    previous_gaps: Iterable[int | None] = (),
) -> SiteStats:
    """One run's stats record from its step manifests (`runs/{run}/{site}/{step}.json`; None = missing).

    `measured`: {"archive_documents", "index_documents"} counted after the run, used when the
    index step's record does not carry them (the step failed). `previous_gaps`: index_behind of
    the site's previous runs, newest first (the index_behind check).
    """
    crawl, parse, archived, indexed = (steps.get(s) for s in STEPS)
    failed_step = None
    if not crawl_succeeded(crawl):
        failed_step = "crawl"
    else:
        failed_step = next((s for s in STEPS[1:] if steps.get(s) is None), None)
    errors = list((crawl or {}).get("errors", [])) + list((parse or {}).get("errors", []))
    errors += list((indexed or {}).get("errors", []))
    kinds = Counter(str(e.get("kind") or "unknown") for e in errors)
    run_date = run_date or (crawl or {}).get("crawl_date") or utc_now()[:10]
    step_seconds = {s: float(steps[s]["seconds"]) for s in STEPS if steps.get(s) and "seconds" in steps[s]}
    archived = archived or {}
    record = SiteStats(
        site=site,
        run_id=run_id,
        dag_id=dag_id,
        run_date=run_date,
        recorded_at=recorded_at or utc_now(),
        outcome="failed" if failed_step else "completed",
        failed_step=failed_step,
        pages_fetched=int((crawl or {}).get("pages_fetched", 0)),
        bytes_fetched=int((crawl or {}).get("bytes_fetched", 0)),
        articles_found=int((parse or {}).get("articles_found", (crawl or {}).get("articles_found", 0))),
        documents_parsed=int((parse or {}).get("documents_parsed", 0)),
        full_sweep=bool((crawl or {}).get("full_sweep", True)),
        documents_not_modified=int((parse or {}).get("documents_not_modified", 0)),
        documents_seen=int((parse or {}).get("documents_parsed", 0)) + int((parse or {}).get("documents_not_modified", 0)),
        documents_written=int(archived.get("documents_written", 0)),
        documents_unchanged=int(archived.get("documents_unchanged", 0)),
        documents_new=_int_or_none(archived.get("documents_new")),
        documents_changed=_int_or_none(archived.get("documents_changed")),
        documents_deleted=_int_or_none(archived.get("documents_deleted")),
        documents_indexed=int((indexed or {}).get("documents_indexed", 0)),
        errors=[{k: str(v) for k, v in e.items()} for e in errors[:MAX_ERRORS_KEPT]],
        errors_total=len(errors),
        errors_by_kind=[{"kind": k, "count": n} for k, n in sorted(kinds.items())],
        blocked_pages=sum(n for k, n in kinds.items() if is_blocked_kind(k)),
        parse_errors=kinds.get("parse", 0),
        future_dated=count_future_dated(publish_dates, run_date, thresholds.future_grace_days),
        empty_bodies=count_empty_bodies(bodies),
        duration_seconds=round(sum(step_seconds.values()), 2),
        step_seconds=step_seconds,
    )
    # An incremental crawl stops paging at known articles, so its yield is not comparable with
    # a full sweep's: "far below its usual" is judged on full sweeps only (docs/operations.md).
    record.usual_yield = usual_yield(previous_yields, thresholds) if record.full_sweep else None
    figures = indexed if (indexed or {}).get("archive_documents") is not None else (measured or {})
    record.archive_documents = _int_or_none(figures.get("archive_documents"))
    record.index_documents = _int_or_none(figures.get("index_documents"))
    if record.archive_documents is not None and record.index_documents is not None:
        record.index_behind = max(record.archive_documents - record.index_documents, 0)
    issues = []
    blocked = blocked_issue(site, record.blocked_pages, [k for k in kinds if is_blocked_kind(k)])
    if blocked is not None:
        issues.append(blocked)
    if record.outcome == "completed":  # a failed run already failed its step; nothing to measure
        issues += check_run(
            site=site, documents=record.documents_seen, articles=record.articles_found,
            parse_errors=record.parse_errors, future_dated=record.future_dated,
            empty_bodies=record.empty_bodies, usual=record.usual_yield, thresholds=thresholds,
        )
    gap = index_gap_issue(site, record.index_behind, previous_gaps, thresholds)
    if gap is not None:
        issues.append(gap)
    incomplete = incomplete_issue(site, crawl or {}) if crawl_succeeded(crawl) else None
    if incomplete is not None:  # a column walk cut short is data loss, whatever the thresholds say
        issues.append(incomplete)
    record.quality_issues = [i.to_dict() for i in issues]
    record.quality_ok = not issues
    return record


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def summary_line(record: SiteStats) -> str:
    """The one log line per site and run."""
    r = record
    if r.documents_new is not None and r.documents_changed is not None:
        docs = f"{r.documents_new} new, {r.documents_changed} changed"
    else:
        docs = f"{r.documents_written} new/changed"
    docs += f", {r.documents_unchanged} unchanged"
    if r.documents_deleted is not None:
        docs += f", {r.documents_deleted} deleted"
    kinds = ", ".join(f"{e['kind']}×{e['count']}" for e in r.errors_by_kind) or "none"
    if r.outcome == "failed":
        state = f"FAILED at {r.failed_step}"
    elif r.blocked_pages:
        state = f"BLOCKED on {r.blocked_pages} pages"
    elif not r.quality_ok:
        state = "QUALITY FAILED: " + ", ".join(i["check"] for i in r.quality_issues)
    else:
        state = "ok"
    usual = f" (usual {r.usual_yield:g})" if r.usual_yield is not None else ""
    return (
        f"[{r.site}] stats run={r.run_id} {state}: fetched {r.pages_fetched} pages ({_size(r.bytes_fetched)}), "
        f"{r.documents_seen} documents{usual} ({docs}), {r.documents_indexed} indexed"
        + (f" (archive {r.archive_documents}, index {r.index_documents})" if r.archive_documents is not None else "")
        + ", "
        f"errors {r.errors_total} ({kinds}), {r.duration_seconds:g}s"
    )


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


# -- Elasticsearch --------------------------------------------------------------------------
def load_stats_mapping() -> dict[str, Any]:
    return mappings.load("stats")


def ensure_stats_index(es, alias: str) -> str:
    """Return the index behind the stats alias, creating `<alias>-v<version>` when missing
    (the same versioned-index lifecycle as the documents index, with mappings/stats.json)."""
    from govpub.index import ensure_index

    mapping = load_stats_mapping()
    name = ensure_index(es, alias, mapping, allow_older=True)
    # Version 2 only added fields (archive_documents, index_documents, index_behind): an index of an
    # older version gets them in place, so its strict mapping accepts the new records.
    current = es.indices.get_mapping(index=name)[name]["mappings"]
    if int(current.get("_meta", {}).get("version", 0)) < int(mapping["_meta"]["version"]):
        es.indices.put_mapping(index=name, properties=mapping["mappings"]["properties"], meta=mapping["_meta"])
    return name


def index_record(es, alias: str, record: SiteStats, refresh: bool = True) -> None:
    ensure_stats_index(es, alias)
    es.index(index=alias, id=stats_doc_id(record.site, record.run_id), document=record.to_dict(),
             refresh="true" if refresh else "false")


def es_previous_yields(es, alias: str, site: str, run_id: str, size: int) -> list[int]:
    """documents_seen of the site's previous completed runs, newest first (from ES)."""
    from elasticsearch import NotFoundError

    try:
        resp = es.search(
            index=alias, size=size, sort=[{"recorded_at": "desc"}], source_includes=["documents_seen", "documents_parsed"],
            query={"bool": {"filter": [{"term": {"site": site}}, {"term": {"outcome": "completed"}}],
                            "must_not": [{"term": {"run_id": run_id}}, {"term": {"full_sweep": False}}]}},
        )
    except NotFoundError:
        return []
    # records written before documents_seen existed count their parsed documents
    return [int(h["_source"].get("documents_seen", h["_source"].get("documents_parsed", 0))) for h in resp["hits"]["hits"]]


def es_previous_gaps(es, alias: str, site: str, run_id: str, size: int) -> list[int | None]:
    """index_behind of the site's previous runs (any outcome), newest first (from ES)."""
    from elasticsearch import NotFoundError

    try:
        resp = es.search(index=alias, size=size, sort=[{"recorded_at": "desc"}], source_includes=["index_behind"],
                         query={"bool": {"filter": [{"term": {"site": site}}],
                                         "must_not": [{"term": {"run_id": run_id}}]}})
    except NotFoundError:
        return []
    return [h["_source"].get("index_behind") for h in resp["hits"]["hits"]]


def s3_previous_gaps(archive: Archive, site: str, run_id: str, size: int) -> list[int | None]:
    records = sorted((r for r in iter_s3_records(archive, site) if r.run_id != run_id),
                     key=lambda r: r.recorded_at, reverse=True)
    return [r.index_behind for r in records[:size]]


def es_recent_records(es, alias: str, per_site: int) -> dict[str, list[SiteStats]]:
    """The newest `per_site` records of every site in the stats index, newest first."""
    from elasticsearch import NotFoundError

    try:
        resp = es.search(
            index=alias, size=0,
            aggs={"sites": {"terms": {"field": "site", "size": 10000},
                            "aggs": {"recent": {"top_hits": {"size": per_site, "sort": [{"recorded_at": "desc"}]}}}}},
        )
    except NotFoundError:
        return {}
    out: dict[str, list[SiteStats]] = {}
    for bucket in resp["aggregations"]["sites"]["buckets"]:
        out[bucket["key"]] = [SiteStats.from_dict(h["_source"]) for h in bucket["recent"]["hits"]["hits"]]
    return out


# -- S3 -------------------------------------------------------------------------------------
def run_ids(archive: Archive) -> list[str]:
    """Run-id key segments under runs/ (one listing with a delimiter)."""
    return archive.list_folders(f"{archive.prefix}runs/")


def iter_s3_records(archive: Archive, site: str | None = None) -> Iterator[SiteStats]:
    """Every stats record in the archive (optionally one site's), in no particular order."""
    for run in run_ids(archive):
        if site is not None:
            data = archive.get_json_or_none(stats_key(archive.prefix, run, site))
            if data is not None:
                yield SiteStats.from_dict(data)
            continue
        for key in archive.list_keys(f"{archive.prefix}runs/{run}/"):
            if key.endswith("/stats.json"):
                data = archive.get_json_or_none(key)
                if data is not None:
                    yield SiteStats.from_dict(data)


def s3_recent_records(archive: Archive, per_site: int) -> dict[str, list[SiteStats]]:
    by_site: dict[str, list[SiteStats]] = {}
    for record in iter_s3_records(archive):
        by_site.setdefault(record.site, []).append(record)
    return {s: sorted(rs, key=lambda r: r.recorded_at, reverse=True)[:per_site] for s, rs in by_site.items()}


def s3_previous_yields(archive: Archive, site: str, run_id: str, size: int) -> list[int]:
    records = [r for r in iter_s3_records(archive, site)
               if r.outcome == "completed" and r.run_id != run_id and r.full_sweep]
    records.sort(key=lambda r: r.recorded_at, reverse=True)
    return [r.documents_seen or r.documents_parsed for r in records[:size]]


def recent_records(settings: Settings, per_site: int) -> tuple[dict[str, list[SiteStats]], str | None]:
    """Recent records per site from the stats index; from S3 when Elasticsearch is down.

    Returns (records, note): note says where the records came from when it was not ES.
    """
    from govpub import index

    try:
        es = index.client(settings)
        index.check_reachable(es, settings)
        return es_recent_records(es, stats_alias(settings), per_site), None
    except index.IndexUnavailable as exc:
        from govpub.archive import ArchiveUnavailable

        try:
            records = s3_recent_records(Archive(settings), per_site)
        except ArchiveUnavailable as s3_exc:
            raise ArchiveUnavailable(f"{exc}; and the S3 fallback failed: {s3_exc}") from s3_exc
        return records, f"{exc}; read the run records from s3://{settings.s3_bucket}/{settings.s3_prefix}runs/ instead"


def rebuild_stats_index(settings: Settings, echo: Callable[[str], None] = print) -> int:
    """(Re)index every stats record found in S3 into the stats index (idempotent: same ids)."""
    from govpub import index

    es = index.client(settings)
    index.check_reachable(es, settings)
    alias = stats_alias(settings)
    count = 0
    for record in iter_s3_records(Archive(settings)):
        index_record(es, alias, record, refresh=False)
        count += 1
    if count:
        es.indices.refresh(index=alias)
    echo(f"indexed {count} stats records into {alias}")
    return count


# -- the per-site check step ----------------------------------------------------------------
def measure_site(archive: Archive, es, alias: str, site_id: str) -> dict[str, int | None]:
    """The site's documents in the archive (one listing) and in the index (one count; None when
    Elasticsearch does not answer)."""
    from govpub import index

    measured: dict[str, int | None] = {"archive_documents": len(archive.document_entries(site_id)),
                                       "index_documents": None}
    if es is None:  # Elasticsearch did not answer
        return measured
    try:
        measured["index_documents"] = int(es.options(max_retries=0, request_timeout=10).count(
            index=alias, query={"term": {"site": site_id}})["count"])
    except index.IndexUnavailable:
        pass
    except Exception as exc:  # unreachable or no index yet: the figure is unknown / zero
        from elasticsearch import NotFoundError

        measured["index_documents"] = 0 if isinstance(exc, NotFoundError) else None
    return measured


def record_site_run(
    settings: Settings,
    site_id: str,
    run_id: str,
    *,
    run_date: str | None = None,
    dag_id: str | None = None,
    echo: Callable[[str], None] = print,
    archive: Archive | None = None,
    es=None,
    steps: dict[str, dict | None] | None = None,
    documents: Iterable[Document] | None = None,
) -> SiteStats:
    """Build, check and store the stats record of one site's run; return it.

    Reads the step manifests from S3 (a failed step simply has none), so it runs after a
    failed step too: failing runs are recorded, which is how `govpub status` sees them.
    The record always lands in S3; if Elasticsearch is down it is logged and skipped there
    (the S3 record is the source of truth; `govpub status --reindex` catches up).

    A caller that ran the steps in this process passes what it holds: the `archive` and `es`
    clients, the step records (`steps`) and the parsed `documents`; those are not read again.
    """
    from govpub import index

    archive = archive or Archive(settings)
    try:
        thresholds = get_site(settings.sites_dir, site_id).quality
    except (UnknownSite, SiteConfigError):
        thresholds = QUALITY_DEFAULTS
    steps = dict(steps or {})
    for step in STEPS:
        if step not in steps:
            steps[step] = archive.get_json_or_none(run_key(archive.prefix, run_id, site_id, f"{step}.json"))
    dates: list[str | None] = []
    bodies: list[str | None] = []
    parsed_key = (steps.get("parse") or {}).get("parsed_key")
    if documents is not None:
        for doc in documents:
            dates.append(doc.publish_date)
            bodies.append(doc.body)
    elif parsed_key:
        for row in archive.get_jsonl_gz(parsed_key):
            dates.append(row.get("publish_date"))
            bodies.append(row.get("body"))

    alias = stats_alias(settings)
    try:
        es = es or index.client(settings)
        index.check_reachable(es, settings)
        previous = es_previous_yields(es, alias, site_id, run_id, thresholds.history_runs)
        gaps = es_previous_gaps(es, alias, site_id, run_id, thresholds.index_behind_runs)
    except index.IndexUnavailable as exc:
        echo(f"[{site_id}] stats index unavailable ({exc}); reading history from S3")
        es = None
        previous = s3_previous_yields(archive, site_id, run_id, thresholds.history_runs)
        gaps = s3_previous_gaps(archive, site_id, run_id, thresholds.index_behind_runs)

    measured = None
    if (steps.get("index") or {}).get("archive_documents") is None:  # the index step failed: count now
        measured = measure_site(archive, es, settings.es_alias, site_id)
    # A re-run (retried check, cleared task) keeps the run's place in the site's history.
    earlier = archive.get_json_or_none(stats_key(archive.prefix, run_id, site_id)) or {}
    record = build_record(
        site=site_id, run_id=run_id, steps=steps, publish_dates=dates, bodies=bodies,
        previous_yields=previous, thresholds=thresholds, run_date=run_date, dag_id=dag_id,
        recorded_at=earlier.get("recorded_at"), measured=measured, previous_gaps=gaps,
    )
    archive.put_json(stats_key(archive.prefix, run_id, site_id), record.to_dict())
    if es is not None:
        try:
            index_record(es, alias, record)
        except Exception as exc:  # the S3 record stands; ES is derived
            echo(f"[{site_id}] could not write the stats record to {alias}: {exc}")
    echo(summary_line(record))
    for issue in record.quality_issues:
        echo(f"[{site_id}] quality: {issue['message']}")
    return record
