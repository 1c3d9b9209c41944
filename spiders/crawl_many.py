"""Several sites' crawls in one Scrapy process: `python -m spiders.crawl_many JOBS.json`.

One interpreter and Twisted reactor start-up for all of them instead of one per site (~1–1.5 s
and ~110 MB each). Each site is its own Crawler, with its own settings (the site's delay and
concurrency, its crawl report path: the same `-s` options `scrapy crawl` gets, from
govpub.crawl.runner), its own engine and download slots and its own WARC pipeline — so each
site is crawled exactly as it would be alone. JOBS.json: a list of {"args": {"site", "state"},
"settings": {...}}. Used by govpub.pipeline.crawl_step.crawl_sites.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def main(argv: list[str]) -> int:
    jobs = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    base = get_project_settings()
    process = CrawlerProcess(base)
    spider = process.spider_loader.load("column")
    for n, job in enumerate(jobs):
        # The site's settings as the spider's own (`custom_settings`: above the project's, as `-s` is)
        # on a subclass per site: each crawler is built from its class with its own settings.
        per_site = type(f"{spider.__name__}_{n}", (spider,),
                        {"custom_settings": {**(spider.custom_settings or {}), **job["settings"]}})
        process.crawl(per_site, **job["args"])
    process.start()
    # Every site's outcome is in its report; a site without one failed (the parent names it).
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
