"""`govpub` — the command line: parse a page, crawl a site, index, search, run local services.

Exit codes: 0 success, 1 the work ran but reported errors, 2 bad input or an
unreachable service (a one-line message on stderr names the problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from govpub.config import Settings

EPILOG = """environment: GOVPUB_S3_ENDPOINT, GOVPUB_S3_BUCKET, GOVPUB_ES_URL, GOVPUB_ES_ALIAS,
GOVPUB_SITES_DIR, GOVPUB_HOME … (see README.md, "Configuration")"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user; the traceback only with --debug
        if getattr(args, "debug", False) or not _is_user_facing(exc):
            raise
        print(f"govpub: error: {exc}", file=sys.stderr)
        return 2


def _is_user_facing(exc: Exception) -> bool:
    """Errors that a one-line message explains (bad input, unreachable service); others show a traceback."""
    import parsers
    from govpub.archive import ArchiveUnavailable
    from govpub.index import IndexUnavailable
    from govpub.query import QueryError
    from govpub.pipeline import CrawlFailed
    from govpub.services import ServiceError
    from govpub.sites import SiteConfigError, UnknownSite

    expected = (
        ArchiveUnavailable, IndexUnavailable, ServiceError, CrawlFailed, SiteConfigError, UnknownSite,
        parsers.ParseError, FileNotFoundError, QueryError,
    )
    return isinstance(exc, expected)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govpub",
        description="Scrape, archive (S3) and search (Elasticsearch) government publications.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = commands.add_parser(
        "parse",
        help="print the document JSON for one article from raw page bytes",
        description="Parse saved page(s) of ONE article into a govpub document (JSON on stdout). "
        "Several files are the pages of one article, in order. No network, no services.",
    )
    p.add_argument("pages", nargs="+", type=Path, metavar="PAGE.html", help="raw page bytes as fetched")
    p.add_argument("--url", action="append", default=[], help="URL of each page, once per page, in order")
    p.add_argument("--content-type", help="the HTTP Content-Type header as the crawl recorded it")
    p.add_argument("--site", default="local", help="site id to record in the document (default: local)")
    p.set_defaults(handler=cmd_parse)

    p = commands.add_parser(
        "crawl",
        help="crawl one site now: fetch → archive raw → parse → archive documents → index",
        description="Run the whole pipeline for one site in this process (the DAG runs the same steps).",
    )
    p.add_argument("site_id", metavar="SITE_ID", help="a site id from the registry (see `govpub sites`)")
    p.add_argument("--run-id", help="run id used in S3 keys (default: manual__<UTC time>)")
    p.add_argument("--json", action="store_true", help="print the stats as JSON")
    p.set_defaults(handler=cmd_crawl)

    p = commands.add_parser(
        "index",
        help="(re)index archived documents from S3 into Elasticsearch",
        description="Read every latest document under documents/ in the archive and index it "
        "(idempotent: document ids are Elasticsearch _ids).",
    )
    p.add_argument("--site", help="only this site's documents")
    p.set_defaults(handler=cmd_index)

    from govpub import search_cli

    search_cli.add_commands(commands)  # search, serve

    p = commands.add_parser("sites", help="list the site registry", description="List the sites in the registry.")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=cmd_sites)

    p = commands.add_parser(
        "services",
        help="start/stop/check the local Elasticsearch and S3 servers",
        description="Manage local services (no Docker): Elasticsearch (integ-test-zip from Maven Central), "
        "S3Proxy (filesystem-nio2 backend), and optionally the Airflow UI. Installs what is missing.",
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument(
        "names", nargs="*", metavar="SERVICE",
        help="elasticsearch, s3, airflow (default: elasticsearch s3)",
    )
    p.set_defaults(handler=cmd_services)

    p = commands.add_parser(
        "sample-site",
        help="serve the bundled sample bureau sites on 127.0.0.1",
        description="Serve sample_site/www (three sample bureaus) over HTTP until interrupted.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(handler=cmd_sample_site)

    p = commands.add_parser(
        "demo",
        help="the main job end to end on the sample site, then a sample search",
        description="Start services, serve the sample site, run the govpub_crawl DAG with "
        "`airflow dags test`, then print a sample search and where to look.",
    )
    p.add_argument("--query", default="课后服务", help="the sample search (default: 课后服务)")
    p.set_defaults(handler=cmd_demo)
    return parser


# -- handlers -----------------------------------------------------------------------------
def cmd_parse(args) -> int:
    import parsers
    from govpub.documents import ArticleRecords, Located, build_document
    from govpub.sites import Site, SiteLinks
    from govpub.warc import Fetched, StoredRecord

    if args.url and len(args.url) != len(args.pages):
        print(f"govpub: error: got {len(args.pages)} pages but {len(args.url)} --url values", file=sys.stderr)
        return 2
    urls = args.url or [path.resolve().as_uri() for path in args.pages]
    article = ArticleRecords(urls[0])
    for number, (path, url) in enumerate(zip(args.pages, urls), start=1):
        mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(microsecond=0)
        headers = [("Content-Type", args.content_type)] if args.content_type else []
        fetched = Fetched(
            url=url, status=200, response_headers=headers, body=path.read_bytes(),
            fetched_at=mtime.isoformat().replace("+00:00", "Z"),
        )
        record = StoredRecord(fetched=fetched, record_id="", offset=0, length=0, payload_digest=None)
        article.pages[number] = Located(key=str(path), record=record)
    site = Site(
        id=args.site, name=args.site, agency="", region=None, kind="official",
        allowed_domains=(), start_urls=(), links=SiteLinks(article="a"),
    )
    doc = build_document(site, article)
    data = doc.to_dict()
    data["raw"] = None  # no archive behind a local file
    data["agency"] = None
    for attachment in data["attachments"]:
        attachment["raw"] = None
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def cmd_crawl(args) -> int:
    from govpub.pipeline import format_summary, run_site

    stats = run_site(Settings.from_env(), args.site_id, args.run_id, echo=lambda line: print(line, file=sys.stderr))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        print(format_summary([stats]))
        for error in stats["errors"]:
            print(f"  {error['kind']}: {error['url']}: {error['message']}")
    return 1 if stats["errors"] and not stats["documents_indexed"] else 0


def cmd_index(args) -> int:
    from govpub.pipeline import reindex_all

    result = reindex_all(Settings.from_env(), args.site)
    return 1 if result["errors"] else 0


def cmd_sites(args) -> int:
    from govpub.sites import load_sites

    sites = load_sites(Settings.from_env().sites_dir)
    if args.json:
        print(json.dumps([s.to_dict() for s in sites.values()], ensure_ascii=False, indent=2))
        return 0
    for site in sites.values():
        print(f"{site.id:<20} {site.kind:<9} {site.schedule:<8} {site.name}")
        for url in site.start_urls:
            print(f"{'':<20} {url}")
    return 0


def cmd_services(args) -> int:
    from govpub import services

    settings = Settings.from_env()
    names = tuple(args.names) or ("elasticsearch", "s3")
    if args.action == "up":
        services.up(settings, names)
    elif args.action == "down":
        services.down(settings, names if args.names else ("airflow", "elasticsearch", "s3"))
    statuses = services.status(settings)
    for s in statuses:
        state = "running" if s.running else "stopped"
        print(f"{s.name:<14} {state:<8} {s.url or '':<28} {s.detail or ''}")
    if args.action == "status":
        return 0 if all(s.running for s in statuses if s.name in names) else 1
    return 0


def cmd_sample_site(args) -> int:
    from govpub.samplesite import serve

    serve(args.host, args.port)
    return 0


def cmd_demo(args) -> int:
    from govpub.demo import run_demo

    return run_demo(Settings.from_env(), query=args.query)


if __name__ == "__main__":
    sys.exit(main())
