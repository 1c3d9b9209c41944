"""Incremental crawling: the per-site crawl state kept in S3 and handed to the spider.

`state/{site}/crawl.json` records what the last crawls learnt:

- `validators`: URL → {etag, last_modified} of its last 200 response (conditional requests);
- `lists`: list page URL → {links, next[, next_request]}: the article links and next list page it
  held (next_request: a POST or a mechanism's state, govpub.crawl.listing)
  (a list page answering 304 is replayed from here);
- `articles`: article URL → {id, pages, status} for every archived document;
- `last_full_sweep`: date of the last complete sweep of the column.

The archive step updates it from the run's crawl report after documents are stored; the crawl
step turns it into the spider's `-a state=FILE` argument. The spider stays crawling-only: it
sends `If-None-Match` / `If-Modified-Since` for known URLs, and stops paging a column at the
first list page that holds only known articles — except on a full sweep (every
`full_sweep_days`, site registry, default 7; `0` = every run), which walks every list page, so
that articles that left the column are recorded as deleted.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from govpub.archive import Archive, state_key
from govpub.schema import doc_id_for
from govpub.registry import Site, SiteConfigError

STATE_SCHEMA_VERSION = 1
DEFAULT_FULL_SWEEP_DAYS = 7
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


def sweep_due(site: Site, state: dict[str, Any], crawl_date: str) -> bool:
    """A full sweep is due on the first crawl, then every `full_sweep_days` days."""
    days = full_sweep_days(site)
    last = state.get("last_full_sweep")
    if days == 0 or not last or not state.get("articles"):
        return True
    return (date.fromisoformat(crawl_date) - date.fromisoformat(last)).days >= days


def write_spider_state(state: dict[str, Any], full_sweep: bool, path: Path) -> None:
    """The spider's argument file: the state plus the mode of this crawl."""
    spider_state = {
        "full_sweep": full_sweep,
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
) -> dict[str, Any]:
    """The state after a run: validators and list links from its records, archived articles.

    `stored`: article URL → {id, pages} of every document stored (or confirmed unchanged) this run;
    `statuses`: article URL → "active" | "deleted" changes of this run.
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
    for url, info in stored.items():
        previous = articles.get(url, {})
        articles[url] = {"id": info["id"], "pages": list(info["pages"]), "status": previous.get("status", "active")}
    for url, status in statuses.items():
        if url in articles:
            articles[url]["status"] = status
        else:
            articles[url] = {"id": doc_id_for(url), "pages": [url], "status": status}
    if crawl.get("full_sweep") and crawl.get("column_complete"):
        new["last_full_sweep"] = crawl["crawl_date"]
    return new
