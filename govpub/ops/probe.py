"""Onboarding a bureau from its column URL: `govpub sites probe URL` and `govpub sites add URL`.

`probe` fetches the column page politely (robots.txt obeyed, the crawl's User-Agent, the URL
guard of govpub.crawl.urlsafety, a pause between requests), guesses the CMS from the page
(govpub.registry.presets signatures), reads the page with that preset's list mechanism
(govpub.crawl.listing — the function the spider uses), fetches the next list page and three
articles, and runs the articles through the parser. It reports what it found — articles per
page, pages estimated, the parsed title and date of each probed article, warnings — and a
ready `[[site]]` entry. An entry is offered only when a preset read article links from the
page and every probed article parsed with a title; otherwise the report says what was tried.

`add` runs the same probe, then appends the entry to a sites TOML file and loads the
registry again to prove it reads; on any failure the file is left as it was.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from govpub.crawl.listing import ListPage, ListPageError, ListRequest, read_list
from govpub.crawl.urlsafety import check_url, site_is_private
from govpub.registry import SITE_ID_RE, SiteConfigError, SiteLinks, load_sites
from govpub.registry.presets import PRESET_NAMES, detect_cms, preset_links
from parsers.article import parse_article

from parsers.model import Page, ParseError

#: articles fetched and parsed by a probe
PROBED_ARTICLES = 3


class ProbeFailed(RuntimeError):
    """The probe could not produce a working entry; the message says what it tried."""


@dataclass
class ProbedArticle:
    url: str
    title: str | None = None
    publish_date: str | None = None
    body_lines: int = 0
    problem: str | None = None


@dataclass
class ProbeReport:
    url: str
    cms: str | None = None
    how: str = ""  #: how the list page was read (govpub.crawl.listing ListPage.how)
    articles_per_page: int = 0
    pages_estimated: str = ""
    article_hosts: list[str] = field(default_factory=list)  #: hosts of the listed articles, the column's first
    next_list: str | None = None
    next_list_new_links: int | None = None
    articles: list[ProbedArticle] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entry: dict | None = None

    @property
    def ok(self) -> bool:
        return self.entry is not None


class PoliteFetcher:
    """GETs and POSTs for a probe: robots.txt, the URL guard, a pause between requests."""

    def __init__(self, start_url: str, user_agent: str, delay: float, timeout: float):
        self.user_agent, self.delay, self.timeout = user_agent, delay, timeout
        host = urlsplit(start_url).hostname or ""
        self.domains = [host]
        self.allow_private = site_is_private([start_url])
        self._robots: urllib.robotparser.RobotFileParser | None = None
        self._last = 0.0
        self.requests = 0

    def fetch(self, request: ListRequest | str) -> tuple[bytes, str]:
        """(body, content type) of a 200 answer; ProbeFailed naming the reason otherwise."""
        request = ListRequest(request) if isinstance(request, str) else request
        problem = check_url(request.url, self.domains, allow_private=self.allow_private)
        if problem:
            raise ProbeFailed(f"{request.url}: refused ({problem[0]}: {problem[1]})")
        if not self._robots_allow(request.url):
            raise ProbeFailed(f"{request.url}: disallowed by robots.txt")
        headers = {"User-Agent": self.user_agent}
        if request.method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        http = urllib.request.Request(request.url, data=request.body if request.method == "POST" else None,
                                      headers=headers, method=request.method)
        self._pause()
        try:
            with _opener().open(http, timeout=self.timeout) as answer:
                return answer.read(), answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise ProbeFailed(f"{request.url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ProbeFailed(f"{request.url}: {getattr(exc, 'reason', exc)}") from None

    def _pause(self) -> None:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        self.requests += 1

    def _robots_allow(self, url: str) -> bool:
        if self._robots is None:
            parts = urlsplit(url)
            self._robots = urllib.robotparser.RobotFileParser()
            try:
                self._pause()
                request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}/robots.txt",
                                                 headers={"User-Agent": self.user_agent})
                with _opener().open(request, timeout=self.timeout) as answer:
                    self._robots.parse(answer.read().decode("utf-8", "replace").splitlines())
            except urllib.error.HTTPError as exc:
                self._robots.parse([] if exc.code >= 400 else ["User-agent: *", "Disallow: /"])
            except (urllib.error.URLError, OSError):
                self._robots.parse([])  # no robots.txt to be had: the crawl's RobotsTxtMiddleware does the same
        return self._robots.can_fetch(self.user_agent, url)


def _opener() -> urllib.request.OpenerDirector:
    # no redirects followed blindly: a redirect is answered as an HTTPError and reported
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(NoRedirect)


def decode(body: bytes, content_type: str) -> str:
    """The page's text: the charset of the header, else of a <meta>, else UTF-8 then GB18030."""
    found = re.search(r"charset=([\w-]+)", content_type or "", re.I) or re.search(
        rb"<meta[^>]+charset=[\"']?([\w-]+)", body[:4096], re.I)
    names = [found.group(1).decode() if isinstance(found.group(1), bytes) else found.group(1)] if found else []
    for name in [*names, "utf-8", "gb18030"]:
        name = "gb18030" if name.lower() in ("gb2312", "gbk") else name
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


