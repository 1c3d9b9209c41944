"""WarcArchivePipeline: every fetched response goes into a gzip WARC in S3, as fetched.

Records are appended to a local temporary file; a part is uploaded to its final,
deterministic key when it reaches GOVPUB_WARC_MAX_BYTES and when the crawl closes,
so no partial object is ever visible under a final key. The crawl report (counts,
WARC keys, failures) is written to GOVPUB_CRAWL_REPORT for the parent process.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path


from scrapy import signals

from govpub.archive import Archive, raw_key
from govpub.settings import Settings
from govpub.archive.warc import Fetched, WarcFileWriter


class WarcArchivePipeline:
    def __init__(self, crawler, crawl_id: str, crawl_date: str, report_path: str, max_bytes: int):
        self.crawler = crawler
        self.crawl_id = crawl_id
        self.crawl_date = crawl_date or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        self.report_path = report_path
        self.max_bytes = max_bytes
        self.archive: Archive | None = None
        self.part = 0
        self.parts: list[dict] = []
        self.records: list[dict] = []
        self.pages_fetched = 0
        self.bytes_fetched = 0
        self._file = None
        self._writer: WarcFileWriter | None = None
        self._report: dict | None = None  #: built in close_spider, written at spider_closed

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        pipeline = cls(
            crawler,
            crawl_id=s.get("GOVPUB_CRAWL_ID", "manual"),
            crawl_date=s.get("GOVPUB_CRAWL_DATE", ""),
            report_path=s.get("GOVPUB_CRAWL_REPORT", ""),
            max_bytes=s.getint("GOVPUB_WARC_MAX_BYTES", 256 * 1024 * 1024),
        )
        # Why the crawl stopped is only known at spider_closed, which Scrapy sends after the
        # pipelines' close_spider: the report is written there, so a limit that closed the
        # crawl (closespider_*, a shutdown) is named in it instead of an empty finish_reason.
        crawler.signals.connect(pipeline.write_report, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.archive = Archive(Settings.from_env())
        # Fail at start, with the endpoint named, rather than after fetching a whole site.
        self.archive.ensure_bucket()
        self._open_part()

    def process_item(self, item: Fetched) -> Fetched:
        assert self._writer is not None
        record_id, offset, length = self._writer.write(item)
        self.pages_fetched += 1
        self.bytes_fetched += len(item.body)
        self.records.append(
            {
                "url": item.url,
                "status": item.status,
                "kind": item.context.get("kind"),
                "article_url": item.context.get("article_url"),
                "key": self._current_key(),
                "offset": offset,
                "length": length,
                "record_id": record_id,
                **_validators(item),
                **({"links": item.context["links"], "next": item.context.get("next")} if "links" in item.context else {}),
                **({"next_request": item.context["next_request"]} if "next_request" in item.context else {}),
            }
        )
        if self._writer.tell() >= self.max_bytes:
            self._upload_part()
            self.part += 1
            self._open_part()
        return item

    @property
    def spider(self):
        return self.crawler.spider

    def close_spider(self) -> None:
        spider = self.spider
        if self._writer is not None and self._writer.records:
            self._upload_part()
        elif self._file is not None:
            self._file.close()
        report = {
            "site": spider.site.id,
            "crawl_id": self.crawl_id,
            "crawl_date": self.crawl_date,
            "pages_fetched": self.pages_fetched,
            "bytes_fetched": self.bytes_fetched,
            "warc_parts": self.parts,
            "records": self.records,
            "failures": getattr(spider, "failures", []),
            "skipped": getattr(spider, "skipped", []),
            # Incremental crawling (govpub.crawl.state).
            "full_sweep": getattr(spider, "full_sweep", True),
            "column_complete": getattr(spider, "column_complete", False),
            "column_status": getattr(spider, "column_status", "incomplete"),
            "walk_stops": getattr(spider, "walk_stops", []),
            "listed": sorted(getattr(spider, "listed", ())),
            "stopped_paging": getattr(spider, "stopped_paging", []),
            "gone": getattr(spider, "gone", []),
        }
        self._report = report

    def write_report(self, spider, reason: str) -> None:
        if not self.report_path or self._report is None:
            return
        stats = self.crawler.stats
        report = {
            **self._report,
            "finish_reason": reason,
            "requests": stats.get_value("downloader/request_count", 0),
            "wire_bytes": stats.get_value("downloader/response_bytes", 0),
        }
        Path(self.report_path).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    # -- parts ----------------------------------------------------------------------------
    def _current_key(self) -> str:
        assert self.archive is not None
        return raw_key(self.archive.prefix, self.spider.site.id, self.crawl_date, self.crawl_id, self.part)

    def _open_part(self) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="govpub-", suffix=".warc.gz", delete=False)
        self._writer = WarcFileWriter(
            self._file,
            software="govpub column spider (Scrapy)",
            info={"govpub-site": self.spider.site.id, "govpub-crawl-id": self.crawl_id},
        )

    def _upload_part(self) -> None:
        assert self._file is not None and self.archive is not None and self._writer is not None
        self._file.flush()
        self._file.close()
        key = self._current_key()
        size = os.path.getsize(self._file.name)
        info = self.archive.put_file(key, Path(self._file.name), "application/warc")
        os.unlink(self._file.name)
        self.parts.append({"key": key, "size": size, "sha256": info["sha256"], "records": self._writer.records})
        self.spider.logger.info("archived %d responses (%d bytes) to %s", self._writer.records, size, key)
        self._writer = None
        self._file = None


def _validators(item: Fetched) -> dict:
    """ETag / Last-Modified of a response (what a later conditional request sends back)."""
    found = {}
    for name, value in item.response_headers:
        lowered = name.lower()
        if lowered == "etag":
            found["etag"] = value
        elif lowered == "last-modified":
            found["last_modified"] = value
    return found
