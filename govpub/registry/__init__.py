"""The site registry: which bureaus to crawl and how (sites/*.toml)."""

from govpub.registry.models import (
    QUALITY_DEFAULTS,
    SITE_KINDS,
    QualityThresholds,
    Site,
    SiteLinks,
    cron_of,
    host_allowed,
)
from govpub.registry.sites import (
    SITE_ID_RE,
    SiteConfigError,
    UnknownSite,
    expand_env,
    get_site,
    is_due,
    load_sites,
    quality_from,
)

__all__ = [
    "QUALITY_DEFAULTS", "SITE_ID_RE", "SITE_KINDS", "QualityThresholds", "Site", "SiteConfigError", "SiteLinks",
    "UnknownSite", "cron_of", "expand_env", "get_site", "host_allowed", "is_due", "load_sites", "quality_from",
]
