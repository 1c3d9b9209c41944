"""`govpub status`: per site, the last run, its counts and a health verdict.

Health of a site, from its stats records (newest first; rules in docs/operations.md):

- `never-run` — no record yet;
- `blocked`   — the last run was refused by the site's firewall / anti-bot service
                (crawl errors of kind `blocked*`);
- `broken`    — the last run failed a step, yielded nothing or far below its usual;
- `incomplete` — the last run did not walk a column to its end: a trap, a bound
                (`budget`) or a failed list page stopped it (check `incomplete`);
- `degraded`  — the last run completed but failed another quality check (parse errors,
                future dates, empty bodies), or the run before it failed (recovering);
- `ok`        — otherwise.

`site_health` is pure; `collect` reads the stats index (S3 when Elasticsearch is down).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from govpub.ops.quality import BLOCKED, INCOMPLETE, YIELD_CHECKS
from govpub.schema import SiteStats

HEALTHS = ("ok", "degraded", "incomplete", "broken", "blocked", "never-run")
ATTENTION = ("broken", "blocked", "incomplete")  # an incomplete column is data loss


@dataclass
class SiteStatus:
    site: str
    health: str
    reasons: list[str] = field(default_factory=list)
    last: SiteStats | None = None
    runs_seen: int = 0
    failed_runs: int = 0  #: among the runs seen
    blocked_runs: int = 0  #: among the runs seen
    in_registry: bool = True

    def to_dict(self) -> dict:
        data = asdict(self)
        data["last"] = self.last.to_dict() if self.last else None
        return data


def site_health(site: str, records: list[SiteStats], in_registry: bool = True) -> SiteStatus:
    """Health of one site from its recent records, newest first."""
    status = SiteStatus(site=site, health="never-run", in_registry=in_registry, runs_seen=len(records))
    if not in_registry:
        status.reasons.append("not in the site registry any more")
    if not records:
        return status
    last = records[0]
    status.last = last
    status.failed_runs = sum(1 for r in records if r.outcome == "failed")
    status.blocked_runs = sum(1 for r in records if r.blocked_pages)
    checks = {i["check"]: i for i in last.quality_issues}
    streak = 0
    for r in records:
        if r.outcome != "failed":
            break
        streak += 1
    if last.blocked_pages or BLOCKED in checks:
        status.health = "blocked"
        kinds = ", ".join(e["kind"] for e in last.errors_by_kind if str(e["kind"]).startswith("blocked"))
        status.reasons.append(f"last run blocked on {last.blocked_pages} responses ({kinds})")
        if status.blocked_runs > 1:
            status.reasons.append(f"blocked in {status.blocked_runs} of the last {len(records)} runs")
    elif last.outcome == "failed":
        status.health = "broken"
        status.reasons.append(f"last run failed at {last.failed_step}"
                              + (f" ({streak} failing runs in a row)" if streak > 1 else ""))
        if last.index_behind:
            status.reasons.append(f"index behind archive by {last.index_behind}")
    elif any(c in checks for c in YIELD_CHECKS):
        status.health = "broken"
        status.reasons += [checks[c]["message"] for c in YIELD_CHECKS if c in checks]
    elif INCOMPLETE in checks:
        status.health = "incomplete"
        status.reasons += [i["message"] for i in last.quality_issues]
    elif checks:
        status.health = "degraded"
        status.reasons += [i["message"] for i in last.quality_issues]
    elif last.index_behind:
        status.health = "degraded"
        status.reasons.append(f"index behind archive by {last.index_behind}")
    elif len(records) > 1 and records[1].outcome == "failed":
        status.health = "degraded"
        failed = records[1]
        status.reasons.append(f"recovering: run {failed.run_id} failed at {failed.failed_step}")
    else:
        status.health = "ok"
    return status


def all_statuses(registry: list[str], records: dict[str, list[SiteStats]]) -> list[SiteStatus]:
    """Every registry site (never-run when it has no record) plus sites only found in records."""
    sites = sorted(set(registry) | set(records))
    return [site_health(s, records.get(s, []), in_registry=s in registry) for s in sites]


def format_status(statuses: list[SiteStatus], note: str | None = None) -> str:
    header = (f"  {'site':<20} {'health':<10} {'last run':<34} {'when':<20} {'pages':>5} {'docs':>5} "
              f"{'usual':>5} {'new/chg':>7} {'unchg':>5} {'del':>4} {'archive':>7} {'index':>7} {'errors':>6} {'secs':>6}")
    lines = []
    if note:
        lines.append(f"note: {note}")
    lines += [header, "  " + "-" * (len(header) - 2)]
    for s in statuses:
        flag = "!" if s.health in ATTENTION else " "
        r = s.last
        if r is None:
            lines.append(f"{flag} {s.site:<20} {s.health:<10} {'-':<34}")
            continue
        new_changed = (f"{r.documents_new}/{r.documents_changed}" if r.documents_new is not None
                       and r.documents_changed is not None else str(r.documents_written))
        deleted = "-" if r.documents_deleted is None else str(r.documents_deleted)
        usual = "-" if r.usual_yield is None else f"{r.usual_yield:g}"
        in_archive = "-" if r.archive_documents is None else str(r.archive_documents)
        in_index = "-" if r.index_documents is None else str(r.index_documents)
        lines.append(
            f"{flag} {s.site:<20} {s.health:<10} {r.run_id[:34]:<34} {r.recorded_at[:19]:<20} {r.pages_fetched:>5} "
            f"{r.documents_seen:>5} {usual:>5} {new_changed:>7} {r.documents_unchanged:>5} {deleted:>4} "
            f"{in_archive:>7} {in_index:>7} "
            f"{r.errors_total:>6} {r.duration_seconds:>6g}"
        )
    flagged = [s for s in statuses if s.reasons and s.health != "ok"]
    if flagged:
        lines.append("")
        for s in flagged:
            lines.append(f"{'!' if s.health in ATTENTION else '-'} {s.site} ({s.health}): " + "; ".join(s.reasons))
    counts = {h: sum(1 for s in statuses if s.health == h) for h in HEALTHS}
    lines.append("")
    lines.append(", ".join(f"{n} {h}" for h, n in counts.items() if n) or "no sites")
    return "\n".join(lines)


def collect(settings, runs: int = 10) -> tuple[list[SiteStatus], dict[str, list[SiteStats]], str | None]:
    """(statuses, records per site, note) for the registry in `settings`."""
    from govpub.registry import load_sites
    from govpub.ops.stats import recent_records

    registry = list(load_sites(settings.sites_dir))
    records, note = recent_records(settings, runs)
    pending = cluster_fields_pending(settings)
    if pending:
        note = "; ".join(filter(None, [note, f"cluster fields of {pending} documents not yet in the index "
                                             "(next clusters run or `govpub reconcile`)"]))
    stale = index_outdated(settings)
    if stale:
        note = "; ".join(filter(None, [note, stale]))
    return all_statuses(registry, records), records, note


def index_outdated(settings) -> str | None:
    """Why the documents index cannot take this govpub's writes (an older mapping), or None
    (also None when Elasticsearch does not answer: the stats note says so)."""
    from elasticsearch import ApiError, TransportError

    from govpub import index

    try:
        return index.outdated(index.client(settings), settings.es_alias)
    except (ApiError, TransportError, index.IndexUnavailable):
        return None


def cluster_fields_pending(settings) -> int:
    """Documents whose cluster fields the clusters step stored but could not write to the index
    (the outbox clusters/pending.json); 0 when S3 does not answer."""
    from govpub.archive import Archive, ArchiveUnavailable
    from govpub.archive.clusters import load_pending

    try:
        return len(load_pending(Archive(settings)))
    except ArchiveUnavailable:
        return 0
