"""Crawl hardening: where the spider may go, how it retries, what it refuses, how failures are named.

Downloader middlewares (see settings.DOWNLOADER_MIDDLEWARES for their places):

- `UrlGuardMiddleware` (45, first on the way out): every request — links, redirects,
  retries — must be http(s), inside the site's `allowed_domains`, and must not point at
  link-local / cloud-metadata (or, unless the site lives there, loopback/private)
  addresses (govpub.crawl.urlsafety). Pages other than attachments get a smaller size cap.
- `RedirectGuardMiddleware` (610, before Scrapy's RedirectMiddleware): a redirect back
  to a URL already in its own chain is a loop; a redirect to a non-http scheme is refused.
- `BlockDetectMiddleware` (585, after decompression, before retry): firewall/anti-bot
  answers (govpub.crawl.blocking) become `blocked:<vendor>` failures and never reach the spider,
  so a challenge page is never archived or parsed as a document, and is not retried.
- `PoliteRetryMiddleware` (550, replaces Scrapy's RetryMiddleware): the same bounded
  retries (RETRY_TIMES), waiting for the server's `Retry-After` (capped at
  GOVPUB_RETRY_AFTER_MAX) or an exponential backoff between attempts.

Spider middleware:

- `TrapGuardMiddleware`: bounds what is not a column walk — article pages beyond
  GOVPUB_MAX_ARTICLE_PAGES, chains deeper than GOVPUB_DEPTH_LIMIT below the column — as
  `trap` failures, and the whole crawl at GOVPUB_MAX_REQUESTS as a `budget` failure. Column
  walks are judged by behaviour, not by a count (govpub.crawl.paging, in the spider).

`failure_kind(failure)` names every way a fetch can fail; the spider's errback records
it, so a run reports `timeout`, `reset`, `truncated`, `too_large`, `redirect_loop`,
`offsite`, `unsafe_url`, `blocked:…`, `trap`, `budget`, `http:503` … per URL.
"""

from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import error as twisted_error
from twisted.web._newclient import ResponseFailed

from govpub.crawl.blocking import detect_block
from govpub.crawl.urlsafety import check_url, site_is_private

log = logging.getLogger("govpub.crawl")

#: Statuses handed to the spider instead of being filtered (3xx are followed by RedirectMiddleware).
KEEP_HTTP_STATUSES = [304, *range(400, 600)]
#: Request kinds (meta["kind"]) whose answers may be large files.
LARGE_KINDS = ("attachment",)


class Refused(IgnoreRequest):
    """A request the crawl will not make, or an answer it will not keep; `kind` names why."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def failure_kind(failure) -> str:
    """The error kind of a failed request (a twisted Failure or an exception)."""
    exc = getattr(failure, "value", failure)
    if isinstance(exc, Refused):
        return exc.kind
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "max redirections" in text:
            return "redirect_loop"
        if "robots.txt" in text:
            return "robots_disallowed"
        if "offsite" in text.lower():
            return "offsite"
        return "ignored"
    if isinstance(exc, (DownloadTimeoutError, twisted_error.TimeoutError)):
        return "timeout"
    if isinstance(exc, DownloadCancelledError):
        return "too_large" if "max size" in str(exc) or "maxsize" in str(exc) else "cancelled"
    if isinstance(exc, ResponseDataLossError):
        return "truncated"
    if isinstance(exc, ResponseFailed):
        reasons = " ".join(type(r.value).__name__ if hasattr(r, "value") else str(r) for r in exc.reasons)
        return "truncated" if "DataLoss" in reasons else "reset"
    if isinstance(exc, (DownloadConnectionRefusedError, twisted_error.ConnectionRefusedError)):
        return "refused"
    if isinstance(exc, (CannotResolveHostError, twisted_error.DNSLookupError)):
        return "dns"
    if isinstance(exc, (twisted_error.ConnectionLost, twisted_error.ConnectionDone, DownloadFailedError,
                        ConnectionResetError, twisted_error.ConnectError)):
        return "reset"
    if isinstance(exc, UnsupportedURLSchemeError):
        return "unsafe_url"
    return f"fetch:{type(exc).__name__}"


def _record(spider, kind: str, url: str, message: str) -> None:
    failures = getattr(spider, "failures", None)
    if failures is not None:
        failures.append({"kind": kind, "url": url, "message": message[:500]})
    spider.logger.warning("%s: %s (%s)", kind, url, message[:300])


# ---------------------------------------------------------------------------------- downloader


class UrlGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.page_maxsize = crawler.settings.getint("GOVPUB_PAGE_MAXSIZE", 8 * 1024 * 1024)
        self._allow_private: bool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _policy(self):
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        domains = list(getattr(spider, "allowed_domains", None) or (site.allowed_domains if site else []))
        if self._allow_private is None:
            self._allow_private = site_is_private(site.start_urls) if site else False
        return domains, self._allow_private

    def process_request(self, request: Request, spider=None):
        domains, allow_private = self._policy()
        problem = check_url(request.url, domains, allow_private=allow_private)
        if problem:
            kind, reason = problem
            chain = request.meta.get("redirect_urls")
            if chain:
                reason += f" (redirected from {chain[-1]})"
            raise Refused(kind, reason)
        if request.meta.get("kind") not in LARGE_KINDS:
            request.meta.setdefault("download_maxsize", self.page_maxsize)
        return None


class RedirectGuardMiddleware:
    """Runs before RedirectMiddleware on the way back: loops, endless chains, non-http targets.

    Each refusal names the URL the chain started from (the link the site published).
    """

    def __init__(self, crawler):
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response, spider=None):
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        if request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1").strip())
        scheme = urlsplit(target).scheme.lower()
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if scheme not in ("http", "https"):
            raise Refused("unsafe_url", f"redirect to {scheme}: URL {target[:200]} (from {chain[0]})")
        if target.split("#")[0] in {u.split("#")[0] for u in chain}:
            raise Refused("redirect_loop", f"redirect back to {target} after {len(chain)} hop(s) (from {chain[0]})")
        if len(chain) > self.max_redirects:
            raise Refused("redirect_loop", f"more than {self.max_redirects} redirects (from {chain[0]})")
        return response


class BlockDetectMiddleware:
    def process_response(self, request: Request, response, spider=None):
        user_agent = (request.headers.get(b"User-Agent") or b"").decode("latin-1")
        kind = detect_block(response.status, response.headers, response.body, user_agent=user_agent)
        if kind:
            raise Refused(kind, f"HTTP {response.status}: the site's firewall/anti-bot service answered, not the page")
        return response


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's bounded retries, waiting between attempts (Retry-After when the server sends one)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("GOVPUB_RETRY_AFTER_MAX", 60.0)
        self.backoff_base = settings.getfloat("GOVPUB_RETRY_BACKOFF", 1.0)

    async def process_response(self, request: Request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempts = request.meta.get("retry_times", 0)
        if attempts >= request.meta.get("max_retry_times", self.max_retry_times):
            return self._retry(request, f"HTTP {response.status}") or response  # gives up, logs, stats
        await _sleep(self.delay(response, attempts))
        return self._retry(request, f"HTTP {response.status}") or response

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        attempts = request.meta.get("retry_times", 0)
        if attempts < request.meta.get("max_retry_times", self.max_retry_times):
            await _sleep(retry_delay("", attempts, base=self.backoff_base, cap=self.retry_after_max))
        return self._retry(request, exception)

    def delay(self, response, attempts: int) -> float:
        return retry_delay(
            (response.headers.get(b"Retry-After") or b"").decode("latin-1"),
            attempts, base=self.backoff_base, cap=self.retry_after_max,
        )


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor (other requests go on meanwhile)."""
    if seconds <= 0:
        return
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def retry_delay(retry_after: str, attempts: int, *, base: float, cap: float, now: datetime | None = None) -> float:
    """Seconds to wait before the next attempt: Retry-After (seconds or HTTP date) else base·2^attempts; ≤ cap."""
    value = (retry_after or "").strip()
    if value:
        if value.isdigit():
            return min(float(value), cap)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return max(0.0, min((when - (now or datetime.now(timezone.utc))).total_seconds(), cap))
    return min(base * (2 ** attempts), cap)


