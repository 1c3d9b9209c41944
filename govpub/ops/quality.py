"""Data-quality checks of one site's run: pure functions over its stats and documents.

`check_run` says what is wrong with a run, given the run's stats, the yields of the
site's previous completed runs and the site's thresholds (`govpub.registry.QualityThresholds`).
The DAG's per-site `check` task fails with `QualityCheckFailed` (one clear message naming
every failed check) when the list is not empty; `govpub status` uses the same rules.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from govpub.registry import QualityThresholds

#: check names (also the `check` field of an issue and of alert payloads)
ZERO_YIELD = "zero_yield"
LOW_YIELD = "below_usual"
PARSE_ERROR_RATE = "parse_error_rate"
FUTURE_DATES = "future_dates"
EMPTY_BODIES = "empty_bodies"
INDEX_BEHIND = "index_behind"  #: archived documents the index lacks after the run's index step
BLOCKED = "blocked"  #: the site's firewall / anti-bot service refused us (crawl errors "blocked:*")
INCOMPLETE = "incomplete"  #: a column walk stopped before its end (trap, budget, failed list page)
#: checks meaning "the site gave (almost) nothing": status calls the site broken
YIELD_CHECKS = (ZERO_YIELD, LOW_YIELD)


@dataclass(frozen=True)
class Issue:
    check: str
    message: str
    value: float
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class QualityCheckFailed(RuntimeError):
    """A site's run failed one or more data-quality checks; the message names each of them."""

    def __init__(self, site: str, issues: list[Issue]):
        self.site = site
        self.issues = issues
        self.blocked = any(i.check == BLOCKED for i in issues)
        super().__init__(f"{site}: data-quality check failed: " + "; ".join(i.message for i in issues))


def usual_yield(previous: Iterable[int], thresholds: QualityThresholds) -> float | None:
    """Median yield of the most recent `history_runs` previous runs (newest first), or None
    when there are fewer than `min_history` of them."""
    recent = list(previous)[: thresholds.history_runs]
    if len(recent) < max(1, thresholds.min_history):
        return None
    return float(statistics.median(recent))


def count_future_dated(publish_dates: Iterable[str | None], run_date: str, grace_days: int) -> int:
    """Documents dated after `run_date` + `grace_days` (dates are YYYY-MM-DD; None is never future)."""
    limit = (date.fromisoformat(run_date) + timedelta(days=grace_days)).isoformat()
    return sum(1 for d in publish_dates if d and d[:10] > limit)


def count_empty_bodies(bodies: Iterable[str | None]) -> int:
    return sum(1 for b in bodies if not (b or "").strip())


def blocked_issue(site: str, blocked_pages: int, kinds: Iterable[str]) -> Issue | None:
    """Blocking is reported whatever the thresholds say: it is never normal."""
    if blocked_pages <= 0:
        return None
    return Issue(BLOCKED, f"{site}: {blocked_pages} responses were blocked by the site's firewall or anti-bot "
                 f"service ({', '.join(sorted(set(kinds)))})", blocked_pages, 0)


def incomplete_issue(site: str, crawl: dict[str, Any]) -> Issue | None:
    """A column not walked to its end is data loss, whatever the thresholds say: reported.

    `crawl`: the crawl step's record; `walk_stops` names what stopped each walk (a trap, a
    bound, a list page that failed)."""
    if crawl.get("column_status") != "incomplete":
        return None
    stops = list(crawl.get("walk_stops") or [])
    why = "; ".join(f"{s['kind']} at {s['url']}: {s['message']}" for s in stops[:3]) or "not walked to its end"
    more = f" (+{len(stops) - 3} more)" if len(stops) > 3 else ""
    return Issue(INCOMPLETE, f"{site}: column incomplete — {why}{more}", len(stops), 0)


def check_run(
    *,
    site: str,
    documents: int,
    articles: int,
    parse_errors: int,
    future_dated: int,
    empty_bodies: int,
    usual: float | None,
    thresholds: QualityThresholds,
) -> list[Issue]:
    """Every failed check of one completed run (empty list = the run is fine)."""
    t = thresholds
    if not t.enabled:
        return []
    issues: list[Issue] = []
    if documents < t.min_documents:
        what = "no documents" if documents == 0 else f"only {documents} documents"
        issues.append(Issue(ZERO_YIELD, f"{site} yielded {what} (minimum {t.min_documents}; "
                            f"{articles} article links found)", documents, t.min_documents))
    elif usual is not None and documents < t.min_ratio * usual:
        issues.append(Issue(LOW_YIELD, f"{site} yielded {documents} documents, far below its usual "
                            f"{usual:g} (threshold {t.min_ratio:g} × median of recent runs)", documents,
                            t.min_ratio * usual))
    if articles:
        rate = parse_errors / articles
        if rate > t.max_parse_error_rate:
            issues.append(Issue(PARSE_ERROR_RATE, f"{site}: {parse_errors} of {articles} articles failed to parse "
                                f"({rate:.0%} > {t.max_parse_error_rate:.0%})", round(rate, 4), t.max_parse_error_rate))
    if future_dated > t.max_future_dated:
        issues.append(Issue(FUTURE_DATES, f"{site}: {future_dated} documents have a publish date in the future "
                            f"(allowed {t.max_future_dated})", future_dated, t.max_future_dated))
    if empty_bodies > t.max_empty_bodies:
        issues.append(Issue(EMPTY_BODIES, f"{site}: {empty_bodies} documents have an empty body "
                            f"(allowed {t.max_empty_bodies})", empty_bodies, t.max_empty_bodies))
    return issues


def index_gap_issue(site: str, index_behind: int | None, previous: Iterable[int | None],
                    thresholds: QualityThresholds) -> Issue | None:
    """The index lags the archive by more than `max_index_behind` documents in this run and in the
    `index_behind_runs - 1` runs before it (`previous`: their index_behind, newest first): the
    gap outlived the index steps' convergence, so retrying will not close it. Checked for failed
    runs too (an index step that keeps failing is such a gap)."""
    t = thresholds
    if not t.enabled or index_behind is None or index_behind <= t.max_index_behind:
        return None
    earlier = list(previous)[: t.index_behind_runs - 1]
    if len(earlier) < t.index_behind_runs - 1 or any(n is None or n <= t.max_index_behind for n in earlier):
        return None
    return Issue(INDEX_BEHIND, f"{site}: index behind archive by {index_behind} documents for {t.index_behind_runs} "
                 f"runs in a row (allowed {t.max_index_behind}; `govpub reconcile --site {site}` repairs it)",
                 index_behind, t.max_index_behind)
