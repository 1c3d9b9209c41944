"""`govpub` — the command line: parse a page, crawl a site, index, search, status.

Local services, the sample sites and the demo are dev tooling: `python -m govpub_dev`.

Exit codes: 0 success, 1 the work ran but reported errors, 2 bad input or an
unreachable service (a one-line message on stderr names the problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable


EPILOG = """environment: GOVPUB_S3_ENDPOINT, GOVPUB_S3_BUCKET, GOVPUB_ES_URL, GOVPUB_ES_ALIAS,
GOVPUB_SITES_DIR, GOVPUB_HOME … (see README.md, "Configuration")"""


def settings_from_env():
    # imported when a command runs, not for `--help` (pydantic-settings costs ~130 ms to import)
    from govpub.settings import Settings

    return Settings.from_env()


def main(argv: list[str] | None = None) -> int:
    return run_command("govpub", build_parser(), argv, _is_user_facing)


def run_command(prog: str, parser: argparse.ArgumentParser, argv: list[str] | None,
                user_facing: Callable[[Exception], bool]) -> int:
    """Parse `argv` and run the chosen handler with govpub's exit codes (also used by govpub_dev).

    An error `user_facing` accepts is one line on stderr and exit 2; any other shows its traceback
    (as does every error with --debug).
    """
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
        if getattr(args, "debug", False) or not user_facing(exc):
            raise
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


def _is_user_facing(exc: Exception) -> bool:
    """Errors that a one-line message explains (bad input, unreachable service); others show a traceback."""
    import parsers
    from govpub.archive import ArchiveUnavailable
    from govpub.index import IndexOutdated, IndexUnavailable
    from govpub.search.query import QueryError
    from govpub.crawl.runner import CrawlFailed
    from govpub.pipeline.rebuild import RebuildFailed
    from govpub.registry import SiteConfigError, UnknownSite
    from govpub.settings import SettingsError

    expected = (
        ArchiveUnavailable, IndexUnavailable, IndexOutdated, CrawlFailed, SiteConfigError, UnknownSite,
        parsers.ParseError, FileNotFoundError, RebuildFailed, QueryError, SettingsError,
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
    # in the order `govpub --help` lists them: the data flow, then watching it
    add_parse_command(commands)
    add_pipeline_commands(commands)
    add_search_commands(commands)
    add_ops_commands(commands)
    add_sites_command(commands)
    return parser


def _command(commands, name: str, handler, help: str, description: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help, description=description)
    parser.set_defaults(handler=handler)
    return parser


def add_parse_command(commands) -> None:
    p = _command(
        commands, "parse", cmd_parse,
        help="print the document JSON for one article from raw page bytes",
        description="Parse saved page(s) of ONE article into a govpub document (JSON on stdout). "
        "Several files are the pages of one article, in order. No network, no services.",
    )
    p.add_argument("pages", nargs="+", type=Path, metavar="PAGE.html", help="raw page bytes as fetched")
    p.add_argument("--url", action="append", default=[], help="URL of each page, once per page, in order")
    p.add_argument("--content-type", help="the HTTP Content-Type header as the crawl recorded it")
    p.add_argument("--site", default="local", help="site id to record in the document (default: local)")


def add_pipeline_commands(commands) -> None:
    """crawl a site; rebuild the index or the documents from the archive; export a snapshot."""
    p = _command(
        commands, "crawl", cmd_crawl,
        help="crawl one site now: fetch → archive raw → parse → archive documents → index",
        description="Run the whole pipeline for one site in this process (the DAG runs the same steps).",
    )
    p.add_argument("site_id", metavar="SITE_ID", help="a site id from the registry (see `govpub sites`)")
    p.add_argument("--run-id", help="run id used in S3 keys (default: manual__<UTC time>)")
    p.add_argument("--json", action="store_true", help="print the stats as JSON")
    p.add_argument("--full-sweep", action="store_true", help="walk every list page even if no full sweep is due")

    p = _command(
        commands, "index", cmd_index,
        help="(re)index archived documents from S3 into Elasticsearch",
        description="Read every latest document under documents/ in the archive and index it "
        "(idempotent: document ids are Elasticsearch _ids).",
    )
    p.add_argument("--site", help="only this site's documents")

    p = _command(
        commands, "reconcile", cmd_reconcile,
        help="bring the index to the archive: index what it lacks, fix status and cluster fields",
        description="Compare every archived document (one listing of documents/) with the index (one scroll "
        "of its version, status and cluster fields) and index the missing or outdated documents and update "
        "the differing fields, without a full rebuild. Prints what it fixed. Exit code 1 on index errors.",
    )
    p.add_argument("--site", help="only this site's documents")
    p.add_argument("--dry-run", action="store_true", help="only count what is behind; change nothing")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")

    p = _command(
        commands, "reindex", cmd_reindex,
        help="rebuild the index from S3 alone into a new index, then swap the alias",
        description="Index every latest document of the archive (with version, status and cluster) into "
        "a new index <alias>-v<N>-<rebuild id>; when its count matches the archive, move the alias to it "
        "in one atomic _aliases call and delete the old index. Prints progress and docs/s.",
    )
    p.add_argument("--rebuild-id", help="suffix of the new index name (default: r<UTC time>)")
    p.add_argument("--keep-old", action="store_true", help="keep the previous index (for a rollback)")

    p = _command(
        commands, "reparse", cmd_reparse,
        help="re-run the current parser over the raw WARC archive (no network)",
        description="Parse every archived article again from raw/ and write a new document version only "
        "where the output changed; then index those versions. Prints progress and docs/s.",
    )
    p.add_argument("--site", help="only this site's raw WARC")
    p.add_argument("--no-index", action="store_true", help="do not index the new versions")

    p = _command(
        commands, "export", cmd_export,
        help="write a Parquet snapshot of the latest documents under exports/",
        description="Parquet files partitioned by site (hive layout) with a manifest, then the "
        "exports/latest.json pointer. An unchanged archive writes nothing.",
    )
    p.add_argument("--download", type=Path, metavar="DIR", help="also copy the snapshot into DIR")

    p = _command(
        commands, "cdxj", cmd_cdxj,
        help="write the CDXJ index (pywb's format) of every raw WARC file",
        description="Index each WARC under raw/ with cdxj-indexer into indexes/cdxj/{site}/{date}/{name}.cdxj "
        "(skipped when a current index exists). --download DIR also makes DIR a pywb collection: "
        "archive/ (the WARCs) and indexes/index.cdxj (docs/archive.md: replay with standard tools).",
    )
    p.add_argument("--site", help="only this site's WARC files")
    p.add_argument("--force", action="store_true", help="index every WARC again")
    p.add_argument("--download", type=Path, metavar="DIR", help="also download WARCs + merged index into DIR")


def add_search_commands(commands) -> None:
    from govpub.search import cli as search_cli

    search_cli.add_commands(commands)  # search, serve: their arguments live beside their handlers


def add_ops_commands(commands) -> None:
    """status, report: how the sites are doing."""
    p = _command(
        commands, "status", cmd_status,
        help="per site: the last run, its counts and health; flags broken or blocked sites",
        description="Read the stats index (S3 run records when Elasticsearch is down) and print, per site, "
        "the last run, its counts and health: ok, degraded, broken, blocked or never-run "
        "(rules: docs/operations.md). Exit code 1 when a site is broken or blocked.",
    )
    p.add_argument("--runs", type=int, default=10, help="recent runs per site to judge by (default 10)")
    p.add_argument("--reindex", action="store_true", help="first rebuild the stats index from the S3 run records")
    p.add_argument("--json", action="store_true", help="print as JSON")

    p = _command(
        commands, "report", cmd_report,
        help="write an HTML report: site health and yield per site over time (inline SVG)",
        description="Write one self-contained HTML file (no JavaScript): the status table and, per site, "
        "a chart of documents per run, markers coloured by the run's state.",
    )
    p.add_argument("--out", type=Path, default=Path("govpub-report.html"), help="output file (default govpub-report.html)")
    p.add_argument("--runs", type=int, default=60, help="runs per site to chart (default 60)")


def add_sites_command(commands) -> None:
    p = _command(commands, "sites", cmd_sites, help="list the site registry; probe and add a bureau by its URL",
                 description="List the sites in the registry (`govpub sites`), or onboard a column from its URL: "
                             "`govpub sites probe URL` prints what it found and a ready entry, "
                             "`govpub sites add URL --id … --agency …` writes that entry (docs/presets.md).")
    p.add_argument("--json", action="store_true", help="print as JSON")
    actions = p.add_subparsers(title="actions", metavar="ACTION")
    for action, handler, help in (
        ("probe", cmd_sites_probe, "fetch a column page, detect its CMS and list mechanism, print a TOML entry"),
        ("add", cmd_sites_add, "probe, then append the entry to a sites TOML file (only if it works)"),
    ):
        a = actions.add_parser(action, help=help, description=help)
        a.set_defaults(handler=handler)
        a.add_argument("url", metavar="URL", help="the column's first list page (or its JSON list API)")
        a.add_argument("--id", dest="site_id", help="site id for the entry (default: from the host and path)")
        a.add_argument("--agency", help="issuing agency (default: the page title)")
        a.add_argument("--name", help="site name (default: the page title)")
        a.add_argument("--region", default="", help="region, e.g. 浙江省嘉兴市南湖区")
        a.add_argument("--kind", choices=("official", "repost"), default="official",
                       help="official: the issuing government's own site; repost: a content farm (default official)")
        a.add_argument("--delay", type=float, default=1.0, help="seconds between the probe's requests (default 1)")
        a.add_argument("--download-delay", type=float, default=None,
                       help="download_delay to write into the entry (default: the registry's 0.5)")
        if action == "add":
            a.add_argument("--file", type=Path, default=None,
                           help="sites TOML file to append to (default: <sites_dir>/added.toml)")


# -- handlers -----------------------------------------------------------------------------
def cmd_parse(args) -> int:
    from govpub.documents import ArticleRecords, Located, build_document
    from govpub.registry import Site, SiteLinks
    from govpub.archive.warc import Fetched, StoredRecord

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
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.run import format_summary, run_site

    context = RunContext(settings_from_env(), echo=lambda line: print(line, file=sys.stderr))
    summary = run_site(context, args.site_id, args.run_id, full_sweep=True if args.full_sweep else None)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_summary([summary]))
        for error in summary.errors:
            print(f"  {error['kind']}: {error['url']}: {error['message']}")
        for issue in summary.quality_issues or []:
            print(f"  quality: {issue['message']}")
    if summary.quality_issues:
        return 1
    return 1 if summary.errors and not summary.documents_indexed else 0


def cmd_status(args) -> int:
    from govpub.ops.stats import rebuild_stats_index
    from govpub.ops.health import ATTENTION, collect, format_status

    settings = settings_from_env()
    if args.reindex:
        rebuild_stats_index(settings, echo=lambda line: print(line, file=sys.stderr))
    statuses, _, note = collect(settings, runs=max(1, args.runs))
    if args.json:
        print(json.dumps({"note": note, "sites": [s.to_dict() for s in statuses]}, ensure_ascii=False, indent=2))
    else:
        print(format_status(statuses, note))
    return 1 if any(s.health in ATTENTION for s in statuses) else 0


def cmd_report(args) -> int:
    from govpub.ops.report import render_report
    from govpub.ops.health import collect

    statuses, records, note = collect(settings_from_env(), runs=max(1, args.runs))
    args.out.write_text(render_report(statuses, records, note), encoding="utf-8")
    runs = sum(len(r) for r in records.values())
    print(f"wrote {args.out} ({len(statuses)} sites, {runs} runs)" + (f"; note: {note}" if note else ""))
    return 0


def cmd_index(args) -> int:
    from govpub.pipeline.rebuild import index_archive

    result = index_archive(settings_from_env(), args.site)
    return 1 if result["errors"] else 0


def cmd_reconcile(args) -> int:
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.converge import reconcile

    context = RunContext(settings_from_env(), echo=lambda line: print(line, file=sys.stderr if args.json else sys.stdout))
    found = reconcile(context, site=args.site, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    return 1 if found.errors else 0


def cmd_reindex(args) -> int:
    from govpub.pipeline.rebuild import rebuild_index

    rebuild_index(settings_from_env(), rebuild_id=args.rebuild_id, keep_old=args.keep_old)
    return 0


def cmd_reparse(args) -> int:
    from govpub.pipeline.rebuild import reparse

    result = reparse(settings_from_env(), site=args.site, update_index=not args.no_index)
    return 1 if result["errors"] else 0


def cmd_export(args) -> int:
    from govpub.archive import Archive
    from govpub.archive.export import download_snapshot, export_snapshot

    settings = settings_from_env()
    export_snapshot(settings)
    if args.download:
        manifest = download_snapshot(Archive(settings), args.download)
        print(f"copied {len(manifest['files'])} files of snapshot {manifest['export_id']} into {args.download}")
    return 0


def cmd_cdxj(args) -> int:
    from govpub.archive import Archive
    from govpub.archive.cdxj import download_collection, write_indexes

    archive = Archive(settings_from_env())
    write_indexes(archive, args.site, force=args.force)
    if args.download:
        download_collection(archive, args.download, args.site)
    return 0


def cmd_sites(args) -> int:
    from govpub.registry import load_sites

    sites = load_sites(settings_from_env().sites_dir)
    if args.json:
        print(json.dumps([s.to_dict() for s in sites.values()], ensure_ascii=False, indent=2))
        return 0
    for site in sites.values():
        print(f"{site.id:<20} {site.kind:<9} {site.schedule:<8} {site.name}")
        for url in site.start_urls:
            print(f"{'':<20} {url}")
    return 0


def _probe(args):
    from govpub.ops.probe import probe

    settings = settings_from_env()
    return settings, probe(args.url, site_id=args.site_id, agency=args.agency, name=args.name, region=args.region,
                           kind=args.kind, user_agent=settings.user_agent, delay=args.delay, timeout=settings.http_timeout,
                           download_delay=args.download_delay)


def cmd_sites_probe(args) -> int:
    from govpub.ops.probe import render

    _, report = _probe(args)
    print(render(report))
    return 0 if report.ok else 1


def cmd_sites_add(args) -> int:
    from govpub.ops.probe import ProbeFailed, add_entry, render

    if not args.site_id or not args.agency:
        print("govpub sites add: --id and --agency are required", file=sys.stderr)
        return 2
    settings, report = _probe(args)
    print(render(report))
    target = args.file or settings.sites_dir / "added.toml"
    try:
        add_entry(report, target)
    except ProbeFailed as exc:
        print(f"not written: {exc}", file=sys.stderr)
        return 1
    print(f"wrote site {report.entry['id']!r} to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
