#!/usr/bin/env python
"""S3 requests per site run, by operation, on the bundled sample sites.

Puts a counting reverse proxy (bench/s3_counter.py) in front of the real S3 endpoint and points
the pipeline at it (GOVPUB_S3_ENDPOINT=<proxy>), with a fresh bucket and Elasticsearch alias
(govpub-bench-s3req-<random>) and a private sample-site server. Each sample site is run twice,
one site after the other: round 1 (first crawl, every document new) and round 2 (an incremental
re-crawl, nothing changed: conditional requests answer 304). The counters are reset around every
site run, so each row is one site's run, the Scrapy child process included.

Two modes (default: both, each with its own bucket and alias):

  cli    `govpub crawl SITE --run-id …` as a subprocess: crawl → parse → archive → index →
         clusters → stats, in one process (pipeline.run_site). The DAG runs the same steps as
         separate tasks, except that it recomputes the clusters once per DAG run, after all sites,
         where `govpub crawl` does it after every site
  steps  the same steps called one by one in this process (the crawl step still runs Scrapy as a
         child process), the counters read between steps: requests per step

Printed: per site × round, requests per operation, the total, requests per document (per new
document in round 1, per unchanged document in round 2), 4xx/5xx answers (5xx would be boto3
retries), TCP connections; round totals by key area (raw/, documents/, runs/, state/, clusters/);
for `steps`, the same per step, and a check that the steps add up to what `govpub crawl` made.

    .venv/bin/python bench/s3_requests.py                     # needs `python -m govpub_dev services up` (S3 + ES)
    .venv/bin/python bench/s3_requests.py --mode cli --latency-ms 30 --json counts.json

Every use of govpub internals is in one section of bench/s3_requests.py ("govpub internals":
govpub_api()).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

# govpub_dev (dev tooling) runs from the checkout; it is not installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import s3_counter  # noqa: E402  (bench/s3_counter.py: no govpub imports)
from s3_tables import print_cli, print_steps  # noqa: E402

from s3_tables import ROUNDS  # noqa: E402


# == govpub internals: the ONLY place this bench imports govpub ==============================
def govpub_api() -> SimpleNamespace:
    """Everything the bench needs from govpub, behind plain names. Adapt here after a layout change.

    (The "before" figures in README.md were measured with this bench on the flat layout of
    0cb8b3f; git history has the version of this section that imports it.)
    """
    from govpub import index
    from govpub.archive import Archive
    from govpub.ops.stats import record_site_run, stats_alias
    from govpub.pipeline.clusters import update_clusters
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.crawl_step import crawl_site
    from govpub.pipeline.steps import archive_site, index_site, parse_site
    from govpub.registry import load_sites
    from govpub.settings import REPO_ROOT, Settings
    from govpub_dev.samplesite import make_server

    settings_to_env = Settings.to_env
    layout = "packages, typed step results and one RunContext"

    def site_steps(settings, site_id: str, run_id: str, echo):
        """The steps `govpub crawl` runs (pipeline.run_site), one at a time: yields (name, thunk).
        One RunContext; each step is handed the previous result, as run_site does."""
        context, done = RunContext(settings, echo=echo), {}

        def step(name, run):
            done[name] = run()
            return done[name].to_dict()

        yield "crawl", lambda: step("crawl", lambda: crawl_site(context, site_id, run_id))
        yield "parse", lambda: step("parse", lambda: parse_site(context, done["crawl"]))
        yield "archive", lambda: step("archive", lambda: archive_site(context, done["parse"], done["crawl"]))
        yield "index", lambda: step("index", lambda: index_site(context, done["archive"]))
        yield "clusters", lambda: step("clusters", lambda: update_clusters(context))
        yield "stats", lambda: record_site_run(
            settings, site_id, run_id, run_date=done["crawl"].crawl_date, echo=echo, archive=context.archive,
            es=context.es, documents=done["parse"].documents,
            steps=context.step_records(run_id, site_id)).to_dict()

    def documents_of(step_stats: dict) -> dict:
        """Document counts of a site run, from the archive step's stats (also `govpub crawl --json`)."""
        return {k: step_stats.get(f"documents_{k}", 0) for k in ("new", "changed", "unchanged", "not_modified")}

    def cleanup(settings) -> None:
        Archive(settings).delete_bucket_contents_and_bucket()
        es = index.client(settings)
        for alias in (settings.es_alias, stats_alias(settings)):
            index.delete_alias_and_indices(es, alias)

    def loaded_from() -> list[str]:
        """Files of the loaded govpub modules (a namespace package can mix checkouts)."""
        return sorted({getattr(m, "__file__", None) or "?" for n, m in sys.modules.items()
                       if n.split(".")[0] in ("govpub", "govpub_dev")} - {"?"})

    return SimpleNamespace(
        layout=layout,
        repo_root=Path(REPO_ROOT),
        base_settings=Settings.from_env,
        override=lambda settings, **kw: settings.with_overrides(**kw),
        settings_to_env=settings_to_env,
        ensure_bucket=lambda settings: Archive(settings).ensure_bucket(),
        cleanup=cleanup,
        site_ids=lambda settings: sorted(load_sites(settings.sites_dir)),
        make_sample_server=lambda: make_server("127.0.0.1", 0, quiet=True),
        site_steps=site_steps,
        documents_of=documents_of,
        loaded_from=loaded_from,
        # `govpub crawl` as a child process (the console script next to this interpreter, else on PATH)
        cli=[str(Path(sys.executable).with_name("govpub"))] if Path(sys.executable).with_name("govpub").exists()
        else ["govpub"],
        cli_check=[sys.executable, "-c", "import govpub.cli, govpub.pipeline; print(govpub.cli.__file__)"],
    )
