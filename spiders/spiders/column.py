"""The generic, config-driven spider for 信息公开 columns and content-farm list pages.

It walks a site's column (list pages → next list page, by the site's list mechanism:
govpub.crawl.listing, which also reads script pagers, Hanweb datastores and their POSTed
dataproxy pages, and JSON list APIs), fetches every article and
every further page of multi-page articles and their attachments, and yields each
response as fetched (a govpub.archive.warc.Fetched item). It never parses documents: the
only things it reads from a page are the links the registry's selectors point at.

Incremental crawls (govpub.crawl.state): `-a state=FILE` hands it what earlier crawls
learnt. Known URLs get conditional requests (If-None-Match / If-Modified-Since); a 304 is
archived as fetched and never followed further; a list page answering 304 is replayed from
the state's links. Outside a full sweep the spider stops paging a column at the first list
page that holds only known articles. Known articles listed up to that page are revalidated;
any other known article only when the state says its revalidation is due (`due`, the adaptive
schedule), and then whether or not the walk reaches its list page — so a full sweep walks every
list page without revalidating every article. New articles are always fetched. The walk itself ends by behaviour,
never by a page count (govpub.crawl.paging).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from govpub.settings import Settings
from govpub.registry import Site, get_site
from govpub.archive.warc import Fetched
from govpub.crawl.paging import END, ColumnWalk
from govpub.crawl.listing import ListPageError, ListRequest, page_identity, read_list
from parsers.extract import is_attachment_url
from spiders.middlewares import KEEP_HTTP_STATUSES, failure_kind

# Request kinds, recorded in each WARC metadata record.
LIST, ARTICLE, ARTICLE_PAGE, ATTACHMENT = "list", "article", "article_page", "attachment"


class ColumnSpider(scrapy.Spider):
    name = "column"

    def __init__(self, site: str | None = None, state: str | None = None, *args, **kwargs):
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
        # Incremental state (govpub.crawl.state.write_spider_state); none = a plain full crawl.
        loaded = json.loads(open(state, encoding="utf-8").read()) if state else {}
        self.full_sweep: bool = bool(loaded.get("full_sweep", True))
        self.known: dict[str, dict] = loaded.get("articles", {})
        self.validators: dict[str, dict] = loaded.get("validators", {})
        self.known_lists: dict[str, dict] = loaded.get("lists", {})
        #: known articles whose revalidation is due this crawl (govpub.crawl.state.due_articles)
        self.due: set[str] = set(loaded.get("due", []))
        self.listed: set[str] = set()  #: every article link seen on a list page
        self.columns_ended = 0  #: columns walked to a list page without a next link
        self.list_failures = 0
        self.stopped_paging: list[str] = []
        self.gone: list[dict] = []  #: known articles answering 404/410
        self._walks: dict[int, ColumnWalk] = {}  #: one per column (start URL)
        self.walk_stops: list[dict] = []  #: traps and bounds that stopped a column walk
        self._past_known: set[int] = set()  #: columns whose walk has passed a list page of known articles only

    async def start(self):
        for column, url in enumerate(self.site.start_urls):
            yield self._list_request(ListRequest(url), 1, column=column)
        for url in sorted(self.due):  # wherever they are listed: old articles sit past the incremental walk
            yield self._article_request(url)

    @property
    def column_complete(self) -> bool:
        """Every column was walked to its last list page: no failed list page, no trap or bound hit."""
        return self.columns_ended >= len(self.site.start_urls) and not self.walk_stops

    @property
    def column_status(self) -> str:
        """"complete", "incomplete" (a list page failed, a trap or bound stopped a walk) or, for an
        incremental crawl that stopped at known articles, "stopped_at_known"."""
        if self.column_complete:
            return "complete"
        if self.walk_stops or not self.stopped_paging:
            return "incomplete"
        return "stopped_at_known"

    # -- callbacks ------------------------------------------------------------------------
    def parse_list(self, response: Response):
        list_page = response.meta["list_page"]
        if response.status == 304 and response.url in self.known_lists:
            remembered = self.known_lists[response.url]
            links = list(remembered.get("links", []))
            following = remembered.get("next_request") or (
                {"url": remembered["next"]} if remembered.get("next") else None)
            next_request = ListRequest.from_dict(following) if following else None
        elif response.status == 200 and isinstance(response, TextResponse):
            try:
                page = read_list(self.site.links, response.url, response.text, response.meta.get("list_state"))
            except ListPageError as exc:
                self.list_failures += 1
                self.failures.append({"kind": "list_unreadable", "url": response.url, "message": str(exc)[:500]})
                yield self._fetched(response)
                return
            links = [u for u in (self._allowed(url) for url in page.links) if u]
            next_request = page.next
            if next_request is not None and not self._allowed(next_request.url):
                # the column goes on where links.allow does not reach: say so, never stop silently
                self.list_failures += 1
                self.failures.append({"kind": "next_not_allowed", "url": next_request.url,
                                      "message": f"next list page of {response.url} is outside links.allow"})
                next_request = None
        else:
            self.list_failures += 1
            self.walk_stops.append({"kind": f"http:{response.status}", "url": response.url,
                                    "message": f"list page answered HTTP {response.status}"})
            yield self._fetched(response)
            return
        next_url = next_request.url if next_request else None
        yield self._fetched(response, links=links, next_url=next_url, next_request=next_request)
        self.list_pages_seen += 1
        self.listed.update(links)
        column = response.meta.get("column", 0)
        for url in links:
            if self._wanted(url, past_known=column in self._past_known):
                yield self._article_request(url)
        if links and all(url in self.known for url in links):
            self._past_known.add(column)
        walk = self._walks.setdefault(response.meta.get("column", 0), ColumnWalk(
            crawl_date=self._crawl_date(), max_list_pages=self.site.links.max_list_pages))
        here = page_identity(response.url, response.request.method, response.request.body)
        verdict = walk.verdict(here, list_page, links, next_request.identity if next_request else None)
        if verdict.action == END:
            self.columns_ended += 1
            return
        if verdict.stops_incomplete:
            self.walk_stops.append({"kind": verdict.action, "url": response.url, "message": verdict.reason})
            self.failures.append({"kind": verdict.action, "url": response.url, "message": verdict.reason[:500]})
            self.logger.warning("%s: %s", verdict.action, verdict.reason)
            return
        if not self.full_sweep and links and all(url in self.known for url in links):
            self.stopped_paging.append(response.url)
            self.logger.info("[column] %s holds only known articles: paging stops (no full sweep)", response.url)
            return
        yield self._list_request(next_request, list_page + 1, column=response.meta.get("column", 0))

    def parse_article(self, response: Response):
        meta = response.meta
        article_url = meta.get("article_url") or response.url
        if response.status in (404, 410) and article_url in self.known and meta.get("page_no", 1) == 1:
            self.gone.append({"url": article_url, "status": response.status})
            yield self._fetched(response, article_url=article_url, expected=True)
            return
        yield self._fetched(response, article_url=article_url)
        if response.status == 304:
            if meta.get("page_no", 1) == 1:
                # Unchanged first page: revalidate the further pages the archive knows of.
                pages = self.known.get(article_url, {}).get("pages", [])
                for number, url in enumerate(pages[1:], start=2):
                    yield self._request(
                        url, ARTICLE_PAGE, callback=self.parse_article, article_url=article_url,
                        page_no=number, conditional=True, revalidation=True,
                    )
            return
        if meta.get("revalidation"):
            # A further page changed behind an unchanged first page: fetch the whole article again.
            if response.status == 200:
                yield self._request(
                    article_url, ARTICLE, callback=self.parse_article, page_no=1, refetch=True, dont_filter=True
                )
            return
        if response.status != 200 or not hasattr(response, "css"):
            return
        # lxml's elements, not response.css("a[href]"): a Selector per link was a tenth of the
        # crawl's CPU on a long column, and the few attachments are the only links kept
        for link in response.selector.root.iter("a"):
            href = link.get("href")
            if href is None:
                continue
            url = response.urljoin(href)
            if is_attachment_url(url):  # the parser's rule: it lists the same links as attachments
                yield self._request(
                    url, ATTACHMENT, callback=self.parse_attachment, article_url=article_url,
                    name=" ".join(link.itertext()).strip(),
                )
        if self.site.links.article_next:
            for link in response.css(self.site.links.article_next)[:1]:
                url = self._link(response, link)
                if url:
                    yield self._request(
                        url, ARTICLE_PAGE, callback=self.parse_article,
                        article_url=article_url, page_no=meta.get("page_no", 1) + 1,
                        refetch=meta.get("refetch", False), dont_filter=meta.get("refetch", False),
                    )

    def parse_attachment(self, response: Response):
        yield self._fetched(response, article_url=response.meta.get("article_url"))

    def on_error(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            # Politeness working as intended, not a failure of the site.
            self.skipped.append({"kind": "robots_disallowed", "url": request.url, "message": str(failure.value)})
            return
        if request.meta.get("kind") == LIST:
            self.list_failures += 1
            self.walk_stops.append({"kind": failure_kind(failure), "url": request.url,
                                    "message": f"list page failed: {str(failure.value)[:300]}"})
        self.failures.append({"kind": failure_kind(failure), "url": request.url, "message": str(failure.value)[:500]})
        self.logger.warning("fetch failed for %s: %s", request.url, failure.value)

    # -- helpers --------------------------------------------------------------------------
    def _crawl_date(self) -> date:
        day = self.settings.get("GOVPUB_CRAWL_DATE", "") if getattr(self, "settings", None) else ""
        return date.fromisoformat(day) if day else datetime.now(timezone.utc).date()

    def _wanted(self, url: str, past_known: bool) -> bool:
        """New articles always; known ones on the column's head — the list pages up to the first
        all-known one, what an incremental walk reads: the newest, the likeliest to be corrected —
        and known ones recorded as deleted (listed again: are they back?). Further down, a known
        article is fetched only when due, and start() has asked for those already."""
        known = self.known.get(url)
        return known is None or known.get("status") == "deleted" or not past_known

    def _list_request(self, following: ListRequest, list_page: int, **meta) -> scrapy.Request:
        """A list page to fetch, as the list mechanism asked (govpub.crawl.listing); `meta` goes along."""
        if following.method == "GET":
            return self._request(following.url, LIST, callback=self.parse_list, list_page=list_page,
                                 conditional=not self.full_sweep, list_state=following.state, **meta)
        # POST (Hanweb dataproxy): never conditional; the servers answer every POST in full.
        request = self._request(following.url, LIST, callback=self.parse_list, list_page=list_page,
                                list_state=following.state, **meta)
        return request.replace(method=following.method, body=following.body,
                               headers={**request.headers.to_unicode_dict(),
                                        "Content-Type": "application/x-www-form-urlencoded"})

    def _allowed(self, url: str) -> str | None:
        """`url` if the crawl may follow it: http(s) and on a links.allow path."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if self._allow and not any(p.search(parts.path) for p in self._allow):
            return None
        return url

    def _article_request(self, url: str) -> scrapy.Request:
        return self._request(url, ARTICLE, callback=self.parse_article, page_no=1, conditional=url in self.known)

    def _request(
        self, url: str, kind: str, *, callback, conditional: bool = False, dont_filter: bool = False, **meta
    ) -> scrapy.Request:
        headers = {}
        validators = self.validators.get(url) if conditional else None
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            dont_filter=dont_filter,
            # Keep 4xx/5xx responses: a 404 is a fact worth archiving (the page is gone). Redirects
            # are followed (and guarded: spiders/middlewares.py), so 3xx are not in the list.
            meta={"kind": kind, "handle_httpstatus_list": KEEP_HTTP_STATUSES, **meta},
        )

    def _link(self, response: Response, link) -> str | None:
        href = (link.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return None
        return self._allowed(response.urljoin(href))

    def _fetched(
        self,
        response: Response,
        article_url: str | None = None,
        *,
        links: list[str] | None = None,
        next_url: str | None = None,
        next_request: ListRequest | None = None,
        expected: bool = False,
    ) -> Fetched:
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
        if links is not None:
            context["links"] = links
            context["next"] = next_url
            if next_request is not None and (next_request.method != "GET" or next_request.state):
                context["next_request"] = next_request.to_dict()
        if response.status >= 400 and not expected:
            self.failures.append(
                {"kind": f"http:{response.status}", "url": response.url, "message": f"HTTP {response.status}"}
            )
        return Fetched(
            url=response.url,
            method=response.request.method,
            request_body=response.request.body,
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
