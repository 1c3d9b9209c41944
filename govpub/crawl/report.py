"""Reading the spider's crawl report: what the crawl step keeps in `runs/{run_id}/{site}/crawl.json`."""

from __future__ import annotations

from typing import Any, Iterable


def column_answered(records: Iterable[dict[str, Any]]) -> bool:
    """The crawl succeeded: at least one column (list) page answered 200, or 304 (unchanged).

    A site that answers nothing (dead host, moved column) must fail loudly, not "succeed" empty.
    The crawl step and the stats record (govpub.ops.stats) both judge a crawl by this rule.
    """
    return any(r.get("kind") == "list" and r.get("status") in (200, 304) for r in records)


def articles_found(records: Iterable[dict[str, Any]]) -> int:
    """Distinct articles the crawl fetched a page of."""
    return len({r["article_url"] for r in records if r.get("article_url")})