# == end of govpub internals ==================================================================


def area_of(key: str) -> str:
    """The archive area of a key (a listing's prefix): raw/ documents/ runs/ state/ clusters/ … (its first
    path segment); "(bucket)" for bucket requests and listings of the whole bucket."""
    return key.split("/", 1)[0] + "/" if "/" in key else ("(bucket)" if not key else key)


def by_area(requests) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {}
    for r in requests:
        out.setdefault(area_of(r.key), Counter())[r.op] += 1
    return {area: dict(c) for area, c in sorted(out.items())}


def snapshot(proxy: s3_counter.CountingProxy) -> dict:
    requests = proxy.requests()
    extra = proxy.extra()
    counts = proxy.reset()
    if len(requests) != sum(counts.values()):  # requests still in flight when the counters were read
        print(f"WARNING: {sum(counts.values())} requests counted but {len(requests)} completed", file=sys.stderr)
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "4xx": sum(1 for r in requests if 400 <= r.status < 500),
        "5xx": sum(1 for r in requests if r.status >= 500),
        "404_by_op": dict(Counter(r.op for r in requests if r.status == 404)),
        "by_area": by_area(requests),
        "bytes_up": sum(r.sent for r in requests),
        "bytes_down": sum(r.received for r in requests),
        "connections": extra["connections"],
        "framing": extra["framing"],
    }


