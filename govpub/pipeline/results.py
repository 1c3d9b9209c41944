"""What each step of a site run returns: small typed results, with `to_dict()` for XCom.

Airflow hands a task's return value to the next task as JSON, so every result has
`to_dict()` (the XCom: keys and counts, never documents) and `from_dict()` (the next task's
side). Fields marked `in_process` are not part of the XCom: they carry what a step already
holds (the crawl records, the parsed documents, the documents just archived) to the next
step of the same process, so `govpub crawl` reads nothing back that it has just written;
after `from_dict()` they are None and the step reads its input from S3 once.

`to_record()` is the step's record in `runs/{run_id}/{site}/{step}.json`: its bytes are the
archive contract (schemas/run-*.schema.json), so it is built exactly as before the types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from govpub.crawl.report import column_answered
from govpub.schema import Document

#: schema_version of the step records runs/{run_id}/{site}/{step}.json (schemas/*.schema.json)
STEP_SCHEMA_VERSION = 1

Result = TypeVar("Result", bound="StepResult")


def in_process(default: Any = None) -> Any:
    """A field kept in memory between steps of one process, never in the XCom."""
    return field(default=default, repr=False, compare=False, metadata={"in_process": True})


class StepResult:
    """to_dict / from_dict over a dataclass's XCom fields."""

    @classmethod
    def xcom_fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if not f.metadata.get("in_process")]  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.xcom_fields()}

    @classmethod
    def from_dict(cls: type[Result], data: dict[str, Any]) -> Result:
        """The result from its XCom (unknown keys are ignored: an older or newer task wrote them)."""
        return cls(**{name: data[name] for name in cls.xcom_fields() if name in data})


def _plain(value: Any) -> Any:
    return [dict(v) if isinstance(v, dict) else v for v in value] if isinstance(value, list) else value


@dataclass(kw_only=True)
class CrawlResult(StepResult):
    site: str
    run_id: str
    crawl_date: str
    pages_fetched: int
    bytes_fetched: int
    articles_found: int
    warc_keys: list[str]
    errors: list[dict]
    skipped: list
    finish_reason: str | None
    seconds: float
    full_sweep: bool
    column_complete: bool
    not_modified: int
    requests: int
    wire_bytes: int
    gone: list[dict]
    #: "complete" | "stopped_at_known" (incremental) | "incomplete" (a list page failed, a trap or bound hit)
    column_status: str = "incomplete"
    #: the traps and bounds that stopped a column walk ({"kind": "trap"|"budget", "url", "message"})
    walk_stops: list[dict] = field(default_factory=list)
    #: what crawl.json holds beyond the XCom: the spider's records, listed links, objects written
    records: list[dict] | None = in_process()
    listed: list[str] | None = in_process()
    stopped_paging: list | None = in_process()
    objects: list[dict] | None = in_process()
    #: the site's crawl state the crawl started from (the archive step updates it)
    state: dict | None = in_process()

    @property
    def succeeded(self) -> bool:
        """Some column page answered (govpub.crawl.report.column_answered); True when only the XCom is known."""
        return self.records is None or column_answered(self.records)

    @property
    def has_records(self) -> bool:
        return self.records is not None

    def to_record(self) -> dict[str, Any]:
        return {
            **self.to_dict(),
            "schema_version": STEP_SCHEMA_VERSION,
            "records": self.records or [],
            "listed": self.listed or [],
            "stopped_paging": self.stopped_paging or [],
            "objects": self.objects or [],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "CrawlResult":
        """The result from crawl.json (everything but the crawl state)."""
        extra = {k: record.get(k, []) for k in ("records", "listed", "stopped_paging", "objects")}
        defaults = {"skipped": [], "finish_reason": None, "full_sweep": True, "column_complete": False,
                    "not_modified": 0, "requests": 0, "wire_bytes": 0, "gone": [], "seconds": 0.0,
                    "column_status": "complete" if record.get("column_complete") else "incomplete", "walk_stops": []}
        return cls(**{**cls.from_dict({**defaults, **record}).__dict__, **extra})


@dataclass(kw_only=True)
class ParseResult(StepResult):
    site: str
    run_id: str
    parsed_key: str
    articles_found: int
    documents_parsed: int
    documents_not_modified: int
    errors: list[dict]
    seconds: float
    #: the documents of parsed.jsonl.gz, and the objects the step wrote
    documents: list[Document] | None = in_process()
    objects: list[dict] | None = in_process()

    def to_record(self) -> dict[str, Any]:
        return {**self.to_dict(), "schema_version": STEP_SCHEMA_VERSION, "objects": self.objects or []}


@dataclass(kw_only=True)
class ArchiveResult(StepResult):
    site: str
    run_id: str
    documents_new: int
    documents_changed: int
    documents_written: int
    documents_unchanged: int
    documents_not_modified: int
    documents_deleted: int
    documents_restored: int
    documents_failed: int
    seconds: float
    manifest_key: str
    #: latest.json keys of the documents to index (in archive.json, not in the XCom: it can be long)
    document_keys: list[str] | None = in_process()
    objects: list[dict] | None = in_process()
    #: the listing of the site's documents after the step, with the documents it stored or confirmed
    versions: Any = in_process()  # govpub.archive.versions.DocumentVersions

    RECORD_ONLY: ClassVar[tuple[str, ...]] = ("manifest_key",)

    def to_record(self) -> dict[str, Any]:
        stats = {k: v for k, v in self.to_dict().items() if k not in self.RECORD_ONLY}
        return {**stats, "document_keys": list(self.document_keys or []), "schema_version": STEP_SCHEMA_VERSION,
                "objects": self.objects or []}

    @classmethod
    def from_record(cls, record: dict[str, Any], manifest_key: str) -> "ArchiveResult":
        result = cls.from_dict({**record, "manifest_key": manifest_key})
        result.document_keys, result.objects = list(record["document_keys"]), list(record.get("objects", []))
        return result


@dataclass(kw_only=True)
class IndexResult(StepResult):
    site: str
    run_id: str
    documents_indexed: int
    errors: list[dict]
    seconds: float
    #: convergence figures (govpub.pipeline.converge): the site's documents in the archive and, after
    #: the step, in the index; how many the index lacked or held at an older version before it
    archive_documents: int | None = None
    index_documents: int | None = None
    documents_behind: int | None = None
    overlays_updated: int | None = None
    index_only: int | None = None

    def to_record(self) -> dict[str, Any]:
        return {**self.to_dict(), "schema_version": STEP_SCHEMA_VERSION}


@dataclass(kw_only=True)
class ClustersResult(StepResult):
    documents: int
    clusters: int
    clustered_documents: int
    changed: int
    index_updated: int
    written: bool


@dataclass(kw_only=True)
class SiteSummary(StepResult):
    """One site's run in a line of the summary table (`govpub crawl`, the DAG's `summarize`)."""

    site: str
    run_id: str
    pages_fetched: int
    bytes_fetched: int
    articles_found: int
    documents_parsed: int
    documents_written: int
    documents_unchanged: int
    documents_new: int
    documents_changed: int
    documents_not_modified: int
    documents_deleted: int
    documents_indexed: int
    errors: list[dict]
    #: the run's failed data-quality checks (`govpub crawl` only; the DAG's check task reports them)
    quality_issues: list[dict] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if data["quality_issues"] is None:
            del data["quality_issues"]
        return data
