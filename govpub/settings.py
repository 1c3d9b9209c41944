"""Runtime configuration, read from the environment at run time (never at import or DAG-parse time).

This is the one module that reads govpub's environment variables: each field of
`Settings` is one variable, `GOVPUB_<FIELD>` unless the field names others
(the S3 keys also answer to AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which win).
Every setting has a working local default so `make demo` needs no configuration;
an empty variable counts as unset, except GOVPUB_S3_ENDPOINT, where empty means
AWS' own endpoint. README.md's "Configuration" table lists them all
(tests/unit/test_settings.py keeps it complete).

Under Airflow, `govpub.airflow.tasks` may override settings from Airflow connections
(`with_overrides`); `to_env()` hands the result to child processes (scrapy, airflow,
govpub), where `Settings.from_env()` gives the same settings back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

ENV_PREFIX = "GOVPUB_"
DEFAULT_USER_AGENT = "govpub/0.1 (+https://github.com/govpub/govpub; archive of public government documents)"
_SECRETS = frozenset({"s3_secret_key", "es_password"})
#: Variables read by the site registry rather than a Settings field (see `registry_environ`).
REGISTRY_VARIABLES = ("GOVPUB_QUALITY_<NAME>",)


class SettingsError(ValueError):
    """A configuration variable has a value govpub cannot use; the message names the variable."""


class Settings(BaseSettings):
    """govpub's configuration. Frozen and keyword-only; build it with `Settings.from_env()`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,  # VAR= in a compose file or shell means "use the default"
        frozen=True,
        extra="forbid",
        validate_by_name=True,  # with_overrides passes field names, the environment aliases
        validate_default=True,
    )

    # Where local services keep binaries, data and logs; the local Airflow home.
    home: Path = REPO_ROOT / ".services"

    # -- S3-compatible archive
    #: S3 API endpoint; None (GOVPUB_S3_ENDPOINT set but empty) = AWS' own endpoint.
    s3_endpoint: str | None = "http://127.0.0.1:9000"
    #: the archive bucket
    s3_bucket: str = "govpub-archive"
    #: the bucket's region
    s3_region: str = "us-east-1"
    #: S3 access key (AWS_ACCESS_KEY_ID wins over GOVPUB_S3_ACCESS_KEY)
    s3_access_key: str = Field(
        "govpub", validation_alias=AliasChoices("AWS_ACCESS_KEY_ID", "GOVPUB_S3_ACCESS_KEY")
    )
    #: S3 secret key (AWS_SECRET_ACCESS_KEY wins over GOVPUB_S3_SECRET_KEY)
    s3_secret_key: str = Field(
        "govpub-secret", validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY", "GOVPUB_S3_SECRET_KEY")
    )
    #: key prefix inside the bucket, "" or ending in "/"
    s3_prefix: str = ""

    # -- Elasticsearch
    #: the Elasticsearch URL
    es_url: str = "http://127.0.0.1:9200"
    #: search alias; versioned indices are "<alias>-v<N>"
    es_alias: str = "govpub-documents"
    #: basic-auth user (None = no authentication)
    es_username: str | None = None
    #: basic-auth password
    es_password: str | None = None
    #: stats index alias; None = the documents alias with "-documents" → "-stats"
    es_stats_alias: str | None = None

    # -- Crawling (the scrapy child reads these through spiders/settings.py)
    #: the site registry directory (sites/*.toml)
    sites_dir: Path = REPO_ROOT / "sites"
    #: the crawler's User-Agent
    user_agent: str = DEFAULT_USER_AGENT
    #: seconds before a request times out (Scrapy's DOWNLOAD_TIMEOUT)
    http_timeout: float = Field(30.0, gt=0)
    #: cap, in seconds, on a server's Retry-After
    retry_after_max: float = Field(60.0, ge=0)
    #: request budget of one crawl, hit = a reported `budget` error; room for a 10,000-article
    #: column whose every article has a further page and an attachment (31,000 requests) 3 times over
    max_requests: int = Field(100000, ge=1)
    #: Scrapy's LOG_LEVEL in the crawl process
    scrapy_log_level: str = "INFO"

    # -- Alerts (govpub.ops.alerts; the Airflow connection govpub_alerts wins over the webhook)
    #: alert webhook URL (None = alerts are only logged)
    alert_webhook: str | None = None
    #: seconds per try of an alert
    alert_timeout: float = Field(5.0, gt=0)
    #: tries of an alert
    alert_attempts: int = Field(3, ge=1)

    # -- Local services and the sample site (govpub_dev; not used in production)
    #: where the sample site is served
    sample_site_url: str = "http://127.0.0.1:8765"
    #: false = never install or start local services, only probe them
    manage_services: bool = True
    #: seconds to wait for a local service to come up (None = the service's own default)
    service_timeout: float | None = Field(None, gt=0)
    #: heap of the local Elasticsearch
    es_heap: str = "512m"
    #: heap of the local S3Proxy
    s3_heap: str = "256m"
    #: port of the local Airflow API server
    airflow_port: int = Field(8080, ge=1, le=65535)
    #: port of the Redis broker of the opt-in CeleryExecutor stack (govpub_dev/services/celery_stack.py)
    redis_port: int = Field(6390, ge=1, le=65535)
    #: port of that stack's PostgreSQL (Airflow's metadata database)
    postgres_port: int = Field(5442, ge=1, le=65535)
    #: port of that stack's Airflow API server (UI, REST and execution API)
    celery_airflow_port: int = Field(8093, ge=1, le=65535)

    def __init__(self, **values: Any) -> None:
        # keyword-only, like the dataclass it replaces (BaseSettings' first positional is a source option)
        super().__init__(**values)

    @classmethod
    def from_env(cls) -> "Settings":
        """The settings the process environment gives; SettingsError names a bad variable."""
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_one_line(exc, env=True)) from None

    @classmethod
    def for_alerts(cls) -> tuple[str | None, float, int]:
        """(webhook, timeout, attempts), even when some other setting is invalid: a task that fails
        on a bad setting is exactly when its alert must still go out."""
        try:
            settings = cls.from_env()
            return settings.alert_webhook, settings.alert_timeout, settings.alert_attempts
        except SettingsError:
            fields = cls.model_fields
            webhook = os.environ.get("GOVPUB_ALERT_WEBHOOK", "").strip() or None
            return webhook, fields["alert_timeout"].default, fields["alert_attempts"].default

    def to_env(self) -> dict[str, str]:
        """Environment that makes a child process (scrapy, airflow, govpub) use these settings.

        Every field is written, None as "" (its default for the optional fields, AWS for the
        endpoint), so a child that also inherits the parent's environment still gets these values.
        """
        env = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            env[env_names(name)[0]] = "" if value is None else _env_text(value)
        return env

    def with_overrides(self, **changes: Any) -> "Settings":
        """A copy with some fields changed (validated and normalised like the environment's values)."""
        try:
            return type(self).model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise SettingsError(_one_line(exc, env=False)) from None

    @field_validator("s3_prefix")
    @classmethod
    def _normalise_prefix(cls, prefix: str) -> str:
        prefix = prefix.strip("/")
        return f"{prefix}/" if prefix else ""

    @field_validator("s3_endpoint", "es_username", "es_password", "es_stats_alias", "alert_webhook")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment only: no .env or secrets files, so what a process runs with is
        # what its environment (or an Airflow connection) says.
        return init_settings, _EmptyEndpointIsAws(settings_cls), env_settings


