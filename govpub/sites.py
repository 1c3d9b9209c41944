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
        "encoding", "schedule", "spider", "download_delay", "concurrency",
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
        extra={k: v for k, v in entry.items() if k not in known},
    )


def _valid_schedule(schedule: object) -> bool:
    from croniter import croniter

    return isinstance(schedule, str) and croniter.is_valid(cron_of(schedule))


def _host_allowed(host: str, domains: tuple[str, ...]) -> bool:
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)
