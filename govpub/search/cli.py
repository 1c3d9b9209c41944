"""`govpub search` and `govpub serve`: the command-line side of search (wired into govpub/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from typing import TYPE_CHECKING

from govpub.search.formats import EXPORT_FORMATS

if TYPE_CHECKING:
    from govpub.settings import Settings

QUERY_HELP = """query syntax: words are ANDed; "课后服务" (or “…”, 「…」) is an exact phrase; OR or |
for either; -word or NOT word excludes; (…) groups; title:要点 searches titles; site: type: year:
source: agency: region: number: filter. Traditional characters find simplified documents."""


def add_commands(commands) -> None:
    p = commands.add_parser(
        "search",
        help="full-text search (Chinese, simplified or traditional)",
        description="Search the index and print a table of hits (or --json, or --export FILE for every hit).",
        epilog=QUERY_HELP,
    )
    p.add_argument("query", metavar="QUERY", nargs="?", default="", help="query text (empty: everything, newest first)")
    p.add_argument("--site", action="append", help="only this site id (repeat for several)")
    p.add_argument("--agency", action="append", help="only this agency (机构; repeatable)")
    p.add_argument("--source", action="append", help="only this source (来源; repeatable)")
    p.add_argument("--region", action="append", help="only this region (地区; repeatable)")
    p.add_argument("--type", dest="doc_type", action="append", help="only this doc type, e.g. 工作要点 (repeatable)")
    p.add_argument("--year", action="append", help="the year documents are about (repeatable)")
    p.add_argument("--status", action="append", choices=["active", "deleted"], help="active or deleted documents")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="published on or after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="published on or before YYYY-MM-DD")
    p.add_argument("--sort", choices=["relevance", "date", "date_asc"], help="default: relevance with words, else date")
    p.add_argument("--page", type=int, default=1, help="page number (default 1)")
    p.add_argument("--size", type=int, default=10, help="hits per page (default 10, at most 100)")
    copies = p.add_mutually_exclusive_group()
    copies.add_argument("--all-copies", dest="collapse", action="store_false",
                        help="list every copy of a duplicated document (default: one hit per duplicate cluster, "
                             "the official copy shown, the others as 'also published at')")
    copies.add_argument("--collapse", dest="collapse", action="store_true", help=argparse.SUPPRESS)  # the default
    p.set_defaults(collapse=True)
    p.add_argument("--facets", action="store_true", help="also print facet counts")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--export", metavar="FILE", help="write EVERY hit to FILE (.csv or .jsonl; '-' = stdout)")
    p.add_argument("--format", choices=EXPORT_FORMATS, help="export format (default: from FILE's extension)")
    p.set_defaults(handler=cmd_search)

    p = commands.add_parser(
        "cite",
        help="how to cite a document (GB/T 7714-2015, CSL-JSON, RIS, BibTeX)",
        description="Print the citation of an indexed document (its id from `govpub search --json`). A repost "
                    "is cited under the agency of its official copy.",
    )
    p.add_argument("doc_id", metavar="ID", help="document id")
    p.add_argument("--format", dest="cite_format", default="gbt7714",
                   choices=["gbt7714", "csl-json", "ris", "bibtex"], help="default gbt7714")
    p.add_argument("--accessed", metavar="YYYY-MM-DD", help="the access date cited (引用日期; default today)")
    p.set_defaults(handler=cmd_cite)

    p = commands.add_parser(
        "serve",
        help="serve the search API and web page",
        description="Run the read-only search API (OpenAPI at /docs) and the search page on HOST:PORT.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(handler=cmd_serve)


def _fail(message: str) -> int:
    print(f"govpub: error: {message}", file=sys.stderr)
    return 2


def cmd_search(args) -> int:
    from govpub import index
    from govpub.search import engine
    from govpub.search import render
    from govpub.search.language import QueryError
    from govpub.search.params import SearchParams

    from govpub.settings import Settings  # not at import: `govpub --help` stays fast

    settings = Settings.from_env()
    if args.page < 1:
        return _fail("--page starts at 1")
    try:
        params = SearchParams.make(
            args.query, site=args.site, agency=args.agency, source=args.source, region=args.region,
            doc_type=args.doc_type, year=args.year, status=args.status, date_from=args.date_from,
            date_to=args.date_to, sort=args.sort, collapse=args.collapse,
            offset=0 if args.export else (args.page - 1) * args.size, size=0 if args.export else args.size,
            facets=args.facets or args.json,
        )
    except QueryError as exc:
        return _fail(str(exc))
    es = index.client(settings)
    index.check_reachable(es, settings)
    if args.export:
        return _export(es, settings, params, args)
    try:
        result = engine.search(es, settings.es_alias, params)
    except QueryError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(render.format_hits_table(result))
    if args.facets and result.facets:
        print("facets (documents/clusters):" if params.collapse else "facets (documents):")
        print(render.format_facets(result.facets))
    return 0


def _export(es, settings: Settings, params, args) -> int:
    from govpub.search import engine
    from govpub.search.formats import export_lines

    fmt = args.format or ("jsonl" if args.export.endswith((".jsonl", ".ndjson")) else "csv")
    rows = engine.iter_export(es, settings.es_alias, params)
    started, count = time.monotonic(), 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            if count % 1000 == 0:
                print(f"  exported {count} documents…", file=sys.stderr)
            yield row

    lines = export_lines(counted(), fmt)
    if args.export == "-":
        for line in lines:
            sys.stdout.write(line)
        sys.stdout.flush()
    else:
        path = Path(args.export)
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            for line in lines:
                fh.write(line)
        tmp.replace(path)  # a complete file or none
    print(f"exported {count} documents as {fmt} to {args.export} in {time.monotonic() - started:.1f}s",
          file=sys.stderr)
    return 0


def cmd_cite(args) -> int:
    from datetime import date, datetime, timezone

    from govpub import index
    from govpub.search import citations, engine
    from govpub.settings import Settings

    try:
        day = date.fromisoformat(args.accessed) if args.accessed else datetime.now(timezone.utc).date()
    except ValueError:
        return _fail(f"--accessed wants a date as YYYY-MM-DD, got {args.accessed[:40]!r}")
    settings = Settings.from_env()
    es = index.client(settings)
    index.check_reachable(es, settings)
    doc = engine.get_document(es, settings.es_alias, args.doc_id)
    if doc is None:
        return _fail(f"no document {args.doc_id}")
    doc["attribution"] = engine.attribution_of(doc)
    text = citations.citation(doc, args.cite_format, day)
    print(json.dumps([text], ensure_ascii=False, indent=2) if isinstance(text, dict) else text.rstrip("\r\n"))
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from govpub import index

    from govpub.settings import Settings  # not at import: `govpub --help` stays fast

    settings = Settings.from_env()
    es = index.client(settings)
    index.check_reachable(es, settings)
    print(f"govpub search on http://{args.host}:{args.port}/ (API docs /docs) — index {settings.es_alias} "
          f"at {settings.es_url}", file=sys.stderr)
    if args.workers > 1:
        uvicorn.run("govpub.search.api:app", host=args.host, port=args.port, workers=args.workers, log_level="info")
    else:
        from govpub.search.api import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