class _EmptyEndpointIsAws(PydanticBaseSettingsSource):
    """GOVPUB_S3_ENDPOINT="" means AWS' own endpoint, where any other empty variable means the default."""

    def get_field_value(self, field, field_name):  # required by the base class; unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {"s3_endpoint": None} if os.environ.get("GOVPUB_S3_ENDPOINT") == "" else {}


def env_names(field: str) -> tuple[str, ...]:
    """The environment variables a Settings field is read from, the winning one first."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    return (ENV_PREFIX + field.upper(),)


def registry_environ() -> Mapping[str, str]:
    """The environment the site registry reads: its `${VAR}` references and GOVPUB_QUALITY_<NAME>.

    Not Settings fields on purpose: a registry file may reference any variable (that is its
    templating), and the quality thresholds are validated against the registry's own model,
    whose errors name the variable.
    """
    return os.environ


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _one_line(exc: ValidationError, *, env: bool) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        if env and field in Settings.model_fields:
            name = next((n for n in env_names(field) if os.environ.get(n)), env_names(field)[0])
        else:
            name = field
        shown = "<redacted>" if field in _SECRETS else repr(error.get("input"))  # credentials are never printed
        problems.append(f"{name}={shown}: {error['msg']}")
    return "invalid configuration: " + "; ".join(problems)