# ---------------------------------------------------------------------------------- spider


class TrapGuardMiddleware(BaseSpiderMiddleware):
    """Bounds on what is not a column walk, each hit reported (the walk itself: govpub.crawl.paging).

    - an article of more than GOVPUB_MAX_ARTICLE_PAGES pages: `trap`;
    - a chain of more than GOVPUB_DEPTH_LIMIT requests away from the column (an article, its
      further pages, their attachments); list pages are depth 0 however deep the column goes,
      which is why Scrapy's own DEPTH_LIMIT (silent) is off: `trap`;
    - more than GOVPUB_MAX_REQUESTS requests in one crawl: `budget`.

    A `budget` hit, or any trap that dropped a list page, leaves the column `incomplete`.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.max_article_pages = crawler.settings.getint("GOVPUB_MAX_ARTICLE_PAGES", 50)
        self.max_depth = crawler.settings.getint("GOVPUB_DEPTH_LIMIT", 50)
        self.max_requests = crawler.settings.getint("GOVPUB_MAX_REQUESTS", 100000)
        self.requests = 0
        self._reported: set[str] = set()

    def _stop(self, kind: str, what: str, url: str, message: str, *, column: bool) -> None:
        if what not in self._reported:
            self._reported.add(what)
            _record(self.crawler.spider, kind, url, message)
            stops = getattr(self.crawler.spider, "walk_stops", None)
            if column and stops is not None:
                stops.append({"kind": kind, "url": url, "message": message[:500]})

    def get_processed_request(self, request: Request, response):
        kind = request.meta.get("kind")
        if kind == "list":
            request.meta["column_depth"] = 0
        else:
            parent = response.meta.get("column_depth", 0) if response is not None else 0
            request.meta["column_depth"] = parent + 1
            if request.meta["column_depth"] > self.max_depth:
                self._stop("trap", f"depth:{request.meta.get('article_url')}", request.url,
                           f"more than {self.max_depth} requests away from the column (GOVPUB_DEPTH_LIMIT)", column=False)
                return None
        if kind == "article_page" and request.meta.get("page_no", 1) > self.max_article_pages:
            self._stop("trap", f"article:{request.meta.get('article_url')}", request.url,
                       f"article has more than {self.max_article_pages} pages (GOVPUB_MAX_ARTICLE_PAGES)", column=False)
            return None
        self.requests += 1
        if self.requests > self.max_requests:
            self._stop("budget", "budget", request.url,
                       f"more than {self.max_requests} requests in one crawl (GOVPUB_MAX_REQUESTS)", column=True)
            return None
        return request
