#!/usr/bin/env python
"""Throughput of a site run at scale: one generated column of 2,000+ articles through the real steps.

The column is generated with the sample site's own templates (sample_site/sitegen, the TRS
layout of /longwan/) into a temporary directory and served on 127.0.0.1 — it is not part of
sample_site/. Every article is a distinct mix of paragraphs of the sample texts, so the
duplicate clusters stay small as they would on a real column. Politeness is off (no delay,
16 requests at a time).

The same column runs through `pipeline.run_site`'s steps (crawl → parse → archive → index →
clusters → stats, what `govpub crawl` does), each timed, three times side by side, each with a
fresh bucket and alias:

  loopback   S3 and Elasticsearch as they are (local, a request takes a few ms)
  s3+30ms    S3 through a proxy that adds 30 ms to every round trip (bench/s3_counter.py; it
             also counts the requests by operation)
  es+30ms    Elasticsearch through a proxy that adds 30 ms to every round trip

and then a second run (round 2: a full re-crawl 39 days later, every article due for revalidation,
nothing changed: every article answers 304) in the s3+30ms
configuration, for the S3 requests per unchanged document.

Printed per configuration: seconds and documents/s per step and end to end (crawl → index,
and with clusters + stats), CPU-seconds per document (this process and the Scrapy child,
getrusage), peak RSS (this process; the largest child), and S3 requests per new and per
unchanged document by operation.

    .venv/bin/python bench/throughput.py                  # needs `python -m govpub_dev services up`
    .venv/bin/python bench/throughput.py --articles 2000 --latency-ms 30 --configs loopback,s3+30ms
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "sample_site"))
sys.path.insert(0, str(REPO / "bench"))

import s3_counter  # noqa: E402  (no govpub imports)
from sitegen.common import ROBOTS_TXT, Article, Output, http_date, load_articles  # noqa: E402
from sitegen.longwan import build_longwan  # noqa: E402

from govpub import index  # noqa: E402
from govpub.archive import Archive  # noqa: E402
from govpub.ops.stats import record_site_run, stats_alias  # noqa: E402
from govpub.pipeline.clusters import update_clusters  # noqa: E402
from govpub.pipeline.context import RunContext  # noqa: E402
from govpub.pipeline.crawl_step import crawl_site  # noqa: E402
from govpub.pipeline.steps import archive_site, index_site, parse_site  # noqa: E402
from govpub.settings import Settings  # noqa: E402
from govpub_dev import services  # noqa: E402
from govpub_dev.samplesite import make_server  # noqa: E402

SITE_ID = "throughput-column"
COLUMN = "/longwan/xxgk/jhzj/"
STEPS = ("crawl", "parse", "archive", "index", "clusters", "stats")


# -- the generated column ---------------------------------------------------------------------
def generate_column(out_dir: Path, count: int) -> int:
    """`count` articles in the TRS layout under /longwan/xxgk/jhzj/ (+ robots.txt, a manifest
    with Last-Modified per file for the server); returns the number of article pages."""
    samples = load_articles()
    paragraphs = sorted({p for a in samples for p in a.paragraphs if len(p) >= 30})
    templates = [a for a in samples if a.site == "longwan" and a.meta.get("layout", "article") == "article"]
    rng = random.Random(12)  # deterministic: the same column every run
    start = datetime(2020, 1, 1, 9, 0, 0)
    articles = []
    for n in range(count):
        template = templates[n % len(templates)]
        when = start + timedelta(hours=7 * n)
        body = rng.sample(paragraphs, 8)
        pages = [body[:4], body[4:]] if n % 10 == 0 else [body]  # one in ten: a two-page article
        meta = {k: v for k, v in template.meta.items() if k not in ("repost_of", "second_date")}
        meta |= {
            "url": f"{COLUMN}{when:%Y%m}/t{when:%Y%m%d}_{n:07d}.html",
            "title": f"{template.title}（{n + 1}）",
            "date": f"{when:%Y-%m-%d %H:%M:%S}",
            "index_no": f"11330303002580426J/{when:%Y}-{n:05d}",
            "doc_number": f"温龙教〔{when:%Y}〕{n + 1}号",
            "phrase": body[0][:12],
            "layout": "article",
        }
        articles.append(Article(key=f"gen{n}", site="longwan", meta=meta, pages=pages, text_file=template.text_file))
    out = Output()
    out.add("/robots.txt", ROBOTS_TXT)
    build_longwan(out, articles)
    out.write(out_dir / "www")
    manifest = {"files": {path: {"last_modified": http_date(out.last_modified[path])} for path in out.files}}
    (out_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return sum(len(a.pages) for a in articles)


def write_registry(directory: Path, base_url: str, list_pages: int) -> None:
    raw = tomllib.loads((REPO / "sites" / "sample.toml").read_text(encoding="utf-8"))
    template = next(s for s in raw["site"] if s["id"] == "longwan-jyj")
    links = dict(template["links"], max_list_pages=list_pages + 10)
    entry = {k: v for k, v in template.items() if k != "links"}
    entry |= {"id": SITE_ID, "start_urls": [f"{base_url}{COLUMN}index.html"], "download_delay": 0.0,
              "concurrency": 16, "name": "throughput bench column"}
    lines = ["[[site]]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()]
    lines += ["[site.links]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in links.items()]
    (directory / "throughput.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- measuring ----------------------------------------------------------------------------------
def cpu_seconds() -> tuple[float, float]:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


#: round 2 crawls 39 days after round 1: past the longest revalidation interval (30 days + 25 %
#: spread, govpub.crawl.state), so every known article is due and the re-crawl revalidates all of them
ROUND_DATES = {1: "2026-11-23", 2: "2027-01-01"}


def run_once(settings: Settings, run_id: str, counter: s3_counter.CountingProxy | None, full_sweep: bool,
             crawl_date: str) -> dict:
    """The steps of `pipeline.run_site`, one by one, each timed; S3 requests counted by operation."""
    quiet = lambda line: None  # noqa: E731
    context = RunContext(settings, echo=quiet)
    if counter:
        counter.reset()
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    cpu_before, wall_before = cpu_seconds(), time.monotonic()

    def timed(name, fn):
        started, cpu_started = time.monotonic(), sum(cpu_seconds())
        value = fn()
        seconds[name] = time.monotonic() - started
        cpu[name] = sum(cpu_seconds()) - cpu_started  # this process + children that ended (the crawl)
        return value

    crawl = timed("crawl", lambda: crawl_site(context, SITE_ID, run_id, crawl_date, full_sweep=full_sweep))
    parsed = timed("parse", lambda: parse_site(context, crawl))
    archived = timed("archive", lambda: archive_site(context, parsed, crawl))
    indexed = timed("index", lambda: index_site(context, archived))
    timed("clusters", lambda: update_clusters(context))
    timed("stats", lambda: record_site_run(
        settings, SITE_ID, run_id, run_date=crawl.crawl_date, echo=quiet, archive=context.archive, es=context.es,
        steps=context.step_records(run_id, SITE_ID), documents=parsed.documents))
    cpu_after = cpu_seconds()
    return {
        "seconds": seconds, "cpu": cpu, "wall": time.monotonic() - wall_before,
        "cpu_self": cpu_after[0] - cpu_before[0], "cpu_children": cpu_after[1] - cpu_before[1],
        "pages": crawl.pages_fetched, "documents": parsed.documents_parsed + parsed.documents_not_modified,
        "new": archived.documents_new, "unchanged": archived.documents_unchanged, "indexed": indexed.documents_indexed,
        "errors": len(crawl.errors) + len(parsed.errors) + len(indexed.errors),
        "s3": counter.counts() if counter else None,
    }


def configuration(base: Settings, name: str, latency_ms: float, tag: str, rounds: int) -> list[dict]:
    """Fresh bucket and alias; the proxies this configuration needs; `rounds` runs of the column."""
    s3_proxy = s3_counter.start(base.s3_endpoint, latency_ms=latency_ms if name.startswith("s3") else 0) \
        if name != "loopback" else None
    es_proxy = s3_counter.start(base.es_url, latency_ms=latency_ms) if name.startswith("es") else None
    suffix = f"{tag}-{name.replace('+', '-')}"
    settings = base.with_overrides(s3_bucket=f"govpub-tp-{suffix}", es_alias=f"govpub-tp-{suffix}",
                                   **({"s3_endpoint": s3_proxy.url} if s3_proxy else {}),
                                   **({"es_url": es_proxy.url} if es_proxy else {}))
    archive = Archive(settings)
    archive.ensure_bucket()
    try:
        runs = []
        for round_no in range(1, rounds + 1):
            print(f"==> {name}: round {round_no}", file=sys.stderr, flush=True)
            # round 2 re-fetches every article (a full sweep, every article due): each answers 304, unchanged
            runs.append(run_once(settings, f"tp-{suffix}-r{round_no}", s3_proxy, full_sweep=True,
                                 crawl_date=ROUND_DATES[round_no])
                        | {"config": name, "round": round_no})
        return runs
    finally:
        es = index.client(base)
        index.delete_alias_and_indices(es, settings.es_alias)
        index.delete_alias_and_indices(es, stats_alias(settings))
        Archive(base.with_overrides(s3_bucket=settings.s3_bucket)).delete_bucket_contents_and_bucket()
        for proxy in (s3_proxy, es_proxy):
            if proxy:
                proxy.close()


class ChildMemory(threading.Thread):
    """The largest RSS of any child process (the Scrapy crawl), polled from /proc."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        import os

        me = str(os.getpid())
        while not self._halt.wait(0.2):
            for proc in Path("/proc").iterdir():
                try:
                    if proc.name.isdigit() and (proc / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                        rss = int((proc / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                        self.peak = max(self.peak, rss)
                except (OSError, IndexError, ValueError):
                    continue

    def stop(self) -> None:
        self._halt.set()
        self.join()


# -- report -------------------------------------------------------------------------------------
def print_table(runs: list[dict]) -> None:
    head = f"{'config':<9} {'round':>5} {'docs':>5} " + " ".join(f"{s:>13}" for s in STEPS) \
        + f" {'crawl→index':>13} {'all steps':>13} {'CPU-s/doc':>9}"
    print(head)
    print("-" * len(head))
    for r in runs:
        docs = max(r["documents"], 1)
        cells = [f"{r['seconds'][s]:6.1f}s {docs / r['seconds'][s]:5.0f}/s" if s in ("parse", "archive", "index", "crawl")
                 else f"{r['seconds'][s]:6.1f}s {'':>6}" for s in STEPS]
        four = sum(r["seconds"][s] for s in STEPS[:4])
        print(f"{r['config']:<9} {r['round']:>5} {r['documents']:>5} " + " ".join(f"{c:>13}" for c in cells)
              + f" {four:6.1f}s {docs / four:4.0f}/s {r['wall']:6.1f}s {docs / r['wall']:4.0f}/s"
              + f" {(r['cpu_self'] + r['cpu_children']) / docs:9.3f}")


def print_cpu(runs: list[dict]) -> None:
    print("\nCPU-seconds per document, per step (this process and the crawl's Scrapy child; the wall time"
          "\nabove is longer when other processes share the cores)")
    print(f"{'config':<9} {'round':>5} " + " ".join(f"{s:>9}" for s in STEPS) + f" {'all':>9}")
    for r in runs:
        docs = max(r["documents"], 1)
        print(f"{r['config']:<9} {r['round']:>5} " + " ".join(f"{r['cpu'][s] / docs:9.4f}" for s in STEPS)
              + f" {sum(r['cpu'].values()) / docs:9.4f}")


def print_requests(runs: list[dict]) -> None:
    counted = [r for r in runs if r["s3"] is not None]
    if not counted:
        return
    ops = sorted({op for r in counted for op in r["s3"]})
    print("\nS3 requests per site run (whole run: crawl child + all steps), and per document")
    print(f"{'config':<9} {'round':>5} {'new':>5} {'unch.':>5} " + " ".join(f"{op:>14}" for op in ops)
          + f" {'total':>7} {'per doc':>8}")
    for r in counted:
        total = sum(r["s3"].values())
        per = max(r["new"] if r["round"] == 1 else r["unchanged"], 1)
        print(f"{r['config']:<9} {r['round']:>5} {r['new']:>5} {r['unchanged']:>5} "
              + " ".join(f"{r['s3'].get(op, 0):>6} {r['s3'].get(op, 0) / per:>7.2f}" for op in ops)
              + f" {total:>7} {total / per:>8.2f}")
    print("(per doc: per new document in round 1, per unchanged document in round 2)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--configs", default="loopback,s3+30ms,es+30ms",
                        help="comma-separated: loopback, s3+30ms, es+30ms (the latency is --latency-ms)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    base = Settings.from_env()
    services.ensure_up(base, ("elasticsearch", "s3"))
    tag = uuid.uuid4().hex[:6]
    runs: list[dict] = []
    memory = ChildMemory()
    memory.start()
    with tempfile.TemporaryDirectory(prefix="govpub-throughput-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        article_pages = generate_column(root / "site", args.articles)
        list_pages = -(-args.articles // 7)
        server = make_server("127.0.0.1", 0, root / "site" / "www", quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        (root / "sites").mkdir()
        write_registry(root / "sites", server.url, list_pages)
        base = base.with_overrides(sites_dir=root / "sites")
        print(f"==> generated {args.articles} articles ({article_pages} article pages, {list_pages} list pages) "
              f"in {time.monotonic() - started:.1f}s, served at {server.url}", file=sys.stderr, flush=True)
        try:
            for name in [c.strip() for c in args.configs.split(",") if c.strip()]:
                rounds = 2 if name.startswith("s3") else 1
                runs += configuration(base, name, args.latency_ms, tag, rounds)
        finally:
            server.shutdown()
            server.server_close()
    memory.stop()
    print(f"\n{args.articles} articles, politeness off; latency added: {args.latency_ms:g} ms per round trip; "
          f"seconds and documents/s per step")
    print_table(runs)
    print_cpu(runs)
    print_requests(runs)
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\npeak RSS: this process (parse/archive/index/clusters/stats) {peak_self} MB; "
          f"largest child (Scrapy crawl) {memory.peak // 2**20} MB")
    bad = [r for r in runs if r["errors"] or r["indexed"] != (r["new"] if r["round"] == 1 else r["indexed"])
           or (r["round"] == 1 and r["new"] != args.articles)]
    for r in bad:
        print(f"  ! {r['config']} round {r['round']}: {r['new']} new of {args.articles}, {r['indexed']} indexed, "
              f"{r['errors']} errors")
    if args.json:
        args.json.write_text(json.dumps({"articles": args.articles, "runs": runs, "peak_rss_mb": peak_self,
                                         "child_peak_rss_mb": memory.peak // 2**20}, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
