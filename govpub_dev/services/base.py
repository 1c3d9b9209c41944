"""The one interface every local service implements, and what it reports.

A service is built for one `Settings` and answers five questions: is it installed
(`install` fetches what is missing), does something answer where the settings point
(`probe`), can it be started (`start`), how is it doing (`status`) and how it is stopped
(`stop`). `up` combines them: reuse what answers and is healthy, start what is missing,
refuse what is foreign.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, NamedTuple

from govpub.settings import Settings

BOOTSTRAP_HINT = "run `bash infra/bootstrap.sh` (installs JDK, Maven and the venv)"
MANAGE_SERVICES_OFF = "starting services is disabled (start=False or GOVPUB_MANAGE_SERVICES=0)"


class ServiceError(RuntimeError):
    """A local service could not be installed, started, reached or stopped (one-line message)."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool  #: answering and healthy
    pid: int | None
    url: str | None
    version: str | None = None
    detail: str | None = None  #: one line for humans: version, who started it, where the data is
    managed: bool = False  #: started by govpub (`down` stops it)


class Probe(NamedTuple):
    """What answers at a service's URL. `state` is one of:

    closed    nothing listens (connection refused)
    starting  the server answers but is not healthy yet (Elasticsearch only)
    ready     the right server, healthy
    auth      the right server, but it rejects our credentials
    foreign   something else holds the port
    """

    state: str
    detail: str


class Service(ABC):
    """One local server govpub can install, start, check and stop."""

    name: ClassVar[str]  #: as in `python -m govpub_dev services up NAME` and the run/<name>.json state file

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    def probe(self) -> Probe:
        """What answers where the settings point; never raises."""

    @abstractmethod
    def install(self) -> Path:
        """Fetch or create what is missing (idempotent); returns where it is installed."""

    @abstractmethod
    def start(self) -> None:
        """Start the server (installing first) and wait until it is healthy."""

    @abstractmethod
    def up(self, may_start: bool) -> None:
        """Reuse a healthy server, wait for one of ours that is starting, start one if allowed, else raise."""

    @abstractmethod
    def status(self) -> ServiceStatus:
        """How it is doing; never raises for a server that is down."""

    @abstractmethod
    def stop(self) -> None:
        """Stop what `up` started; servers govpub did not start are left alone."""

    @abstractmethod
    def data_dir(self) -> Path:
        """What `reset` deletes (the data, not the binaries)."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def service_timeout(settings: Settings, default: float) -> float:
    """Seconds to wait for a start: GOVPUB_SERVICE_TIMEOUT, else the service's default."""
    return settings.service_timeout or default
