"""The site registry: one TOML entry per site; a new bureau is a config entry, not new code.

Files: every `*.toml` in Settings.sites_dir (default `sites/`), each holding
`[[site]]` tables. Values may use `${VAR}` / `${VAR:-default}` so local test
servers and production hosts share one entry format.

This module reads the files and applies the rules of the file format (required
names, the id pattern, the `[site.links]` and `[site.quality]` tables); the typed
models in govpub.registry.models check the values. Every error is a SiteConfigError
naming the file, the site and the field.

A process loads the registry once: `load_sites` keeps what it parsed, keyed on the
directory, the files' contents and the environment variables the entries read, so an
edited file or a changed variable is loaded afresh.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from govpub.registry.models import (
    QUALITY_NAMES,
    QualityThresholds,
    Site,
    cron_of,
    describe_error,
)
from govpub.registry.presets import PRESET_NAMES, PRESETS, preset_links
from govpub.settings import registry_environ

SITE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: the keys of a [[site]] table that are Site fields; any other key goes to Site.extra
_SITE_KEYS = frozenset(Site.__pydantic_fields__) - {"source_file", "extra"}
#: sites directories remembered by load_sites (one per test tmp dir, one in production)
_CACHE_SIZE = 32


class SiteConfigError(ValueError):
    """The registry is malformed; the message names the file, the site and the field."""


class UnknownSite(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want a plain sentence
        return self.args[0]


def quality_from(table: object, where: str, environ: Mapping[str, str] | None = None) -> QualityThresholds:
    """Thresholds for one site: defaults, then GOVPUB_QUALITY_* from the environment, then `table`."""
    env = registry_environ() if environ is None else environ
    values: dict[str, object] = {}
    origin: dict[str, str] = {}
    for name in QUALITY_NAMES:
        raw = env.get(f"GOVPUB_QUALITY_{name.upper()}")
        if raw not in (None, ""):
            values[name], origin[name] = raw, f"environment GOVPUB_QUALITY_{name.upper()}"
    _thresholds(values, origin)  # a bad global threshold fails every site alike, whatever its table says
    if table is not None:
        if not isinstance(table, dict):
            raise SiteConfigError(f"{where}: [site.quality] must be a table")
        unknown = sorted(set(table) - set(QUALITY_NAMES))
        if unknown:
            raise SiteConfigError(f"{where}: unknown quality settings {unknown} (known: {sorted(QUALITY_NAMES)})")
        for name, value in table.items():
            values[name], origin[name] = value, f"{where}: quality.{name}"
    return _thresholds(values, origin)


def _thresholds(values: dict[str, object], origin: dict[str, str]) -> QualityThresholds:
    try:
        return QualityThresholds(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise SiteConfigError(describe_error(error, origin[str(error["loc"][0])])) from None


def is_due(site: Site, start: datetime, end: datetime) -> bool:
    """Whether the site's schedule fires within [start, end) — the data interval of a scheduled run.

    The crawl DAG runs daily; a site on "@weekly" or "0 6 * * 1" is crawled only by the runs
    whose interval contains one of its fire times.
    """
    from croniter import croniter

    first = croniter(cron_of(site.schedule), start - timedelta(seconds=1)).get_next(datetime)
    return first < end


def expand_env(value: str, environ: Mapping[str, str] | None = None) -> str:
    env = registry_environ() if environ is None else environ

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env.get(name)
        if default is not None:
            return default
        raise SiteConfigError(f"environment variable {name} is not set and has no default")

    return _ENV_REF.sub(substitute, value)


class _ReadRecorder(Mapping):
    """The environment, noting every variable the registry entries read (the cache's key)."""

    def __init__(self, env: Mapping[str, str]):
        self._env, self.read = env, {}

    def get(self, name, default=None):
        self.read[name] = self._env.get(name)
        return default if self.read[name] is None else self.read[name]

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self):
        return iter(self._env)

    def __len__(self):
        return len(self._env)


