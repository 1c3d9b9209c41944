"""The archive step's status rules: which known articles are deleted, which are seen again.

A document's status (`active` / `deleted`) lives in its status record, not in a version
(govpub.archive.versions). The rules are pure functions of the crawl's result, the crawl
state's known articles and what the run stored; `StatusChanges` writes what they decide.
"""

from __future__ import annotations

from govpub.archive import Archive
from govpub.archive.versions import DocumentVersions
from govpub.pipeline.results import CrawlResult


def deleted_articles(crawl: CrawlResult, known: dict[str, dict], stored: dict[str, dict]) -> list[tuple[str, str]]:
    """(url, reason) of known articles now deleted: answering 404/410 ("http:404"), or no longer
    linked from the column after a complete full sweep ("vanished"). Stored this run: not deleted."""
    gone = {g["url"]: g["status"] for g in crawl.gone}
    vanished: set[str] = set()
    if crawl.full_sweep and crawl.column_complete:
        listed = set(crawl.listed or [])
        vanished = {u for u, info in known.items() if info.get("status") == "active" and u not in listed}
    return [
        (url, f"http:{gone[url]}" if url in gone else "vanished")
        for url in sorted(set(gone) | vanished)
        if url in known and url not in stored
    ]


def seen_again(crawl: CrawlResult, known: dict[str, dict], stored: dict[str, dict]) -> list[str]:
    """Known articles recorded as deleted that answered again: stored this run, or a 304."""
    answered = set(stored) | {
        r["url"] for r in crawl.records or [] if r["status"] == 304 and r.get("kind") == "article"
    }
    return [url for url in sorted(answered) if (known.get(url) or {}).get("status") == "deleted"]


class StatusChanges:
    """The status records one archive step writes, counted, with the article URLs they changed."""

    def __init__(self, versions: DocumentVersions, site: str, day: str, run_id: str):
        self.versions, self.site, self.day, self.run_id = versions, site, day, run_id
        self.statuses: dict[str, str] = {}  #: article URL → new status (for the crawl state)
        self._ids: dict[str, str] = {}
        self.deleted = self.restored = 0

    def set(self, url: str, doc_id: str, status: str, reason: str) -> None:
        if self.versions.set_status(self.site, doc_id, status, self.day, reason, self.run_id):
            self.statuses[url] = status
            self._ids[url] = doc_id
            if status == "deleted":
                self.deleted += 1
            else:
                self.restored += 1

    def document_keys(self, archive: Archive) -> list[str]:
        """latest.json keys of the documents whose status changed (they are indexed again)."""
        return [archive.document_key(self.site, self._ids[url]) for url in self.statuses]
