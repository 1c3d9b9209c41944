"""The generic, config-driven spider for 信息公开 columns and content-farm list pages.

It walks a site's column (list pages → next list page), fetches every article and
every further page of multi-page articles and their attachments, and yields each
response as fetched (a govpub.warc.Fetched item). It never parses documents: the
only things it reads from a page are the links the registry's selectors point at.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from govpub.config import Settings
from govpub.sites import Site, get_site
from govpub.warc import Fetched
from spiders.middlewares import KEEP_HTTP_STATUSES, failure_kind

ATTACHMENT_EXTENSIONS = (".pdf", ".ofd", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".zip", ".rar")

# Request kinds, recorded in each WARC metadata record.
LIST, ARTICLE, ARTICLE_PAGE, ATTACHMENT = "list", "article", "article_page", "attachment"


class ColumnSpider(scrapy.Spider):
    name = "column"

    def __init__(self, site: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not site:
            raise ValueError("the column spider needs a site id: scrapy crawl column -a site=SITE_ID")
        self.site: Site = get_site(Settings.from_env().sites_dir, site)
        # OffsiteMiddleware reads allowed_domains (requests and redirects outside are dropped).
        self.allowed_domains = list(self.site.allowed_domains)
        self._allow = [re.compile(p) for p in self.site.links.allow]
        self.failures: list[dict[str, str]] = []
        self.skipped: list[dict[str, str]] = []
        self.list_pages_seen = 0

    async def start(self):
        for url in self.site.start_urls:
            yield self._request(url, LIST, callback=self.parse_list, list_page=1)

    # -- callbacks ------------------------------------------------------------------------
    def parse_list(self, response: Response):
        yield self._fetched(response)
        if response.status != 200 or not hasattr(response, "css"):
            return
        self.list_pages_seen += 1
        for link in response.css(self.site.links.article):
            url = self._link(response, link)
            if url:
                yield self._request(url, ARTICLE, callback=self.parse_article, page_no=1)
        list_page = response.meta["list_page"]
        if self.site.links.next_page and list_page < self.site.links.max_list_pages:
            for link in response.css(self.site.links.next_page)[:1]:
                url = self._link(response, link)
                if url:
                    yield self._request(url, LIST, callback=self.parse_list, list_page=list_page + 1)

    def parse_article(self, response: Response):
        meta = response.meta
        article_url = meta.get("article_url") or response.url
        yield self._fetched(response, article_url=article_url)
        if response.status != 200 or not hasattr(response, "css"):
            return
        for link in response.css("a[href]"):
            href = link.attrib.get("href", "")
            if urlsplit(href).path.lower().endswith(ATTACHMENT_EXTENSIONS):
                url = response.urljoin(href)
                yield self._request(
                    url, ATTACHMENT, callback=self.parse_attachment, article_url=article_url,
                    name=" ".join(link.css("::text").getall()).strip(),
                )
        if self.site.links.article_next:
            for link in response.css(self.site.links.article_next)[:1]:
                url = self._link(response, link)
                if url:
                    yield self._request(
                        url, ARTICLE_PAGE, callback=self.parse_article,
                        article_url=article_url, page_no=meta.get("page_no", 1) + 1,
                    )

    def parse_attachment(self, response: Response):
        yield self._fetched(response, article_url=response.meta.get("article_url"))

    def on_error(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            # Politeness working as intended, not a failure of the site.
            self.skipped.append({"kind": "robots_disallowed", "url": request.url, "message": str(failure.value)})
            return
        self.failures.append({"kind": failure_kind(failure), "url": request.url, "message": str(failure.value)[:500]})
        self.logger.warning("fetch failed for %s: %s", request.url, failure.value)

    # -- helpers --------------------------------------------------------------------------
    def _request(self, url: str, kind: str, *, callback, **meta) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            # Keep 4xx/5xx responses: a 404 is a fact worth archiving (the page is gone). Redirects
            # are followed (and guarded: spiders/middlewares.py), so 3xx are not in the list.
            meta={"kind": kind, "handle_httpstatus_list": KEEP_HTTP_STATUSES, **meta},
        )

    def _link(self, response: Response, link) -> str | None:
        href = (link.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return None
        url = response.urljoin(href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if self._allow and not any(p.search(parts.path) for p in self._allow):
            return None
        return url

    def _fetched(self, response: Response, article_url: str | None = None) -> Fetched:
        meta = response.meta
        context = {
            "site": self.site.id,
            "kind": meta.get("kind", LIST),
            "referer": (response.request.headers.get("Referer") or b"").decode("latin-1") or None,
        }
        if article_url:
            context["article_url"] = article_url
            context["page_no"] = meta.get("page_no", 1)
        if meta.get("name"):
            context["name"] = meta["name"]
        if response.status >= 400:
            self.failures.append(
                {"kind": f"http:{response.status}", "url": response.url, "message": f"HTTP {response.status}"}
            )
        return Fetched(
            url=response.url,
            status=response.status,
            reason="",
            response_headers=_header_pairs(response.headers),
            body=response.body,
            request_headers=_header_pairs(response.request.headers),
            fetched_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            context=context,
        )


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs
