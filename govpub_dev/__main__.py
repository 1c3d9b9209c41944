"""`python -m govpub_dev` — local development tooling, run from the checkout.

    services up|down|status|reset [elasticsearch] [s3] [airflow] [celery] [redis] [postgres]
    sample-site [--port 8765]    serve the bundled sample bureaus
    demo [--query 课后服务]       the main job end to end on the sample site, then a sample search
    celery-demo [--kill-crawl-worker]  the DAG triggered for real on the CeleryExecutor stack

Exit codes as for `govpub`: 0 success, 1 the work ran but reported errors, 2 bad input or an
unreachable service (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from govpub.settings import Settings
from govpub_dev import samplesite


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m govpub_dev",
        description="Local development tooling for govpub: services, sample site, demo.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    p = commands.add_parser(
        "services",
        help="start/stop/check the local Elasticsearch and S3 servers",
        description="Manage local services (no Docker): Elasticsearch (integ-test-zip from Maven Central), "
        "S3Proxy (filesystem-nio2 backend), and optionally the Airflow UI. Installs what is missing.",
    )
    p.add_argument("action", choices=["up", "down", "status", "reset"])
    p.add_argument(
        "names", nargs="*", metavar="SERVICE",
        help="elasticsearch, s3, airflow, celery (CeleryExecutor stack: also starts redis, postgres) "
        "(default: elasticsearch s3)",
    )
    p.set_defaults(handler=cmd_services)

    p = commands.add_parser(
        "sample-site",
        help="serve the bundled sample bureau sites on 127.0.0.1",
        description=samplesite.DESCRIPTION + " Runs until Ctrl-C.",
    )
    samplesite.add_arguments(p)
    p.set_defaults(handler=samplesite.run)

    p = commands.add_parser(
        "demo",
        help="the main job end to end on the sample site, then a sample search",
        description="Start services, serve the sample site, run the govpub_crawl DAG with "
        "`airflow dags test`, then print a sample search and where to look.",
    )
    p.add_argument("--query", default="课后服务", help="the sample search (default: 课后服务)")
    p.set_defaults(handler=cmd_demo)

    p = commands.add_parser(
        "celery-demo",
        help="the govpub_crawl DAG triggered for real on the CeleryExecutor stack (two workers)",
        description="Start the Celery stack (Redis, PostgreSQL, Airflow api-server, scheduler, dag-processor, "
        "workers `crawl` and `process`), trigger govpub_crawl through the REST API and show which worker ran what.",
    )
    p.add_argument("--site", action="append", help="a site id to crawl (repeatable; default every site)")
    p.add_argument("--kill-crawl-worker", action="store_true",
                   help="SIGKILL the worker of the first crawl mid-crawl and show the retry on the other worker")
    p.set_defaults(handler=cmd_celery_demo)
    return parser


def cmd_celery_demo(args) -> int:
    from govpub_dev import celery_demo

    argv = [f"--site={site}" for site in args.site or []] + (["--kill-crawl-worker"] if args.kill_crawl_worker else [])
    return celery_demo.main(argv)


def cmd_services(args) -> int:
    from govpub_dev import services

    settings = Settings.from_env()
    names = tuple(args.names) or services.DEFAULT_SERVICES
    if args.action == "up":
        services.up(settings, names)
    elif args.action == "down":
        # Airflow first, so no running task loses Elasticsearch or S3 under it.
        services.down(settings, names if args.names else services.STOP_ORDER)
    elif args.action == "reset":
        services.reset(settings, names)
    statuses = services.status(settings)
    for s in statuses:
        state = "running" if s.running else "stopped"
        print(f"{s.name:<14} {state:<8} {s.url or '':<28} {s.detail or ''}")
    if args.action == "status":
        return 0 if all(s.running for s in statuses if s.name in names) else 1
    return 0


def cmd_demo(args) -> int:
    from govpub_dev.demo import run_demo

    return run_demo(Settings.from_env(), query=args.query)


def main(argv: list[str] | None = None) -> int:
    from govpub.cli import _is_user_facing, run_command
    from govpub_dev.services import ServiceError

    def user_facing(exc: Exception) -> bool:  # govpub's own one-line errors, and the supervisor's
        return isinstance(exc, ServiceError) or _is_user_facing(exc)

    return run_command("govpub_dev", build_parser(), argv, user_facing)


if __name__ == "__main__":
    sys.exit(main())