# directory -> (file contents digest, variables read with their values, sites)
_loaded: dict[Path, tuple[str, dict[str, str | None], dict[str, Site]]] = {}


def load_sites(sites_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, Site]:
    """All sites of the registry, by id. Raises SiteConfigError on any malformed entry.

    Parsed once per process: a later call with the same files (by content) and the same
    values of the variables the entries use returns the sites parsed before.
    """
    if not sites_dir.is_dir():
        raise SiteConfigError(f"site registry directory not found: {sites_dir}")
    files = sorted(sites_dir.glob("*.toml"))
    if not files:
        raise SiteConfigError(f"no *.toml site files in {sites_dir}")
    # keyed by content, not mtime: a same-size edit within the clock's tick would look unchanged
    texts = {path: path.read_bytes() for path in files}
    digest = hashlib.sha256(b"\0".join(p.name.encode() + b"\0" + t for p, t in texts.items())).hexdigest()
    env = registry_environ() if environ is None else environ
    key = sites_dir.resolve()
    cached = _loaded.get(key)
    if cached and cached[0] == digest and all(env.get(n) == v for n, v in cached[1].items()):
        return dict(cached[2])
    recorder = _ReadRecorder(env)
    sites = _parse(texts, recorder)
    _loaded.pop(key, None)
    _loaded[key] = (digest, recorder.read, sites)
    while len(_loaded) > _CACHE_SIZE:
        _loaded.pop(next(iter(_loaded)))
    return dict(sites)


def _parse(texts: dict[Path, bytes], environ: Mapping[str, str]) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    for path, raw in texts.items():
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
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


def _links_with_preset(entry: dict, where: str) -> dict:
    """The entry's [site.links] over its CMS preset's (an entry's own value wins, key by key)."""
    links = entry.get("links")
    cms = entry.get("cms")
    if links is not None and not isinstance(links, dict):
        raise SiteConfigError(f"{where}: [site.links] must be a table")
    if cms is None:
        if links is None:
            raise SiteConfigError(f"{where}: missing [site.links] table (or a cms preset: {', '.join(PRESET_NAMES)})")
        return links
    if cms not in PRESETS:
        raise SiteConfigError(f"{where}: unknown cms {cms!r} (known presets: {', '.join(PRESET_NAMES)})")
    return {**preset_links(cms), **(links or {})}


def _site_from_entry(entry: dict, where: str, environ: Mapping[str, str] | None) -> Site:
    """One [[site]] table as a Site: the file format's rules here, the values' rules in the models."""

    def need(key: str, kind: type = str):
        if key not in entry:
            raise SiteConfigError(f"{where}: missing required field {key!r}")
        value = entry[key]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            raise SiteConfigError(f"{where}: field {key!r} must be a non-empty {kind.__name__}")
        return value

    site_id = need("id")
    where = f"{where} ({site_id})"
    if not SITE_ID_RE.match(site_id):  # the id becomes an S3 key segment and an Airflow map index label
        raise SiteConfigError(f"{where}: id must match {SITE_ID_RE.pattern}")
    start_urls = tuple(expand_env(u, environ) for u in need("start_urls", list))
    need("allowed_domains", list)
    entry = {**entry, "links": _links_with_preset(entry, where)}
    for key in ("name", "agency"):
        need(key)
    fields = {key: value for key, value in entry.items() if key in _SITE_KEYS - {"start_urls", "quality"}}
    try:
        site = Site(
            **{"region": None, "kind": "official", **fields},
            start_urls=start_urls,
            source_file=where.split(" site #")[0],
            extra={k: v for k, v in entry.items() if k not in _SITE_KEYS},
        )
    except ValidationError as exc:
        raise SiteConfigError(describe_error(exc.errors()[0], where)) from None
    # the thresholds last, so an entry's own errors are reported before a bad global threshold
    return dataclasses.replace(site, quality=quality_from(entry.get("quality"), where, environ))
