"""The site registry: which bureaus to crawl and how (sites/*.toml)."""

from govpub.registry.sites import (
    QUALITY_DEFAULTS,
    SITE_ID_RE,
    SITE_KINDS,
    QualityThresholds,
    Site,
    SiteConfigError,
    SiteLinks,
    UnknownSite,
    cron_of,
    expand_env,
    get_site,
    is_due,
    load_sites,
    quality_from,
)

__all__ = [
    "QUALITY_DEFAULTS", "SITE_ID_RE", "SITE_KINDS", "QualityThresholds", "Site", "SiteConfigError", "SiteLinks",
    "UnknownSite", "cron_of", "expand_env", "get_site", "is_due", "load_sites", "quality_from",
]
