"""One run context per task (or per `govpub crawl`): the clients every step shares.

A site run used to build an S3 client in every step and helper (about six per run) and an
Elasticsearch client in three; now the task builds one `RunContext` and hands it to each step.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Callable

from govpub.archive import Archive
from govpub.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch


class RunContext:
    """Settings, one S3 `Archive` (one boto3 client), one Elasticsearch client built on first use,
    and where progress lines go."""

    def __init__(self, settings: Settings, echo: Callable[[str], None] = print, archive: Archive | None = None):
        self.settings = settings
        self.echo = echo
        self.archive = archive or Archive(settings)

    @cached_property
    def es(self) -> "Elasticsearch":
        from govpub import index

        return index.client(self.settings)

    def reachable_es(self) -> "Elasticsearch":
        """The client, after checking the cluster answers (IndexUnavailable names the URL if not)."""
        from govpub import index

        index.check_reachable(self.es, self.settings)
        return self.es

    def written_since(self, mark: int) -> list[dict]:
        """The objects this context's archive PUT since `len(archive.written)` was `mark` (one step's)."""
        return list(self.archive.written[mark:])
