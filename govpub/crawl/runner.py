"""Runs the Scrapy spider as a child process and streams its log lines.

Scrapy runs in its own process because Twisted's reactor cannot be restarted in a process
(scrapy/scrapy#5167) and an Airflow worker runs many tasks in one process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

from govpub.registry import Site
from govpub.settings import REPO_ROOT


class CrawlFailed(RuntimeError):
    """The crawl subprocess failed; the message carries its last log lines."""


def crawl_options(site: Site, run_id: str, crawl_date: str, report_path: Path) -> dict:
    """The Scrapy settings one site's crawl runs with (from its registry entry)."""
    return {
        "GOVPUB_CRAWL_ID": run_id,
        "GOVPUB_CRAWL_DATE": crawl_date,
        "GOVPUB_CRAWL_REPORT": str(report_path),
        "DOWNLOAD_DELAY": site.download_delay,
        "AUTOTHROTTLE_START_DELAY": site.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
        # AutoThrottle aims at this many requests in flight; its default (1) would serialise a
        # site whose registry entry allows `concurrency` at once.
        "AUTOTHROTTLE_TARGET_CONCURRENCY": site.concurrency,
        # No DEPTH_LIMIT here: Scrapy's is off (spiders/settings.py) because it drops silently;
        # TrapGuardMiddleware bounds depth below the column and reports it.
    }


def scrapy_command(
    site: Site, run_id: str, crawl_date: str, report_path: Path, state_path: Path | None = None
) -> list[str]:
    options = crawl_options(site, run_id, crawl_date, report_path)
    command = [sys.executable, "-m", "scrapy", "crawl", site.spider, "-a", f"site={site.id}"]
    if state_path is not None:
        command += ["-a", f"state={state_path}"]
    for name, value in options.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_many_command(jobs_path: Path) -> list[str]:
    """Several sites' crawls in one Scrapy process (spiders/crawl_many.py reads the jobs file)."""
    return [sys.executable, "-m", "spiders.crawl_many", str(jobs_path)]


def run_streaming(command: list[str], env: dict, echo: Callable[[str], None], prefix: str) -> list[str]:
    """Run a command, echoing its output live (visible in Airflow task logs); raise on failure."""
    tail: list[str] = []
    process = subprocess.Popen(
        command, env=env, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-40:]
        if _worth_echoing(line):
            echo(prefix + line)
    code = process.wait()
    if code != 0:
        raise CrawlFailed(f"scrapy exited with code {code}; last output:\n" + "\n".join(tail[-15:]))
    return tail


_ECHOED = (" WARNING: ", " ERROR: ", " CRITICAL: ", "Traceback", "[column]", "[scrapy.core.engine]",
           "[scrapy.extensions.logstats]")


def _worth_echoing(line: str) -> bool:
    # Scrapy's start-up banner and per-request DEBUG lines are noise in task logs;
    # keep progress, our spider's own lines and problems.
    return any(marker in line for marker in _ECHOED)
