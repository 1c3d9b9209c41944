"""The tables bench/s3_requests.py prints: requests per operation, per site run, per area, per step."""

from __future__ import annotations

from collections import Counter

import s3_counter

ROUNDS = {1: "first crawl (all new)", 2: "re-crawl (unchanged)"}


SHORT = {"ListObjectsV2": "List", "ListObjects": "ListV1", "GetObject": "Get", "HeadObject": "Head",
         "PutObject": "Put", "CopyObject": "Copy", "DeleteObject": "Delete", "DeleteObjects": "DelMany",
         "CreateMultipartUpload": "MPUstart", "UploadPart": "MPUpart", "CompleteMultipartUpload": "MPUdone",
         "AbortMultipartUpload": "MPUabort", "HeadBucket": "HeadBkt", "CreateBucket": "MkBkt",
         "DeleteBucket": "RmBkt", "ListBuckets": "ListBkts"}


def columns(rows: list[dict]) -> list[str]:
    seen = set()
    for row in rows:
        seen.update(op for op, n in row["counts"].items() if n)
    ops = [op for op in s3_counter.OPERATIONS if op in seen]
    return ops + sorted(seen - set(ops))


def per_doc(row: dict) -> tuple[str, int]:
    docs = row["documents"]
    n = docs["new"] if row["round"] == 1 else docs["unchanged"]
    return ("new" if row["round"] == 1 else "unch."), n


def table(rows: list[dict], ops: list[str], label=lambda r: f"{r['site']:<14}{r['round']:>3}",
          head=f"{'site':<14}{'rnd':>3}", with_docs: bool = True) -> str:
    widths = [max(len(SHORT.get(op, op)), 4) for op in ops]
    header = head + "".join(f" {SHORT.get(op, op):>{w}}" for op, w in zip(ops, widths)) + f" {'TOTAL':>6}"
    if with_docs:
        header += f" {'docs':>9} {'req/doc':>7} {'4xx':>4} {'5xx':>4} {'conns':>5} {'secs':>5}"
    lines = [header, "-" * len(header)]
    for row in rows:
        line = label(row) + "".join(f" {row['counts'].get(op, 0):>{w}}" for op, w in zip(ops, widths))
        line += f" {row['total']:>6}"
        if with_docs:
            kind, n = per_doc(row)
            ratio = f"{row['total'] / n:.1f}" if n else "-"
            line += f" {f'{n} {kind}':>9} {ratio:>7} {row['4xx']:>4} {row['5xx']:>4} {row['connections']:>5}" \
                    f" {row['seconds']:>5.1f}"
        lines.append(line)
    return "\n".join(lines)


def round_totals(rows: list[dict]) -> list[dict]:
    out = []
    for rnd in ROUNDS:
        mine = [r for r in rows if r["round"] == rnd]
        counts = Counter()
        for r in mine:
            counts.update(r["counts"])
        docs = Counter()
        for r in mine:
            docs.update(r["documents"])
        out.append({"site": "ALL SITES", "round": rnd, "counts": dict(counts), "total": sum(counts.values()),
                    "documents": dict(docs), "4xx": sum(r["4xx"] for r in mine), "5xx": sum(r["5xx"] for r in mine),
                    "connections": sum(r["connections"] for r in mine), "seconds": sum(r["seconds"] for r in mine)})
    return out


def print_cli(rows: list[dict]) -> None:
    ops = columns(rows)
    print("\n== mode cli: `govpub crawl SITE --run-id …` (child process), S3 requests per site run ==")
    print(table(rows + round_totals(rows), ops))
    print("  docs: round 1 = new documents, round 2 = unchanged documents (of which 304 not modified: "
          + ", ".join(f"{r['site']} {r['documents']['not_modified']}" for r in rows if r["round"] == 2) + ")")
    issues = [f"{r['site']} r{r['round']}: {m}" for r in rows for m in r["quality_issues"]]
    if issues:
        print("  quality issues reported by the runs: " + "; ".join(issues))
    four = Counter()
    for r in rows:
        four.update({(r["round"], op): n for op, n in r["404_by_op"].items()})
    if four:
        print("  404 answers (expected misses, not errors): "
              + ", ".join(f"round {rnd} {op} {n}" for (rnd, op), n in sorted(four.items())))
    framing = Counter()
    for r in rows:
        framing.update(r["framing"])
    print("  request body framing: " + ", ".join(f"{k} {v}" for k, v in sorted(framing.items())))
    up = sum(r["bytes_up"] for r in rows)
    down = sum(r["bytes_down"] for r in rows)
    print(f"  S3 body bytes: {up} uploaded, {down} downloaded")
    print("\n  by key area (all sites), per round:")
    for rnd in ROUNDS:
        areas: dict[str, Counter] = {}
        for r in rows:
            if r["round"] == rnd:
                for area, c in r["by_area"].items():
                    areas.setdefault(area, Counter()).update(c)
        area_rows = [{"site": a, "round": rnd, "counts": dict(c), "total": sum(c.values())}
                     for a, c in sorted(areas.items())]
        print(table(area_rows, ops, label=lambda r: f"{r['site']:<14}{r['round']:>3}", head=f"{'area':<14}{'rnd':>3}",
                    with_docs=False))


def print_steps(rows: list[dict], cli_rows: list[dict] | None) -> None:
    ops = columns(rows + [s for r in rows for s in r["steps"].values()])
    print("\n== mode steps: the same steps called one by one (crawl still runs Scrapy as a child process) ==")
    print(table(rows + round_totals(rows), ops))
    print("\n  per step (site, round, step):")
    step_rows = [{"site": r["site"], "round": r["round"], "step": name, **snap}
                 for r in rows for name, snap in r["steps"].items()]
    print(table(step_rows, ops, label=lambda r: f"{r['site']:<14}{r['round']:>3} {r['step']:<8}",
                head=f"{'site':<14}{'rnd':>3} {'step':<8}", with_docs=False))
    print("\n  per step, all sites:")
    summed: dict[tuple, Counter] = {}
    for s in step_rows:
        summed.setdefault((s["round"], s["step"]), Counter()).update(s["counts"])
    agg = [{"site": "ALL SITES", "round": rnd, "step": step, "counts": dict(c), "total": sum(c.values())}
           for (rnd, step), c in summed.items()]
    print(table(agg, ops, label=lambda r: f"{'':<14}{r['round']:>3} {r['step']:<8}",
                head=f"{'':<14}{'rnd':>3} {'step':<8}", with_docs=False))
    if cli_rows:
        by_key = {(r["site"], r["round"]): r for r in cli_rows}
        diffs = []
        for r in rows:
            other = by_key.get((r["site"], r["round"]))
            if other and other["counts"] != r["counts"]:
                delta = {op: r["counts"].get(op, 0) - other["counts"].get(op, 0)
                         for op in set(r["counts"]) | set(other["counts"])}
                diffs.append(f"{r['site']} r{r['round']}: steps−cli " +
                             ", ".join(f"{op} {d:+d}" for op, d in sorted(delta.items()) if d))
        print("\n  check: the steps add up to the `govpub crawl` counts "
              + ("for every site and round: OK" if not diffs else "— DIFFERENT: " + "; ".join(diffs)))