def probe(url: str, *, site_id: str | None = None, agency: str | None = None, name: str | None = None,
          region: str = "", kind: str = "official", user_agent: str, delay: float = 1.0, timeout: float = 20.0,
          download_delay: float | None = None) -> ProbeReport:
    """Probe a column URL (see the module docstring); never raises for a site it cannot read."""
    report = ProbeReport(url=url)
    fetcher = PoliteFetcher(url, user_agent, delay, timeout)
    try:
        body, content_type = fetcher.fetch(url)
    except ProbeFailed as exc:
        report.tried.append(f"fetch the column page: {exc}")
        return report
    text = decode(body, content_type)
    chosen = _choose_preset(url, text, report)
    if chosen is None:
        return report
    cms, page = chosen
    report.cms, report.how = cms, page.how
    report.article_hosts = _article_hosts(url, page)
    fetcher.domains = list(report.article_hosts)
    report.articles_per_page = len(page.links)
    links = SiteLinks(**preset_links(cms))
    listed = list(page.links)
    if page.next is not None:
        report.next_list = f"{page.next.method} {page.next.url}"
        try:
            nbody, ntype = fetcher.fetch(page.next)
            second = read_list(links, page.next.url, decode(nbody, ntype), page.next.state)
            report.next_list_new_links = len(set(second.links) - set(page.links))
            listed += [u for u in second.links if u not in listed]
            if not report.next_list_new_links:
                report.warnings.append(f"the next list page ({page.next.url}) lists no new article")
        except (ProbeFailed, ListPageError) as exc:
            report.warnings.append(f"the next list page could not be read: {exc}")
    report.pages_estimated = (str(page.total_pages) if page.total_pages
                              else ("at least 2 (no page count on the page)" if page.next else "1"))
    for article_url in listed[:PROBED_ARTICLES]:
        report.articles.append(_probe_article(fetcher, article_url))
    bad = [a for a in report.articles if a.problem]
    for article in bad:
        report.warnings.append(f"article {article.url}: {article.problem}")
    if bad:
        report.tried.append(f"{cms}: {len(bad)} of {len(report.articles)} probed articles did not parse")
        return report
    for article in report.articles:
        if not article.publish_date:
            report.warnings.append(f"article {article.url}: no publication date found")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    page_title = re.sub(r"\s+", " ", title.group(1)).strip() if title else ""
    parts = urlsplit(url)
    entry = {
        "id": site_id or _default_id(parts.hostname or "", parts.path),
        "name": name or page_title or parts.hostname,
        "agency": agency or name or page_title or parts.hostname,
        "region": region,
        "kind": kind,
        "allowed_domains": report.article_hosts,
        "start_urls": [url],
        "cms": cms,
    }
    if download_delay is not None:
        entry["download_delay"] = download_delay
    report.entry = entry
    return report


def _choose_preset(url: str, text: str, report: ProbeReport) -> tuple[str, ListPage] | None:
    """The first preset (signature matches first) whose list mechanism reads article links here:
    on the page's own host, or — signature seen — all on one other host (中国政府网 lists on
    sousuo.gov.cn the articles of www.gov.cn)."""
    guessed = detect_cms(text)
    for cms in [*guessed, *(n for n in PRESET_NAMES if n not in guessed)]:
        try:
            page = read_list(SiteLinks(**preset_links(cms)), url, text)
        except ListPageError as exc:
            report.tried.append(f"{cms}: {exc}")
            continue
        same_host = [u for u in page.links if urlsplit(u).hostname == urlsplit(url).hostname]
        signature = "signature seen" if cms in guessed else "no signature"
        report.tried.append(f"{cms} ({signature}): {len(same_host)} article links, {page.how}")
        if same_host and (cms in guessed or len(same_host) >= 3):
            return cms, page
        elsewhere = {urlsplit(u).hostname for u in page.links}
        if not same_host and cms in guessed and len(elsewhere) == 1:
            report.tried[-1] += f"; all {len(page.links)} on {elsewhere.pop()}"
            return cms, page
    return None


