"""The site registry: one TOML entry per site; a new bureau is a config entry, not new code.

Files: every `*.toml` in Settings.sites_dir (default `sites/`), each holding
`[[site]]` tables. Values may use `${VAR}` / `${VAR:-default}` so local test
servers and production hosts share one entry format.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

SITE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
SITE_KINDS = ("official", "repost")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class SiteConfigError(ValueError):
    """The registry is malformed; the message names the file, the site and the field."""


class UnknownSite(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want a plain sentence
        return self.args[0]


@dataclass(frozen=True, kw_only=True)
class SiteLinks:
    article: str  #: CSS selector for article links on a column (list) page
    next_page: str | None = None  #: CSS selector for the column's next list page
    article_next: str | None = None  #: CSS selector for the next page of a multi-page article
    allow: tuple[str, ...] = ()  #: regexes on the URL path; a followed URL must match one
    max_list_pages: int = 50


@dataclass(frozen=True, kw_only=True)
class QualityThresholds:
    """Data-quality thresholds for a site (`[site.quality]`; docs/operations.md).

    Precedence: these defaults < GOVPUB_QUALITY_<NAME> environment variables (global)
    < the site's own `[site.quality]` table.
    """

    enabled: bool = True  #: false = record stats but never fail the site on quality
    min_documents: int = 1  #: fewer documents parsed in a run = "yields nothing"
    min_ratio: float = 0.5  #: a yield below min_ratio × the median of recent runs = "far below usual"
    history_runs: int = 10  #: how many previous completed runs the median is taken over
    min_history: int = 3  #: the ratio check applies only with at least this many previous runs
    max_parse_error_rate: float = 0.2  #: parse errors / articles found
    max_future_dated: int = 0  #: documents dated after the run date (+ future_grace_days)
    future_grace_days: int = 1  #: time-zone slack for "in the future"
    max_empty_bodies: int = 0  #: documents with an empty body


QUALITY_DEFAULTS = QualityThresholds()
_QUALITY_TYPES = {"enabled": bool, "min_documents": int, "min_ratio": float, "history_runs": int,
                  "min_history": int, "max_parse_error_rate": float, "max_future_dated": int,
                  "future_grace_days": int, "max_empty_bodies": int}


def quality_from(table: object, where: str, environ: dict[str, str] | None = None) -> QualityThresholds:
    """Thresholds for one site: defaults, then GOVPUB_QUALITY_* from the environment, then `table`."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, kind in _QUALITY_TYPES.items():
        raw = env.get(f"GOVPUB_QUALITY_{name.upper()}")
        if raw not in (None, ""):
            values[name] = _quality_value(name, kind, raw, f"environment GOVPUB_QUALITY_{name.upper()}")
    if table is not None:
        if not isinstance(table, dict):
            raise SiteConfigError(f"{where}: [site.quality] must be a table")
        unknown = sorted(set(table) - set(_QUALITY_TYPES))
        if unknown:
            raise SiteConfigError(f"{where}: unknown quality settings {unknown} (known: {sorted(_QUALITY_TYPES)})")
        for name, value in table.items():
            values[name] = _quality_value(name, _QUALITY_TYPES[name], value, f"{where}: quality.{name}")
    return QualityThresholds(**values)


def _quality_value(name: str, kind: type, value: object, where: str) -> object:
    try:
        if kind is bool:
            if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0", "no"):
                value = value.strip().lower() in ("true", "1", "yes")
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(value, bool):
            raise ValueError
        number = kind(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        raise SiteConfigError(f"{where} must be {'true/false' if kind is bool else 'a ' + kind.__name__}, not {value!r}") from None
    if number < 0 or (name in ("min_ratio", "max_parse_error_rate") and number > 1):
        bounds = "between 0 and 1" if name in ("min_ratio", "max_parse_error_rate") else ">= 0"
        raise SiteConfigError(f"{where} must be {bounds}, not {value!r}")
    if name == "history_runs" and number < 1:
        raise SiteConfigError(f"{where} must be >= 1, not {value!r}")
    return number


@dataclass(frozen=True, kw_only=True)
class Site:
    id: str
    name: str
    agency: str
    region: str | None
    kind: str  #: "official" (the issuing government's own site) or "repost" (content farm)
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    links: SiteLinks
    encoding: str | None = None  #: hint only; the parser still checks the bytes
    schedule: str = "@daily"
    spider: str = "column"
    download_delay: float = 0.5
    concurrency: int = 2  #: concurrent requests per domain
    source_file: str = ""
    quality: QualityThresholds = QUALITY_DEFAULTS
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "agency": self.agency,
            "region": self.region,
            "kind": self.kind,
            "allowed_domains": list(self.allowed_domains),
            "start_urls": list(self.start_urls),
            "schedule": self.schedule,
        }


_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def cron_of(schedule: str) -> str:
    return _PRESETS.get(schedule, schedule)


