"""The site registry's typed models: a site, its link rules and its data-quality thresholds.

They are pydantic dataclasses: frozen, keyword-only, usable with `dataclasses.replace`,
and validated whenever one is built — from a registry file (govpub.registry.sites) or in
code (`govpub parse` builds an ad-hoc Site). The rules here hold for every site; the rules
of the file format (required names, the id pattern, tables) are in govpub.registry.sites.
Validators raise the registry's own wording; `describe_error` turns any pydantic error into
one line in that wording.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Annotated, Iterable, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ErrorDetails

#: "official": the issuing government's own site; "repost": a content farm copying it
SiteKind = Literal["official", "repost"]
SITE_KINDS = get_args(SiteKind)
SCHEDULE_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def host_allowed(host: str, allowed_domains: Iterable[str]) -> bool:
    """Whether `host` is one of the domains or a subdomain of one (case and a trailing dot ignored)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (d.lower().rstrip(".") for d in allowed_domains))


def cron_of(schedule: str) -> str:
    return SCHEDULE_PRESETS.get(schedule, schedule)


#: How a column lists its articles and pages (govpub.crawl.listing; docs/presets.md):
#: "next_link": article selector + next-page selector on HTML list pages (UCAP, DedeCMS, …);
#: "trs_pager": TRS createPageHTML(count, current, "index", "html") → index_N.html (else next link);
#: "page_param": ?page=N pages, their count from `total_pages` (else a link to page N+1);
#: "hanweb_jpage": Hanweb datastore/CDATA records, further groups POSTed from jpage/dataproxy.jsp;
#: "json_api": a JSON list API: items at `json_items`, each with `json_url` (and `json_title`).
ListMechanism = Literal["next_link", "trs_pager", "page_param", "hanweb_jpage", "json_api"]
LIST_MECHANISMS = get_args(ListMechanism)


@dataclass(frozen=True, kw_only=True)
class SiteLinks:
    article: str | None = None  #: CSS selector for article links on a column (list) page
    next_page: str | None = None  #: CSS selector for the column's next list page
    article_next: str | None = None  #: CSS selector for the next page of a multi-page article
    allow: tuple[str, ...] = ()  #: regexes on the URL path; a followed URL must match one
    #: an explicit bound on list pages per column, hit = a reported `budget` error; None (the
    #: default): no count bound, walks stop by behaviour (govpub.crawl.paging)
    max_list_pages: Annotated[int, Field(ge=1)] | None = None
    mechanism: ListMechanism = "next_link"  #: how list pages list articles and link further pages
    page_param: str = "page"  #: the query parameter of ?page=N pagers (page_param, json_api)
    #: page_param, next_link: regex whose group 1 is the column's page count (next_link: reported only)
    total_pages: str | None = None
    json_items: str | None = None  #: json_api: dotted path to the list of items ("data.list")
    json_url: str = "url"  #: json_api: the item field holding the article URL (may be relative)
    json_title: str = "title"  #: json_api: the item field holding the title (probe shows it)
    json_total: str | None = None  #: json_api: dotted path to the column's item count
    json_total_pages: str | None = None  #: json_api: dotted path to the column's page count

    @model_validator(mode="after")
    def _article_given(self) -> "SiteLinks":
        if self.mechanism == "json_api":
            if not self.json_items:
                raise ValueError("links.json_items (dotted path to the list of items) is required for json_api")
        elif self.mechanism != "hanweb_jpage" and not self.article:
            raise ValueError(_ARTICLE_REQUIRED)
        return self

    @field_validator("allow")
    @classmethod
    def _patterns_compile(cls, allow: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in allow:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"links.allow pattern {pattern!r} is not a valid regex: {exc}") from None
        return allow

    @field_validator("total_pages")
    @classmethod
    def _total_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                if re.compile(pattern).groups < 1:
                    raise ValueError(f"links.total_pages {pattern!r} needs a group (the page count)")
            except re.error as exc:
                raise ValueError(f"links.total_pages {pattern!r} is not a valid regex: {exc}") from None
        return pattern


_ARTICLE_REQUIRED = "links.article (CSS selector for article links) is required"


def _flag(value: object) -> object:
    """TOML booleans, or the words an environment variable can carry."""
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    if not isinstance(value, bool):
        raise ValueError("not a flag")
    return value


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):  # `min_documents = true` is a typo, not 1
        raise ValueError("a bool is not a number")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
Count = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=0)]
Ratio = Annotated[float, BeforeValidator(_not_a_bool), Field(ge=0, le=1)]


