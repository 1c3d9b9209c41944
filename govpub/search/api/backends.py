"""What the routes read from, built once per app: the settings, the Elasticsearch client and the
S3 archive (a boto3 client). Routes get them through the `Backends` dependency.

The archive is built on first use: most requests only search, and building a boto3 client
costs more than a search. Neither client connects when built, so an unreachable server is
still a 503 of the request that needs it, never a failed start.
"""

from __future__ import annotations

import threading
from typing import Annotated, Iterable
from urllib.parse import urlsplit

from elasticsearch import Elasticsearch
from fastapi import Depends, Request

from govpub import index
from govpub.archive import Archive
from govpub.archive.cdxj import CaptureIndex
from govpub.registry import host_allowed, load_sites
from govpub.settings import Settings


class ApiBackends:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.es: Elasticsearch = index.client(settings)
        self._archive: Archive | None = None
        self._captures: CaptureIndex | None = None
        self._lock = threading.Lock()  # sync routes run in a thread pool

    @property
    def alias(self) -> str:
        return self.settings.es_alias

    @property
    def archive(self) -> Archive:
        with self._lock:
            if self._archive is None:
                self._archive = Archive(self.settings)
            return self._archive

    @property
    def captures(self) -> CaptureIndex:
        """The archive's CDXJ indexes, read on first use and kept (captures by URL)."""
        archive = self.archive
        with self._lock:
            if self._captures is None:
                self._captures = CaptureIndex(archive)
            return self._captures

    def sites_for(self, urls: Iterable[str]) -> list[str]:
        """The registry's sites whose allowed_domains hold the host of one of `urls`: whose crawls
        may have fetched them (the registry is parsed once per process, read once per call)."""
        hosts = {urlsplit(url).hostname or "" for url in urls}
        return sorted(i for i, site in load_sites(self.settings.sites_dir).items()
                      if any(host_allowed(host, site.allowed_domains) for host in hosts))

    def s3_uri(self, key: str) -> str:
        return f"s3://{self.settings.s3_bucket}/{key}"


def _backends(request: Request) -> ApiBackends:
    return request.app.state.backends


#: route parameter type: `def route(backends: Backends)` receives the app's ApiBackends
Backends = Annotated[ApiBackends, Depends(_backends)]