def is_due(site: Site, start: datetime, end: datetime) -> bool:
    """Whether the site's schedule fires within [start, end) — the data interval of a scheduled run.

    The crawl DAG runs daily; a site on "@weekly" or "0 6 * * 1" is crawled only by the runs
    whose interval contains one of its fire times.
    """
    from croniter import croniter

    first = croniter(cron_of(site.schedule), start - timedelta(seconds=1)).get_next(datetime)
    return first < end


def expand_env(value: str, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise SiteConfigError(f"environment variable {name} is not set and has no default")

    return _ENV_REF.sub(substitute, value)


def load_sites(sites_dir: Path, environ: dict[str, str] | None = None) -> dict[str, Site]:
    """All sites of the registry, by id. Raises SiteConfigError on any malformed entry."""
    if not sites_dir.is_dir():
        raise SiteConfigError(f"site registry directory not found: {sites_dir}")
    sites: dict[str, Site] = {}
    files = sorted(sites_dir.glob("*.toml"))
    if not files:
        raise SiteConfigError(f"no *.toml site files in {sites_dir}")
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SiteConfigError(f"{path}: invalid TOML: {exc}") from exc
        for position, entry in enumerate(data.get("site", []), start=1):
            site = _site_from_entry(entry, f"{path.name} site #{position}", environ)
            if site.id in sites:
                raise SiteConfigError(
                    f"{path.name}: duplicate site id {site.id!r} (also in {sites[site.id].source_file})"
                )
            sites[site.id] = site
    return sites


def get_site(sites_dir: Path, site_id: str) -> Site:
    sites = load_sites(sites_dir)
    try:
        return sites[site_id]
    except KeyError:
        known = ", ".join(sorted(sites)) or "none"
        raise UnknownSite(f"unknown site id {site_id!r} (known: {known})") from None


def _site_from_entry(entry: dict, where: str, environ: dict[str, str] | None) -> Site:
    def need(key: str, kind: type = str):
        if key not in entry:
            raise SiteConfigError(f"{where}: missing required field {key!r}")
        value = entry[key]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            raise SiteConfigError(f"{where}: field {key!r} must be a non-empty {kind.__name__}")
        return value

    site_id = need("id")
    where = f"{where} ({site_id})"
    if not SITE_ID_RE.match(site_id):
        raise SiteConfigError(f"{where}: id must match {SITE_ID_RE.pattern}")
    kind = entry.get("kind", "official")
    if kind not in SITE_KINDS:
        raise SiteConfigError(f"{where}: kind must be one of {SITE_KINDS}, not {kind!r}")

    start_urls = tuple(expand_env(u, environ) for u in need("start_urls", list))
    domains = tuple(d.lower() for d in need("allowed_domains", list))
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SiteConfigError(f"{where}: start URL {url!r} is not an http(s) URL")
        if not _host_allowed(parts.hostname, domains):
            raise SiteConfigError(f"{where}: start URL {url!r} is outside allowed_domains {list(domains)}")

    links_entry = entry.get("links")
    if not isinstance(links_entry, dict):
        raise SiteConfigError(f"{where}: missing [site.links] table")
    if not links_entry.get("article"):
        raise SiteConfigError(f"{where}: links.article (CSS selector for article links) is required")
    allow = tuple(links_entry.get("allow", ()))
    for pattern in allow:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SiteConfigError(f"{where}: links.allow pattern {pattern!r} is not a valid regex: {exc}") from exc
    links = SiteLinks(
        article=links_entry["article"],
        next_page=links_entry.get("next_page"),
        article_next=links_entry.get("article_next"),
        allow=allow,
        max_list_pages=int(links_entry.get("max_list_pages", 50)),
    )
    schedule = entry.get("schedule", "@daily")
    if not _valid_schedule(schedule):
        raise SiteConfigError(f"{where}: schedule {schedule!r} is neither a cron expression nor one of {sorted(_PRESETS)}")
    known = {
        "id", "name", "agency", "region", "kind", "allowed_domains", "start_urls", "links",
        "encoding", "schedule", "spider", "download_delay", "concurrency", "quality",
    }
    return Site(
        id=site_id,
        name=need("name"),
        agency=need("agency"),
        region=entry.get("region"),
        kind=kind,
        allowed_domains=domains,
        start_urls=start_urls,
        links=links,
        encoding=entry.get("encoding"),
        schedule=schedule,
        spider=entry.get("spider", "column"),
        download_delay=float(entry.get("download_delay", 0.5)),
        concurrency=int(entry.get("concurrency", 2)),
        source_file=where.split(" site #")[0],
        quality=quality_from(entry.get("quality"), where, environ),
        extra={k: v for k, v in entry.items() if k not in known},
    )


def _valid_schedule(schedule: object) -> bool:
    from croniter import croniter

    return isinstance(schedule, str) and croniter.is_valid(cron_of(schedule))


def _host_allowed(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)