class Bench:
    def __init__(self, api: SimpleNamespace, args: argparse.Namespace):
        self.api, self.args = api, args
        self.base = api.base_settings()
        upstream = args.upstream or self.base.s3_endpoint
        if not upstream:
            raise SystemExit("no S3 endpoint: set GOVPUB_S3_ENDPOINT or pass --upstream")
        self.upstream = upstream
        self.proxy = s3_counter.start(upstream, latency_ms=args.latency_ms)
        self.server = api.make_sample_server()
        threading.Thread(target=self.server.serve_forever, name="sample-site", daemon=True).start()
        self.sample_url = "http://%s:%s" % self.server.server_address[:2]
        self.created: list = []  # settings (real endpoint) of every bucket/alias to delete

    def fresh(self, mode: str):
        """(settings through the proxy, settings to the real endpoint) with a new bucket and alias."""
        name = f"govpub-bench-s3req-{uuid.uuid4().hex[:8]}"
        direct = self.api.override(self.base, s3_endpoint=self.upstream, s3_bucket=name, es_alias=name,
                                   sample_site_url=self.sample_url)
        self.created.append(direct)
        self.api.ensure_bucket(direct)  # as in production the bucket exists (not counted)
        return self.api.override(direct, s3_endpoint=self.proxy.url), direct

    def child_env(self, settings) -> dict:
        env = {**os.environ, **self.api.settings_to_env(settings)}
        env.pop("GOVPUB_ES_STATS_ALIAS", None)  # the stats alias must derive from the bench's alias
        # the child runs the same code as this process (the editable install may point elsewhere)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.api.repo_root), os.environ.get("PYTHONPATH")]))
        return env

    def say(self, line: str) -> None:
        if self.args.verbose:
            print("    " + line, file=sys.stderr, flush=True)

    # -- mode cli ---------------------------------------------------------------------------
    def run_cli(self, sites: list[str]) -> list[dict]:
        settings, _ = self.fresh("cli")
        env = self.child_env(settings)
        check = subprocess.run(self.api.cli_check, env=env, cwd=self.api.repo_root, capture_output=True, text=True)
        self.child_code = check.stdout.strip() or check.stderr.strip().splitlines()[-1:]
        rows = []
        tag = settings.s3_bucket.rsplit("-", 1)[-1]
        for rnd in ROUNDS:
            for site in sites:
                run_id = f"bench-s3req-{tag}-r{rnd}"
                self.proxy.reset()
                started = time.monotonic()
                done = subprocess.run(self.api.cli + ["crawl", site, "--run-id", run_id, "--json"], env=env,
                                      cwd=self.api.repo_root, capture_output=True, text=True, timeout=600)
                seconds = time.monotonic() - started
                snap = snapshot(self.proxy)
                for line in done.stderr.splitlines():
                    self.say(line)
                try:
                    stats = json.loads(done.stdout)
                except json.JSONDecodeError:
                    raise SystemExit(f"`govpub crawl {site}` failed (exit {done.returncode}):\n"
                                     f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
                if done.returncode not in (0, 1):
                    raise SystemExit(f"`govpub crawl {site}` exited {done.returncode}:\n{done.stderr[-3000:]}")
                rows.append({"site": site, "round": rnd, "seconds": round(seconds, 2),
                             "documents": self.api.documents_of(stats),
                             "quality_issues": [i.get("message") for i in stats.get("quality_issues", [])],
                             "errors": len(stats.get("errors", [])), **snap})
                print(f"  cli   round {rnd} {site:<14} {snap['total']:>4} S3 requests  {seconds:5.1f}s",
                      file=sys.stderr, flush=True)
        return rows

    # -- mode steps -------------------------------------------------------------------------
    def run_steps(self, sites: list[str]) -> list[dict]:
        settings, _ = self.fresh("steps")
        # the crawl step's Scrapy child inherits os.environ merged with settings_to_env(settings)
        os.environ.pop("GOVPUB_ES_STATS_ALIAS", None)
        rows = []
        tag = settings.s3_bucket.rsplit("-", 1)[-1]
        for rnd in ROUNDS:
            for site in sites:
                run_id = f"bench-s3req-{tag}-r{rnd}"
                steps, results = {}, {}
                self.proxy.reset()
                started = time.monotonic()
                for name, thunk in self.api.site_steps(settings, site, run_id, echo=self.say):
                    t0 = time.monotonic()
                    results[name] = thunk()
                    steps[name] = {**snapshot(self.proxy), "seconds": round(time.monotonic() - t0, 2)}
                seconds = time.monotonic() - started
                total = Counter()
                for snap in steps.values():
                    total.update(snap["counts"])
                rows.append({"site": site, "round": rnd, "seconds": round(seconds, 2),
                             "documents": self.api.documents_of(results["archive"]),
                             "counts": dict(total), "total": sum(total.values()),
                             "4xx": sum(s["4xx"] for s in steps.values()),
                             "5xx": sum(s["5xx"] for s in steps.values()),
                             "connections": sum(s["connections"] for s in steps.values()),
                             "steps": steps})
                print(f"  steps round {rnd} {site:<14} {sum(total.values()):>4} S3 requests  {seconds:5.1f}s",
                      file=sys.stderr, flush=True)
        return rows

    def close(self) -> None:
        errors = []
        if not self.args.keep:
            for settings in self.created:
                try:
                    self.api.cleanup(settings)
                    print(f"deleted bucket and alias {settings.s3_bucket}")
                except Exception as error:  # report, keep cleaning up the others
                    errors.append(f"cleanup of {settings.s3_bucket} failed: {error}")
        else:
            for settings in self.created:
                print(f"kept bucket s3://{settings.s3_bucket} and alias {settings.es_alias} (--keep)")
        self.proxy.close()
        self.server.shutdown()
        self.server.server_close()
        for error in errors:
            print(error, file=sys.stderr)


# -- output -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/s3_requests.py",
        description=__doc__.replace("Every use of govpub internals", "Needs Elasticsearch and S3 running; uses its own "
                                    "bucket, alias and sample-site server, and deletes them at the end (unless --keep). "
                                    "The default run takes about 70 s.\n\nEvery use of govpub internals"),
        epilog="Progress goes to stderr, tables to stdout. Settings (S3 endpoint and credentials, ES URL) come from the "
        "GOVPUB_* environment as usual; the bucket, alias and sample-site URL are the bench's own.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--mode", choices=("cli", "steps", "both"), default="both",
                        help="cli: `govpub crawl` per site run; steps: the steps one by one in this process, "
                        "counted per step; both (default): cli, then steps on a second fresh bucket, and "
                        "check that they agree")
    parser.add_argument("--sites", nargs="+", metavar="ID",
                        help="site ids, run in this order (default: every site of the registry, sorted); "
                        "order matters: the clusters step reads every document archived so far")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="delay added to every S3 round trip by the proxy, in ms (default 0)")
    parser.add_argument("--upstream", help="the real S3 endpoint (default: GOVPUB_S3_ENDPOINT, "
                        "else http://127.0.0.1:9000)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every count as JSON to PATH")
    parser.add_argument("--keep", action="store_true", help="keep the bucket(s) and alias(es) (default: delete)")
    parser.add_argument("-v", "--verbose", action="store_true", help="echo the pipeline's own output (stderr)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keeps stdout and the stderr progress lines in order

    api = govpub_api()
    bench = Bench(api, args)
    sites = args.sites or api.site_ids(bench.base)
    started = time.monotonic()
    print(f"S3 requests per site run — sites {', '.join(sites)}; proxy {bench.proxy.url} → {bench.upstream}"
          f" (added latency {args.latency_ms:g} ms); sample site {bench.sample_url}")
    result: dict = {"sites": sites, "latency_ms": args.latency_ms, "upstream": bench.upstream}
    try:
        if args.mode in ("cli", "both"):
            result["cli"] = bench.run_cli(sites)
        if args.mode in ("steps", "both"):
            result["steps"] = bench.run_steps(sites)
    finally:
        bench.close()
    print(f"govpub code: {api.repo_root}, {api.layout} layout (bench process)"
          + (f"; `govpub crawl` child imports {bench.child_code}" if getattr(bench, "child_code", None) else ""))
    strays = [f for f in api.loaded_from() if not f.startswith(str(api.repo_root))]
    if strays:
        print(f"WARNING: govpub modules loaded from outside {api.repo_root}: {', '.join(strays)}")
    if "cli" in result:
        print_cli(result["cli"])
    if "steps" in result:
        print_steps(result["steps"], result.get("cli"))
    print(f"\nround 1 = first crawl into an empty bucket (every document new); round 2 = incremental re-crawl,"
          f" same day, nothing changed. Sites run in the order shown. {time.monotonic() - started:.0f}s in all.")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
