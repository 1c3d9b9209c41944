"""Incremental crawling: the per-site crawl state kept in S3 and handed to the spider.

`state/{site}/crawl.json` records what the last crawls learnt:

- `validators`: URL → {etag, last_modified} of its last 200 response (conditional requests);
- `lists`: list page URL → {links, next[, next_request]}: the article links and next list page it
  held (next_request: a POST or a mechanism's state, govpub.crawl.listing)
  (a list page answering 304 is replayed from here);
- `articles`: article URL → {id, pages, status, interval_days, next_check, checked} for every
  archived document: `next_check` is the date its revalidation is due (the adaptive schedule
  below), `checked` the date of its last check;
- `last_full_sweep`: date of the last complete sweep of the column.

The archive step updates it from the run's crawl report after documents are stored; the crawl
step turns it into the spider's `-a state=FILE` argument. The spider stays crawling-only: it
sends `If-None-Match` / `If-Modified-Since` for known URLs, and stops paging a column at the
first list page that holds only known articles — except on a full sweep (every
`full_sweep_days`, site registry, default 7; `0` = every run), which walks every list page, so
that articles that left the column are recorded as deleted.

Known articles are revalidated on an adaptive schedule (StormCrawler's AdaptiveScheduler is
the model), not on every crawl: past the column's head (the list pages up to the first
all-known one, which every crawl reads and revalidates), a crawl sends a conditional request
for a known article only on or after its `next_check` date, wherever it sits in the column
(the incremental walk never reaches old list pages, so the spider asks for due articles
directly). After each check:

- new article: `interval_days` = `revalidate_initial_days` (site registry, default 7), or a tenth
  of its age when that is longer (an article published two years ago starts at the cap);
- unchanged (304, or 200 with the same document): interval × 1.5, up to `revalidate_max_days`
  (default 30);
- changed: interval × 0.5, down to 1 day;
- `next_check` = crawl date + interval × a factor in [0.75, 1.25) fixed by the URL, so the
  articles of one big first sweep do not all come due on the same day.

A silent edit of any article is thus found at most ceil(1.25 × revalidate_max_days) days (38 by
default) after it happened, while a daily crawl of an unchanged column revalidates about
1/interval of it (docs/operations.md, "Re-crawls"). A full sweep walks every list page but
revalidates only the due articles too.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from govpub.archive import Archive, state_key
from govpub.schema import doc_id_for
from govpub.registry import Site, SiteConfigError

STATE_SCHEMA_VERSION = 1
DEFAULT_FULL_SWEEP_DAYS = 7
DEFAULT_REVALIDATE_INITIAL_DAYS = 7
DEFAULT_REVALIDATE_MAX_DAYS = 30
REVALIDATE_MIN_DAYS = 1
GROW, SHRINK = 1.5, 0.5  #: interval factors after an unchanged / a changed check
GONE_STATUSES = (404, 410)


def empty_state(site_id: str) -> dict[str, Any]:
    return {
        "schema_version": STATE_SCHEMA_VERSION,
        "site": site_id,
        "run_id": None,
        "last_full_sweep": None,
        "articles": {},
        "validators": {},
        "lists": {},
    }


def load_state(archive: Archive, site_id: str) -> dict[str, Any]:
    return archive.get_json_or_none(state_key(archive.prefix, site_id)) or empty_state(site_id)


def full_sweep_days(site: Site) -> int:
    value = site.extra.get("full_sweep_days", DEFAULT_FULL_SWEEP_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SiteConfigError(f"{site.source_file} ({site.id}): full_sweep_days must be an integer >= 0, not {value!r}")
    return value


def revalidate_days(site: Site) -> tuple[int, int]:
    """(initial, max) revalidation interval in days: `revalidate_initial_days`, `revalidate_max_days`."""
    days = []
    for name, default in (("revalidate_initial_days", DEFAULT_REVALIDATE_INITIAL_DAYS),
                          ("revalidate_max_days", DEFAULT_REVALIDATE_MAX_DAYS)):
        value = site.extra.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < REVALIDATE_MIN_DAYS:
            raise SiteConfigError(f"{site.source_file} ({site.id}): {name} must be an integer >= 1, not {value!r}")
        days.append(value)
    if days[0] > days[1]:
        raise SiteConfigError(f"{site.source_file} ({site.id}): revalidate_initial_days ({days[0]}) is more than "
                              f"revalidate_max_days ({days[1]})")
    return days[0], days[1]


def next_check(url: str, interval_days: float, crawl_date: str) -> str:
    """The date a check is due: crawl date + interval × a factor in [0.75, 1.25) fixed by the URL."""
    spread = 0.75 + int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:4], "big") / 2**32 / 2
    days = max(REVALIDATE_MIN_DAYS, math.ceil(interval_days * spread))
    return (date.fromisoformat(crawl_date) + timedelta(days=days)).isoformat()


def rescheduled(url: str, previous: dict[str, Any], outcome: str, crawl_date: str,
                initial_days: int, max_days: int, published: str | None = None) -> dict[str, Any]:
    """{interval_days, next_check, checked} after a check whose outcome is "new", "unchanged" or "changed".

    A second check on the same day (a re-run of the run) keeps the first one's schedule: re-runs
    change nothing.

    A new article starts at `initial_days`, or at a tenth of its age when that is longer (up to
    `max_days`): documents change rarely once old, and the first sweep of a big archive then does
    not come due all in its first week. `published`: its publish date (YYYY-MM-DD), when known.
    """
    if previous.get("checked") == crawl_date and previous.get("next_check"):
        return {k: previous[k] for k in ("interval_days", "next_check", "checked")}
    interval = previous.get("interval_days")
    if outcome == "new" or not interval:
        age = _age_days(published, crawl_date)
        interval = float(min(max_days, max(initial_days, age / 10)))
    elif outcome == "changed":
        interval = max(float(REVALIDATE_MIN_DAYS), interval * SHRINK)
    else:
        interval = min(float(max_days), interval * GROW)
    return {"interval_days": round(interval, 3), "next_check": next_check(url, interval, crawl_date),
            "checked": crawl_date}


def _age_days(published: str | None, crawl_date: str) -> int:
    try:
        return max(0, (date.fromisoformat(crawl_date) - date.fromisoformat((published or "")[:10])).days)
    except ValueError:
        return 0


def due_articles(state: dict[str, Any], crawl_date: str) -> list[str]:
    """Known articles to revalidate in a crawl on `crawl_date`: next check reached (or never scheduled)."""
    return sorted(url for url, info in state.get("articles", {}).items()
                  if info.get("status", "active") == "active" and (info.get("next_check") or "") <= crawl_date)


def sweep_due(site: Site, state: dict[str, Any], crawl_date: str) -> bool:
    """A full sweep is due on the first crawl, then every `full_sweep_days` days."""
    days = full_sweep_days(site)
    last = state.get("last_full_sweep")
    if days == 0 or not last or not state.get("articles"):
        return True
    return (date.fromisoformat(crawl_date) - date.fromisoformat(last)).days >= days


def write_spider_state(state: dict[str, Any], full_sweep: bool, path: Path, crawl_date: str) -> None:
    """The spider's argument file: the state plus the mode of this crawl and the articles due."""
    spider_state = {
        "full_sweep": full_sweep,
        "due": due_articles(state, crawl_date),
        "articles": state.get("articles", {}),
        "validators": state.get("validators", {}),
        "lists": state.get("lists", {}),
    }
    path.write_text(json.dumps(spider_state, ensure_ascii=False), encoding="utf-8")


