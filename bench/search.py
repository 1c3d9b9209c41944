"""Search latency of the API against Elasticsearch itself, side by side, and indexing throughput.

    .venv/bin/python bench/search.py                  # 100,000 documents (about 5–8 minutes here)
    .venv/bin/python bench/search.py --docs 2000 --rounds 5     # a quick look

1. Generates a corpus from the sample texts (sample_site/texts): every document takes a base
   text, a synthetic agency/region/site, a year and a document type, reorders and drops
   paragraphs, rewrites years and place names, and mixes in a paragraph of another text.
   Deterministic (seeded).
2. Indexes it with govpub.index.bulk_index (the real indexer: t2s of the short fields, bulk
   of 500) into its own alias `govpub-bench-search-<tag>`; reports documents/s and MB/s.
3. Starts the API as a child process (`govpub serve` on a free port, uvicorn) on that alias.
4. Sends a fixed query mix (phrases, words, OR/NOT, filters, date sort, paging, collapse), every
   query both ways in turn — GET /search on the API, and the very request body the API builds
   (govpub.search.query.build_search) POSTed to Elasticsearch's _search — over plain HTTP keep-alive
   connections from this process, after a warm-up round. Reports p50/p95/p99 per side and the
   ratio (API / Elasticsearch) in one table.
5. Deletes the alias and its index (unless --keep).

Targets on this machine: API p95 under 100 ms and an overhead of at most 1.3×.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from govpub import index  # noqa: E402
from govpub.settings import Settings
from govpub.search.query import SearchParams, build_search
from govpub.schema import Document, doc_id_for, sha256_text  # noqa: E402

TEXTS = REPO / "sample_site" / "texts"

PROVINCES = [("浙江省", "温州市", ["龙湾区", "鹿城区", "瓯海区", "瑞安市"]), ("江苏省", "常州市", ["金坛区", "武进区", "溧阳市"]),
             ("山东省", "潍坊市", ["奎文区", "寿光市", "青州市"]), ("广东省", "佛山市", ["南海区", "顺德区"]),
             ("四川省", "绵阳市", ["涪城区", "江油市"]), ("河南省", "洛阳市", ["洛龙区", "偃师区"]),
             ("湖北省", "宜昌市", ["西陵区", "夷陵区"]), ("福建省", "泉州市", ["晋江市", "南安市"])]
DOC_TYPES = ["工作要点", "工作总结", "工作计划", "通知", "实施方案", "意见", "上半年工作总结", "年度报告"]
PLACE_WORDS = ["龙湾", "金坛", "温州", "常州", "潍坊"]

#: the fixed query mix: (label, query text, extra parameters)
QUERY_MIX: list[tuple[str, str, dict]] = [
    ("word", "课后服务", {}),
    ("word", "教师培训", {}),
    ("word", "食品安全", {}),
    ("words", "学前教育 普惠", {}),
    ("words", "校园 安全 排查", {}),
    ("phrase", '"立德树人根本任务"', {}),
    ("phrase", '"课后服务"', {}),
    ("traditional", "課後服務 質量", {}),
    ("or", "课后服务 OR 托管", {}),
    ("not", "工作要点 -幼儿园", {}),
    ("group", '(双减 OR "课后服务") -收费', {}),
    ("title", "title:工作要点 教育", {}),
    ("filter", "教育", {"doc_type": "工作总结", "year": "2023"}),
    ("filter", "安全", {"site": "bench-site-03"}),
    ("dates", "", {"from": "2022-01-01", "to": "2022-12-31"}),
    ("sort", "教育 质量", {"sort": "date"}),
    ("page", "教师", {"page": "5"}),
    ("collapse", "课后服务", {"collapse": "true"}),
    ("empty", "", {}),
    ("rare", '"四点半星光课堂"', {}),
]


# --------------------------------------------------------------------------- corpus


def read_texts() -> list[list[str]]:
    texts = []
    for path in sorted(TEXTS.glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8")
        body = raw.partition("\n---\n")[2] if "\n---\n" in raw else raw
        paragraphs = [p.strip() for p in body.splitlines() if p.strip() and p.strip() != "<<<PAGE>>>"]
        if len(paragraphs) >= 3:
            texts.append(paragraphs)
    return texts


def generate(n: int, seed: int = 20241123) -> Iterator[Document]:
    rng = random.Random(seed)
    texts = read_texts()
    agencies = []
    for province, city, districts in PROVINCES:
        for district in districts:
            agencies.append((f"{city}{district}教育局", f"{province}{city}{district}", district))
    year_re = re.compile(r"20[12]\d年")
    for i in range(n):
        agency, region, district = agencies[i % len(agencies)]
        site = f"bench-site-{i % 20:02d}"
        year = rng.randint(2015, 2025)
        doc_type = rng.choice(DOC_TYPES)
        base = texts[rng.randrange(len(texts))]
        other = texts[rng.randrange(len(texts))]
        keep = [p for p in base if rng.random() < 0.75] or base[:3]
        middle = keep[1:]
        rng.shuffle(middle)
        paragraphs = keep[:1] + middle[: rng.randint(3, 40)] + [rng.choice(other)]
        body = "\n".join(paragraphs)
        body = year_re.sub(f"{year}年", body)
        for word in PLACE_WORDS:
            body = body.replace(word, district[:-1] if len(district) > 2 else district)
        title = f"{agency}{year}年{doc_type}" if rng.random() < 0.7 else f"关于做好{year}年{rng.choice(base)[:12]}的{doc_type}"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        url = f"http://bench.example.gov.cn/{site}/{year}/{i:07d}.html"
        yield Document(
            id=doc_id_for(url), url=url, site=site, title=title,
            # summaries and reports come out the following year
            publish_date=f"{year + 1 if ('总结' in doc_type or '报告' in doc_type) else year}-{month:02d}-{day:02d}",
            source=agency if rng.random() < 0.8 else "办公室", doc_number=f"教〔{year}〕{rng.randint(1, 99)}号",
            index_no=f"BENCH/{year}-{i:05d}", body=body, fetched_at="2026-11-23T00:00:00Z", parser_version="bench",
            raw=None, body_sha256=sha256_text(body), page_urls=(url,), doc_type=doc_type, agency=agency,
            region=region, year=year if rng.random() < 0.8 else None,
        )


# --------------------------------------------------------------------------- measuring


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rest_body(kwargs: dict) -> dict:
    """Elasticsearch.search keyword arguments → the JSON body of POST /<index>/_search."""
    body = dict(kwargs)
    if "from_" in body:
        body["from"] = body.pop("from_")
    if "source_includes" in body:
        body["_source"] = {"includes": body.pop("source_includes")}
    return body


def api_params(q: str, extra: dict) -> dict:
    return {"q": q, **extra}


def search_params(q: str, extra: dict) -> SearchParams:
    page = int(extra.get("page", 1))
    return SearchParams.make(
        q, site=extra.get("site"), doc_type=extra.get("doc_type"), year=extra.get("year"),
        date_from=extra.get("from"), date_to=extra.get("to"), sort=extra.get("sort"),
        collapse=extra.get("collapse") == "true", offset=(page - 1) * 10, size=10,
    )


def start_api(settings: Settings, port: int) -> subprocess.Popen:
    env = {**os.environ, **settings.to_env()}
    govpub = str(Path(sys.executable).parent / "govpub")
    proc = subprocess.Popen([govpub, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API did not start: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the API did not start within 30 s")


def measure(settings: Settings, alias: str, api_url: str, rounds: int) -> dict:
    api = httpx.Client(base_url=api_url, timeout=30)
    es = httpx.Client(base_url=settings.es_url.rstrip("/"), timeout=30,
                      auth=(settings.es_username, settings.es_password or "") if settings.es_username else None)
    prepared = []
    for label, q, extra in QUERY_MIX:
        prepared.append((label, q, "/search?" + urlencode(api_params(q, extra)),
                         json.dumps(rest_body(build_search(search_params(q, extra))), ensure_ascii=False).encode()))
    times: dict[str, list[float]] = {"api": [], "es": []}
    per_label: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, int] = {}
    started = time.monotonic()
    for round_no in range(rounds + 1):  # round 0 warms caches and connections
        if round_no and round_no % 5 == 0:
            print(f"  round {round_no}/{rounds} ({time.monotonic() - started:.0f}s)", flush=True)
        for n, (label, q, path, body) in enumerate(prepared):
            order = ("api", "es") if (round_no + n) % 2 else ("es", "api")
            for side in order:
                t0 = time.perf_counter()
                if side == "api":
                    response = api.get(path)
                else:
                    response = es.post(f"/{alias}/_search", content=body, headers={"Content-Type": "application/json"})
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{side} {label} {q!r}: HTTP {response.status_code} {response.text[:300]}")
                if round_no == 0:
                    if side == "api":
                        totals[f"{label}: {q or '(empty)'} {json.dumps(dict(QUERY_MIX[n][2]), ensure_ascii=False) if QUERY_MIX[n][2] else ''}"] = response.json()["total"]
                    continue
                times[side].append(elapsed)
                per_label.setdefault(label, {"api": [], "es": []})[side].append(elapsed)
    api.close()
    es.close()
    return {"times": times, "per_label": per_label, "totals": totals}


def report_latency(result: dict) -> str:
    lines = [f"{'query kind':<12} {'n':>5}  {'ES p50':>8} {'ES p95':>8}  {'API p50':>8} {'API p95':>8}  {'p50 ×':>6} {'p95 ×':>6}"]

    def row(name: str, api: list[float], es: list[float]) -> str:
        e50, e95, a50, a95 = percentile(es, 50), percentile(es, 95), percentile(api, 50), percentile(api, 95)
        return (f"{name:<12} {len(api):>5}  {e50:>6.1f}ms {e95:>6.1f}ms  {a50:>6.1f}ms {a95:>6.1f}ms  "
                f"{a50 / e50:>5.2f}× {a95 / e95:>5.2f}×")

    for label, sides in result["per_label"].items():
        lines.append(row(label, sides["api"], sides["es"]))
    lines.append(row("ALL", result["times"]["api"], result["times"]["es"]))
    api, es = result["times"]["api"], result["times"]["es"]
    lines.append(f"all queries: ES p50 {percentile(es, 50):.1f} ms, p95 {percentile(es, 95):.1f} ms, "
                 f"p99 {percentile(es, 99):.1f} ms | API p50 {percentile(api, 50):.1f} ms, "
                 f"p95 {percentile(api, 95):.1f} ms, p99 {percentile(api, 99):.1f} ms | "
                 f"overhead p50 {statistics.median(api) / statistics.median(es):.2f}×, "
                 f"p95 {percentile(api, 95) / percentile(es, 95):.2f}× (mean of per-request differences "
                 f"{statistics.mean(a - e for a, e in zip(api, es)):.1f} ms)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (default 100000)")
    parser.add_argument("--rounds", type=int, default=30, help="measured rounds of the query mix (default 30)")
    parser.add_argument("--keep", action="store_true", help="keep the bench alias afterwards")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    es = index.client(settings)
    index.check_reachable(es, settings)
    tag = uuid.uuid4().hex[:8]
    bench = settings.with_overrides(es_alias=f"govpub-bench-search-{tag}")
    print(f"corpus: {args.docs} documents generated from {len(read_texts())} sample texts → alias {bench.es_alias}",
          flush=True)
    proc = None
    try:
        index.ensure_index(es, bench.es_alias)
        # bulk-load practice: no periodic refresh while loading (one refresh at the end, timed)
        es.indices.put_settings(index=bench.es_alias, settings={"index": {"refresh_interval": "-1"}})
        sizes = [0]

        def counted(docs):
            for n, doc in enumerate(docs, 1):
                sizes[0] += len(doc.body.encode("utf-8")) + len(doc.title.encode("utf-8"))
                if n % 20_000 == 0:
                    print(f"  indexed {n} documents… ({time.monotonic() - t0:.0f}s)", flush=True)
                yield doc

        t0 = time.monotonic()
        result = index.bulk_index(es, bench.es_alias, counted(generate(args.docs)), refresh=True)
        took = time.monotonic() - t0
        if result.errors:
            raise SystemExit(f"{len(result.errors)} indexing errors, first: {result.errors[0]}")
        print(f"indexing: {result.indexed} documents ({sizes[0] / 1e6:.0f} MB of text) in {took:.1f}s = "
              f"{result.indexed / took:.0f} documents/s, {sizes[0] / 1e6 / took:.2f} MB/s "
              f"(govpub.index.bulk_index, bulk of {index.BULK_CHUNK_SIZE}, 1 shard, refresh off while loading, final refresh included)", flush=True)
        es.indices.put_settings(index=bench.es_alias, settings={"index": {"refresh_interval": None}})
        es.options(request_timeout=900).indices.forcemerge(index=bench.es_alias, max_num_segments=1)

        port = free_port()
        proc = start_api(bench, port)
        print(f"API: `govpub serve` (uvicorn, 1 worker) on 127.0.0.1:{port}; {len(QUERY_MIX)} queries × "
              f"{args.rounds} rounds, each query to the API and to Elasticsearch in turn", flush=True)
        measured = measure(bench, bench.es_alias, f"http://127.0.0.1:{port}", args.rounds)
        print("hits per query:", ", ".join(f"{k.strip()}={v}" for k, v in list(measured["totals"].items())[:6]), "…")
        print(report_latency(measured))
        api95 = percentile(measured["times"]["api"], 95)
        ratio = percentile(measured["times"]["api"], 95) / percentile(measured["times"]["es"], 95)
        print(f"targets: API p95 < 100 ms → {api95:.1f} ms ({'met' if api95 < 100 else 'NOT met'}); "
              f"overhead ≤ 1.3× → {ratio:.2f}× ({'met' if ratio <= 1.3 else 'NOT met'})")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            index.delete_alias_and_indices(es, bench.es_alias)
            print(f"deleted {bench.es_alias}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