@dataclass(frozen=True, kw_only=True)
class QualityThresholds:
    """Data-quality thresholds for a site (`[site.quality]`; docs/operations.md).

    Precedence: these defaults < GOVPUB_QUALITY_<NAME> environment variables (global)
    < the site's own `[site.quality]` table.
    """

    enabled: Flag = True  #: false = record stats but never fail the site on quality
    min_documents: Count = 1  #: fewer documents parsed in a run = "yields nothing"
    min_ratio: Ratio = 0.5  #: a yield below min_ratio × the median of recent runs = "far below usual"
    history_runs: Annotated[Count, Field(ge=1)] = 10  #: how many previous completed runs the median is taken over
    min_history: Count = 3  #: the ratio check applies only with at least this many previous runs
    max_parse_error_rate: Ratio = 0.2  #: parse errors / articles found
    max_future_dated: Count = 0  #: documents dated after the run date (+ future_grace_days)
    future_grace_days: Count = 1  #: time-zone slack for "in the future"
    max_empty_bodies: Count = 0  #: documents with an empty body
    max_index_behind: Count = 0  #: archived documents the index may lack after a run …
    index_behind_runs: Annotated[Count, Field(ge=1)] = 2  #: … before that many runs in a row fail the check


QUALITY_DEFAULTS = QualityThresholds()
QUALITY_NAMES = tuple(QualityThresholds.__pydantic_fields__)


@dataclass(frozen=True, kw_only=True)
class Site:
    id: str
    name: str
    agency: str
    region: str | None
    kind: SiteKind
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    links: SiteLinks
    cms: str | None = None  #: the CMS preset the links came from (govpub.registry.presets)
    encoding: str | None = None  #: hint only; the parser still checks the bytes
    schedule: str = "@daily"
    spider: str = "column"
    download_delay: float = 0.5
    concurrency: int = 2  #: concurrent requests per domain
    source_file: str = ""
    quality: QualityThresholds = QUALITY_DEFAULTS
    #: free-form labels for the people reading the registry (e.g. "large": a scale-test column);
    #: nothing in govpub acts on them (the demo's own site list is govpub_dev.demo.DEMO_SITES)
    tags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @field_validator("allowed_domains")
    @classmethod
    def _lower_case(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.lower() for d in domains)

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, schedule: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(cron_of(schedule)):
            raise ValueError(
                f"schedule {schedule!r} is neither a cron expression nor one of {sorted(SCHEDULE_PRESETS)}"
            )
        return schedule

    @model_validator(mode="after")
    def _start_urls_on_own_domains(self) -> "Site":
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start URL {url!r} is not an http(s) URL")
            if not host_allowed(parts.hostname, self.allowed_domains):
                raise ValueError(f"start URL {url!r} is outside allowed_domains {list(self.allowed_domains)}")
        return self

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
            "cms": self.cms,
        }


def describe_error(error: ErrorDetails, where: str) -> str:
    """One pydantic error as the registry words it: "<where>: <what is wrong>".

    `where` names the file and site ("s.toml site #1 (demo-jyj)"), or for a quality
    threshold the value itself ("environment GOVPUB_QUALITY_MIN_RATIO").
    """
    loc = [str(part) for part in error["loc"]]
    value = error.get("input")
    if loc and loc[0] in QUALITY_NAMES:
        return f"{where} must be {_quality_bounds(loc[0], error)}, not {value!r}"
    if error["type"] == "value_error":  # our validators' own sentences
        return f"{where}: {error['ctx']['error']}"
    if loc[:1] == ["links"] and loc[1:] == ["article"]:
        return f"{where}: {_ARTICLE_REQUIRED}"
    if error["type"] == "missing":
        return f"{where}: missing required field {loc[0]!r}"
    if error["type"] == "literal_error":
        return f"{where}: {loc[0]} must be one of {SITE_KINDS}, not {value!r}"
    return f"{where}: field {'.'.join(loc)!r}: {error['msg']}"


def _quality_bounds(name: str, error: ErrorDetails) -> str:
    kind = QualityThresholds.__pydantic_fields__[name].annotation
    if error["type"] in ("greater_than_equal", "less_than_equal"):
        return "between 0 and 1" if kind is float else f">= {error['ctx']['ge']}"
    return "true/false" if kind is bool else f"a {kind.__name__}"


__all__ = [
    "LIST_MECHANISMS", "QUALITY_DEFAULTS", "QUALITY_NAMES", "SCHEDULE_PRESETS", "SITE_KINDS", "QualityThresholds", "Site",
    "SiteLinks", "cron_of", "describe_error", "host_allowed",
]
