"""Runtime configuration, read from the environment at run time (never at import or DAG-parse time).

Every setting has a working local default so `make demo` needs no configuration;
README.md lists the variables. Under Airflow, `govpub.airflow.tasks` may
override them from Airflow connections before calling `Settings.from_env()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True, kw_only=True)
class Settings:
    # Where local services keep binaries, data and logs.
    home: Path
    # S3-compatible archive.
    s3_endpoint: str | None  #: None = AWS' own endpoint
    s3_bucket: str
    s3_region: str
    s3_access_key: str | None
    s3_secret_key: str | None
    s3_prefix: str  #: prefix inside the bucket, "" or ending in "/"
    # Elasticsearch.
    es_url: str
    es_alias: str  #: search alias; versioned indices are "<alias>-v<N>"
    es_username: str | None
    es_password: str | None
    # Crawling.
    sites_dir: Path
    user_agent: str
    http_timeout: float
    # Sample site served locally by the demo and tests.
    sample_site_url: str

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(_env("GOVPUB_HOME", str(REPO_ROOT / ".services")))
        return cls(
            home=home,
            s3_endpoint=_env("GOVPUB_S3_ENDPOINT", "http://127.0.0.1:9000") or None,
            s3_bucket=_env("GOVPUB_S3_BUCKET", "govpub-archive"),
            s3_region=_env("GOVPUB_S3_REGION", "us-east-1"),
            s3_access_key=os.environ.get("AWS_ACCESS_KEY_ID") or _env("GOVPUB_S3_ACCESS_KEY", "govpub"),
            s3_secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or _env("GOVPUB_S3_SECRET_KEY", "govpub-secret"),
            s3_prefix=_normalise_prefix(_env("GOVPUB_S3_PREFIX", "")),
            es_url=_env("GOVPUB_ES_URL", "http://127.0.0.1:9200"),
            es_alias=_env("GOVPUB_ES_ALIAS", "govpub-documents"),
            es_username=os.environ.get("GOVPUB_ES_USERNAME") or None,
            es_password=os.environ.get("GOVPUB_ES_PASSWORD") or None,
            sites_dir=Path(_env("GOVPUB_SITES_DIR", str(REPO_ROOT / "sites"))),
            user_agent=_env(
                "GOVPUB_USER_AGENT",
                "govpub/0.1 (+https://github.com/govpub/govpub; archive of public government documents)",
            ),
            http_timeout=float(_env("GOVPUB_HTTP_TIMEOUT", "30")),
            sample_site_url=_env("GOVPUB_SAMPLE_SITE_URL", "http://127.0.0.1:8765"),
        )

    def to_env(self) -> dict[str, str]:
        """Environment that makes a child process (scrapy, airflow, govpub) use these settings."""
        env = {
            "GOVPUB_HOME": str(self.home),
            "GOVPUB_S3_BUCKET": self.s3_bucket,
            "GOVPUB_S3_REGION": self.s3_region,
            "GOVPUB_S3_PREFIX": self.s3_prefix,
            "GOVPUB_ES_URL": self.es_url,
            "GOVPUB_ES_ALIAS": self.es_alias,
            "GOVPUB_SITES_DIR": str(self.sites_dir),
            "GOVPUB_USER_AGENT": self.user_agent,
            "GOVPUB_HTTP_TIMEOUT": str(self.http_timeout),
            "GOVPUB_SAMPLE_SITE_URL": self.sample_site_url,
        }
        if self.s3_endpoint:
            env["GOVPUB_S3_ENDPOINT"] = self.s3_endpoint
        if self.s3_access_key:
            env["AWS_ACCESS_KEY_ID"] = self.s3_access_key
        if self.s3_secret_key:
            env["AWS_SECRET_ACCESS_KEY"] = self.s3_secret_key
        if self.es_username:
            env["GOVPUB_ES_USERNAME"] = self.es_username
        if self.es_password:
            env["GOVPUB_ES_PASSWORD"] = self.es_password
        return env

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


def _normalise_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""
