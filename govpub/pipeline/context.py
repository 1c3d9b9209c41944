"""One run context per task (or per `govpub crawl`): the clients every step shares.

A site run used to build an S3 client in every step and helper (about six per run) and an
Elasticsearch client in three; now the task builds one `RunContext` and hands it to each step.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable

from elasticsearch import Elasticsearch

from govpub import index
from govpub.archive import Archive, run_key
from govpub.settings import Settings


class RunContext:
    """Settings, one S3 `Archive` (one boto3 client), one Elasticsearch client built on first use,
    and where progress lines go."""

    def __init__(self, settings: Settings, echo: Callable[[str], None] = print, archive: Archive | None = None):
        self.settings = settings
        self.echo = echo
        self.archive = archive or Archive(settings)
        self._step_records: dict[tuple[str, str, str], dict] = {}

    @cached_property
    def es(self) -> Elasticsearch:
        return index.client(self.settings)

    def reachable_es(self) -> Elasticsearch:
        """The client, after checking the cluster answers (IndexUnavailable names the URL if not)."""
        index.check_reachable(self.es, self.settings)
        return self.es

    def put_step_record(self, run_id: str, site: str, step: str, record: dict) -> str:
        """Write `runs/{run_id}/{site}/{step}.json` and keep it: the run manifest lists it unread."""
        key = run_key(self.archive.prefix, run_id, site, f"{step}.json")
        self.archive.put_json(key, record)
        self._step_records[(run_id, site, step)] = record
        return key

    def remember_step_record(self, run_id: str, site: str, step: str, record: dict) -> None:
        """A step record read from S3, kept like one written here."""
        self._step_records[(run_id, site, step)] = record

    def step_records(self, run_id: str, site: str) -> dict[str, dict]:
        """Step name → record of the step records of (run, site) written or read through this context."""
        return {step: r for (run, s, step), r in self._step_records.items() if (run, s) == (run_id, site)}

    def written_since(self, mark: int) -> list[dict]:
        """The objects this context's archive PUT since `len(archive.written)` was `mark` (one step's)."""
        return list(self.archive.written[mark:])


def record_key(context: RunContext, run_id: str, site: str, step: str) -> str:
    """Where a step records what it did: `runs/{run_id}/{site}/{step}.json`."""
    return run_key(context.archive.prefix, run_id, site, f"{step}.json")
