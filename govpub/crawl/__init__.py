"""The crawl: crawl state for incremental re-crawls, the URL guard, block detection, the runner.

The spider itself lives in the top-level `spiders` package (a Scrapy project); it imports this.
"""
