"""Scale-out measurement: N sample sites crawled concurrently on this machine.

The bundled sample bureaus are served under N different loopback addresses
(127.0.0.2 … 127.0.0.{N+1}: all loopback on Linux, so each site is its own domain with its
own robots.txt and Scrapy download slot). A temporary registry holds N sites (the three
sample site layouts in turn). Each site runs the same four functions the DAG's mapped task
group runs — crawl (a Scrapy child process) → parse → archive → index — on the shared
local S3 and Elasticsearch, in a bucket and alias of the benchmark's own (deleted after).

Side by side in one run: a sequential baseline (the first --baseline sites, one at a
time) and all N sites with --concurrency crawls at once (what N Airflow worker slots do).
Prints throughput (pages/s, documents/s), wall time, the ratio between the two, peak
memory (RSS of the Scrapy processes: the largest one and the largest sum at one moment;
and this process, which runs parse/archive/index), and correctness: every site's documents
counted against sample_site/manifest.json, the index count against the total.

    .venv/bin/python bench/scale_crawl.py [--sites 50] [--concurrency 8] [--baseline 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from govpub import index  # noqa: E402
from govpub_dev import services
from govpub.archive import Archive  # noqa: E402
from govpub.settings import Settings
from govpub.pipeline.context import RunContext
from govpub.pipeline.run import process_crawl, run_steps
from govpub.pipeline.crawl_step import crawl_sites
from govpub_dev.samplesite import load_manifest, make_server

TEMPLATES = ("longwan-jyj", "jintan-jyj", "fanwen")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def write_registry(directory: Path, hosts: list[str], port: int) -> dict[str, str]:
    """sites.toml with one site per host; returns {site id: template site id}."""
    raw = tomllib.loads((REPO / "sites" / "sample.toml").read_text(encoding="utf-8"))
    templates = {entry["id"]: entry for entry in raw["site"]}
    lines, kinds = [], {}
    for number, host in enumerate(hosts, start=1):
        template = templates[TEMPLATES[(number - 1) % len(TEMPLATES)]]
        site_id = f"bench-{number:03d}"
        kinds[site_id] = template["id"]
        path = urlsplit(template["start_urls"][0].split("}", 1)[-1]).path
        entry = {k: v for k, v in template.items() if k != "links"}
        entry |= {"id": site_id, "allowed_domains": [host], "start_urls": [f"http://{host}:{port}{path}"],
                  "download_delay": 0.0}
        lines.append("[[site]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        lines.append("[site.links]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in template["links"].items()]
        lines.append("")
    (directory / "bench.toml").write_text("\n".join(lines), encoding="utf-8")
    return kinds


class MemorySampler(threading.Thread):
    """Polls /proc for the RSS of this process's descendants (the Scrapy crawls)."""

    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_total = 0
        self.peak_single = 0
        self._halt = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._halt.is_set():
            children: dict[int, list[int]] = {}
            rss: dict[int, int] = {}
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    stat = (proc / "stat").read_text()
                    ppid = int(stat.rsplit(")", 1)[1].split()[1])
                    pages = int((proc / "statm").read_text().split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(proc.name))
                rss[int(proc.name)] = pages * os.sysconf("SC_PAGE_SIZE")
            stack, total = list(children.get(me, [])), 0
            while stack:
                pid = stack.pop()
                total += rss.get(pid, 0)
                self.peak_single = max(self.peak_single, rss.get(pid, 0))
                stack += children.get(pid, [])
            self.peak_total = max(self.peak_total, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_one(settings: Settings, site_id: str, run_id: str) -> dict:
    quiet = lambda line: None  # noqa: E731
    started = time.monotonic()
    steps = run_steps(RunContext(settings, echo=quiet), site_id, run_id, "2026-11-23")
    return {"site": site_id, "pages": steps.crawl.pages_fetched, "bytes": steps.crawl.bytes_fetched,
            "documents": steps.index.documents_indexed, "errors": len(steps.crawl.errors) + len(steps.parse.errors),
            "seconds": round(time.monotonic() - started, 2)}


def run_group(settings: Settings, site_ids: list[str], run_id: str) -> list[dict]:
    """Several sites crawled in ONE Scrapy process (crawl_step.crawl_sites), then each site's
    parse → archive → index; a site whose crawl failed raises after the others ran."""
    quiet = lambda line: None  # noqa: E731
    started = time.monotonic()
    context = RunContext(settings, echo=quiet)
    crawls = crawl_sites(context, site_ids, run_id, "2026-11-23")
    results, failed = [], []
    for site_id, crawl in crawls.items():
        if isinstance(crawl, Exception):
            failed.append(f"{site_id}: {crawl}")
            continue
        steps = process_crawl(context, crawl)
        results.append({"site": site_id, "pages": crawl.pages_fetched, "bytes": crawl.bytes_fetched,
                        "documents": steps.index.documents_indexed, "errors": len(crawl.errors) + len(steps.parse.errors),
                        "seconds": round(time.monotonic() - started, 2)})
    if failed:
        raise RuntimeError("; ".join(failed))
    return results


def run_batch(settings: Settings, site_ids: list[str], concurrency: int, run_id: str, label: str,
              group: int = 0) -> dict:
    """The sites with `concurrency` worker slots; group > 0: each slot runs `group` sites' crawls
    in one Scrapy process (else one process per site)."""
    sampler = MemorySampler()
    sampler.start()
    started = time.monotonic()
    results, failures = [], []
    units = [site_ids[i:i + group] for i in range(0, len(site_ids), group)] if group else [[s] for s in site_ids]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {pool.submit(run_group, settings, unit, run_id) if group else
                   pool.submit(lambda s: [run_one(settings, s, run_id)], unit[0]): unit for unit in units}
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                results.extend(future.result())
            except Exception as exc:  # noqa: BLE001 - reported, counted as a failure
                failures.append(f"{','.join(futures[future])}: {exc}".splitlines()[0])
                print(f"    ! {failures[-1]}", file=sys.stderr, flush=True)
            print(f"    [{label}] {done}/{len(units)} {'groups' if group else 'sites'} done", file=sys.stderr, flush=True)
    wall = time.monotonic() - started
    sampler.stop()
    pages = sum(r["pages"] for r in results)
    docs = sum(r["documents"] for r in results)
    return {
        "label": label, "sites": len(site_ids), "concurrency": concurrency, "group": group, "wall_seconds": round(wall, 1),
        "pages": pages, "documents": docs, "bytes": sum(r["bytes"] for r in results),
        "pages_per_second": round(pages / wall, 1), "documents_per_second": round(docs / wall, 2),
        "site_seconds_median": sorted(r["seconds"] for r in results)[len(results) // 2] if results else None,
        "peak_crawl_rss_mb": round(sampler.peak_single / 2**20), "peak_children_rss_total_mb":
            round(sampler.peak_total / 2**20), "failures": failures, "results": results,
    }


def check_archived(settings: Settings, site_ids: list[str], kinds: dict[str, str], expected: dict[str, int]
                   ) -> tuple[list[str], int]:
    """Every site's documents (latest.json) in the archive, counted against the manifest; and the index count."""
    archive, es, wrong = Archive(settings), index.client(settings), []
    for site_id in site_ids:
        have = sum(1 for key in archive.list_keys(f"{settings.s3_prefix}documents/{site_id}/")
                   if key.endswith("/latest.json"))
        if have != expected[kinds[site_id]]:
            wrong.append(f"{site_id}: {have} documents, expected {expected[kinds[site_id]]}")
    es.indices.refresh(index=settings.es_alias)
    return wrong, index.count(es, settings.es_alias)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=50, help="number of sample sites (≤ 250)")
    parser.add_argument("--concurrency", type=int, default=8, help="site pipelines at once (worker slots)")
    parser.add_argument("--baseline", type=int, default=5, help="sites run one at a time first (0 = none)")
    parser.add_argument("--group", type=int, default=0,
                        help="also run every site again with this many sites' crawls per Scrapy process "
                             "(--group-concurrency slots), in its own run id, side by side")
    parser.add_argument("--group-concurrency", type=int, default=2, help="worker slots for the grouped batch")
    parser.add_argument("--skip-concurrent", action="store_true", help="leave out the one-process-per-site batch")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.sites <= 250:
        parser.error("--sites must be between 1 and 250")

    base = Settings.from_env()
    services.ensure_up(base, ("elasticsearch", "s3"))
    tag = uuid.uuid4().hex[:8]
    hosts = [f"127.0.0.{n}" for n in range(2, args.sites + 2)]
    servers = [make_server(hosts[0], 0, quiet=True)]
    port = servers[0].server_address[1]
    servers += [make_server(host, port, quiet=True) for host in hosts[1:]]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    expected_per_template = {t: sum(1 for a in load_manifest()["articles"] if a["site"] == t) for t in TEMPLATES}
    with TemporaryDirectory(prefix="govpub-bench-sites-") as registry:
        kinds = write_registry(Path(registry), hosts, port)
        settings = base.with_overrides(sites_dir=Path(registry), s3_bucket=f"govpub-bench-{tag}",
                                       es_alias=f"govpub-bench-{tag}")
        archive = Archive(settings)
        archive.ensure_bucket()
        es = index.client(settings)
        site_ids = sorted(kinds)
        print(f"==> {args.sites} sample sites on {hosts[0]} … {hosts[-1]} (port {port}); "
              f"{os.cpu_count()} CPUs; bucket {settings.s3_bucket}", file=sys.stderr, flush=True)
        try:
            batches = []
            if args.baseline:
                print(f"==> baseline: {args.baseline} sites one at a time", file=sys.stderr, flush=True)
                batches.append(run_batch(settings, site_ids[: args.baseline], 1, f"bench-{tag}-seq", "sequential"))
            if not args.skip_concurrent:
                print(f"==> {args.sites} sites, {args.concurrency} at a time", file=sys.stderr, flush=True)
                batches.append(run_batch(settings, site_ids, args.concurrency, f"bench-{tag}-par", "concurrent"))
            if args.group:
                # its own bucket and alias: no crawl state from the batch before (no 304s), same work
                grouped = settings.with_overrides(s3_bucket=f"govpub-bench-{tag}-grp", es_alias=f"govpub-bench-{tag}-grp")
                Archive(grouped).ensure_bucket()
                print(f"==> {args.sites} sites, {args.group} per Scrapy process, {args.group_concurrency} at a time",
                      file=sys.stderr, flush=True)
                try:
                    batches.append(run_batch(grouped, site_ids, args.group_concurrency, f"bench-{tag}-grp", "grouped",
                                             group=args.group))
                    group_wrong, group_indexed = check_archived(grouped, site_ids, kinds, expected_per_template)
                    batches[-1]["failures"] += group_wrong
                    if group_indexed != sum(expected_per_template[kinds[s]] for s in site_ids):
                        batches[-1]["failures"].append(f"grouped: {group_indexed} documents indexed")
                finally:
                    index.delete_alias_and_indices(es, grouped.es_alias)
                    Archive(grouped).delete_bucket_contents_and_bucket()
            wrong, indexed = check_archived(settings, site_ids, kinds, expected_per_template)
            expected_total = sum(expected_per_template[kinds[s]] for s in site_ids)
            # Storage per document, for sizing: index (primary store) and S3 (raw WARC, document JSON).
            stats = es.indices.stats(index=settings.es_alias, metric="store")["_all"]["primaries"]["store"]
            sizes: dict[str, int] = {}
            for page in archive.s3.get_paginator("list_objects_v2").paginate(Bucket=settings.s3_bucket):
                for item in page.get("Contents", []):
                    top = item["Key"][len(settings.s3_prefix):].split("/", 1)[0]
                    sizes[top] = sizes.get(top, 0) + item["Size"]
            storage = {"index_bytes_per_doc": round(stats["size_in_bytes"] / max(indexed, 1)),
                       "s3_bytes_by_prefix": sizes,
                       "s3_document_json_bytes_per_doc": round(sizes.get("documents", 0) / max(indexed, 1))}
        finally:
            index.delete_alias_and_indices(es, settings.es_alias)
            archive.delete_bucket_contents_and_bucket()
            for server in servers:
                server.shutdown()
                server.server_close()

    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    summary = {
        "sites": args.sites, "concurrency": args.concurrency, "cpus": os.cpu_count(), "batches": batches,
        "documents_expected": expected_total, "documents_indexed": indexed, "sites_wrong": wrong,
        "bench_process_peak_rss_mb": self_rss, "storage": storage,
    }
    if args.json:
        for batch in batches:
            batch.pop("results")
        print(json.dumps(summary, indent=1))
    else:
        print(f"{'batch':<11} {'sites':>5} {'conc':>4} {'wall s':>7} {'pages':>6} {'docs':>5} {'pages/s':>8} "
              f"{'docs/s':>7} {'site s (median)':>15} {'crawl RSS max MB':>16} {'crawls RSS sum MB':>17}")
        for b in batches:
            print(f"{b['label']:<11} {b['sites']:>5} {b['concurrency']:>4} {b['wall_seconds']:>7} {b['pages']:>6} "
                  f"{b['documents']:>5} {b['pages_per_second']:>8} {b['documents_per_second']:>7} "
                  f"{b['site_seconds_median']:>15} {b['peak_crawl_rss_mb']:>16} {b['peak_children_rss_total_mb']:>17}")
        for later in batches[1:]:
            for earlier in batches[: batches.index(later)]:
                ratio = later["pages_per_second"] / earlier["pages_per_second"]
                print(f"throughput ratio {later['label']}/{earlier['label']}: {ratio:.2f}x (pages/s)")
        print(f"this process (parse/archive/index for all sites) peak RSS: {self_rss} MB")
        print(f"storage: index {storage['index_bytes_per_doc']} B/doc (primaries, before merges); "
              f"S3 by prefix {storage['s3_bytes_by_prefix']} (raw holds both batches' WARC)")
        print(f"correctness: {indexed} documents indexed, {expected_total} expected; "
              f"{args.sites - len(wrong)}/{args.sites} sites with every manifest document archived")
        for line in wrong + [f for b in batches for f in b["failures"]]:
            print(f"  ! {line}")
    ok = not wrong and indexed == expected_total and not any(b["failures"] for b in batches)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