def updated_state(
    state: dict[str, Any],
    crawl: dict[str, Any],
    records: list[dict[str, Any]],
    stored: dict[str, dict[str, Any]],
    statuses: dict[str, str],
    schedule: tuple[int, int] = (DEFAULT_REVALIDATE_INITIAL_DAYS, DEFAULT_REVALIDATE_MAX_DAYS),
) -> dict[str, Any]:
    """The state after a run: validators and list links from its records, archived articles and
    their revalidation schedule.

    `stored`: article URL → {id, pages, outcome, published} of every document stored (or confirmed
    unchanged) this run, outcome "new" | "changed" | "unchanged", published its publish date; `statuses`: article URL → "active" |
    "deleted" changes of this run; `schedule`: (initial, max) interval days (`revalidate_days`).
    """
    new = json.loads(json.dumps(state))  # deep copy
    new["schema_version"] = STATE_SCHEMA_VERSION
    new["run_id"] = crawl["run_id"]
    validators, lists, articles = new["validators"], new["lists"], new["articles"]
    for record in records:
        url, status = record["url"], record["status"]
        if status == 200:
            if record.get("etag") or record.get("last_modified"):
                validators[url] = {"etag": record.get("etag"), "last_modified": record.get("last_modified")}
            else:
                validators.pop(url, None)
            if record.get("kind") == "list":
                lists[url] = {"links": list(record.get("links") or []), "next": record.get("next"),
                              **({"next_request": record["next_request"]} if record.get("next_request") else {})}
        elif status in GONE_STATUSES:
            validators.pop(url, None)
            lists.pop(url, None)
    day = crawl["crawl_date"]
    for url, info in stored.items():
        previous = articles.get(url, {})
        articles[url] = {"id": info["id"], "pages": list(info["pages"]), "status": previous.get("status", "active"),
                         **rescheduled(url, previous, info.get("outcome", "new"), day, *schedule,
                                       published=info.get("published"))}
    for record in records:  # known articles that answered 304: checked, unchanged
        url = record["url"]
        if record["status"] == 304 and record.get("kind") == "article" and url in articles and url not in stored:
            articles[url].update(rescheduled(url, articles[url], "unchanged", day, *schedule))
    for url, status in statuses.items():
        if url in articles:
            articles[url]["status"] = status
        else:
            articles[url] = {"id": doc_id_for(url), "pages": [url], "status": status}
    if crawl.get("full_sweep") and crawl.get("column_complete"):
        new["last_full_sweep"] = crawl["crawl_date"]
    return new