def _article_hosts(url: str, page: ListPage) -> list[str]:
    """The column's host, and the articles' one when they are all elsewhere (see _choose_preset)."""
    column = urlsplit(url).hostname or ""
    hosts = {urlsplit(u).hostname for u in page.links}
    return [column] if column in hosts or len(hosts) != 1 else [column, *hosts]


def _probe_article(fetcher: PoliteFetcher, url: str) -> ProbedArticle:
    result = ProbedArticle(url)
    try:
        body, content_type = fetcher.fetch(url)
    except ProbeFailed as exc:
        result.problem = str(exc)
        return result
    try:
        parsed = parse_article([Page(url=url, body=body, content_type=content_type)])
    except ParseError as exc:
        result.problem = f"the parser refused it: {exc}"
        return result
    result.title, result.publish_date = parsed.title, parsed.publish_date
    result.body_lines = len([line for line in parsed.body.splitlines() if line.strip()])
    if not parsed.title:
        result.problem = "no title parsed"
    elif not result.body_lines:
        result.problem = "empty body parsed"
    return result


def _default_id(host: str, path: str) -> str:
    words = [w for w in re.split(r"[^a-z0-9]+", (host.split(".")[-3] if host.count(".") >= 2 else host).lower()) if w]
    words += [w for w in re.split(r"[^a-z0-9]+", path.lower()) if w and w not in ("index", "html", "htm", "shtml")][:2]
    candidate = "-".join(words)[:60].strip("-") or "site"
    return candidate if SITE_ID_RE.match(candidate) else f"site-{candidate}"[:60]


def entry_toml(entry: dict) -> str:
    """One [[site]] table; JSON's string and array syntax is TOML's (basic strings, arrays)."""
    lines = ["[[site]]"]
    for key, value in entry.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def render(report: ProbeReport) -> str:
    out = [f"probe of {report.url}"]
    if report.cms:
        out.append(f"  cms preset        : {report.cms} ({report.how})")
        out.append(f"  articles per page : {report.articles_per_page}")
        out.append(f"  pages estimated   : {report.pages_estimated}")
        if report.article_hosts[1:]:
            out.append(f"  articles on       : {', '.join(report.article_hosts[1:])} (added to allowed_domains)")
        if report.next_list:
            out.append(f"  next list page    : {report.next_list} ({report.next_list_new_links} new article links)")
        for article in report.articles:
            state = article.problem or f"{article.body_lines} body lines"
            out.append(f"  article           : {article.url}\n      title {article.title!r}, date {article.publish_date}, {state}")
    out += [f"  tried             : {line}" for line in report.tried]
    out += [f"  warning           : {line}" for line in report.warnings]
    if report.entry:
        out += ["", entry_toml(report.entry)]
    else:
        out.append("no entry: no preset reads this page (see what was tried above)")
    return "\n".join(out)


def add_entry(report: ProbeReport, sites_file: Path) -> None:
    """Append the probed entry to `sites_file`; the registry must load with it, else nothing changes."""
    if not report.ok:
        raise ProbeFailed("no working entry to write: " + "; ".join(report.tried + report.warnings))
    sites_dir = sites_file.parent
    known = load_sites(sites_dir) if any(sites_dir.glob("*.toml")) else {}
    if report.entry["id"] in known:
        raise ProbeFailed(f"site id {report.entry['id']!r} is already in the registry ({known[report.entry['id']].source_file})")
    before = sites_file.read_bytes() if sites_file.exists() else None
    text = (before.decode("utf-8") + "\n" if before else "") + entry_toml(report.entry)
    sites_file.parent.mkdir(parents=True, exist_ok=True)
    sites_file.write_text(text, encoding="utf-8")
    try:
        load_sites(sites_dir)
    except SiteConfigError as exc:
        if before is None:
            sites_file.unlink()
        else:
            sites_file.write_bytes(before)
        raise ProbeFailed(f"the entry does not load, nothing written: {exc}") from None


__all__ = ["PROBED_ARTICLES", "ProbeFailed", "ProbeReport", "add_entry", "entry_toml", "probe", "render"]
