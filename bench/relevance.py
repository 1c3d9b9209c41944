"""Relevance of search on the sample site: recall@10 and nDCG@10 over a judged query set.

    .venv/bin/python bench/relevance.py              # loads the sample site into a temporary alias
    .venv/bin/python bench/relevance.py --alias A --base-url http://127.0.0.1:8765   # an existing index

The judged queries (bench/relevance_judgments.json) name the documents that must come first by
their URL path on the sample site, graded 2 (the document asked for) or 1 (also relevant: a
repost, a companion). Without --alias the script serves the sample site on a free port, runs the
real pipeline (crawl → WARC in S3 → parse → archive → index) into a temporary bucket and alias,
evaluates, and deletes both. tests/api/test_relevance.py pins floors for these numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from govpub import index  # noqa: E402
from govpub.search import engine
from govpub.search import render
from govpub.settings import Settings
from govpub.schema import doc_id_for  # noqa: E402

JUDGMENTS = Path(__file__).resolve().parent / "relevance_judgments.json"
K = 10


def load_judgments(path: Path = JUDGMENTS) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    return sum(1 for doc in ranked[:k] if doc in relevant) / len(relevant)


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(es, alias: str, base_url: str, judgments: list[dict] | None = None) -> dict:
    """Run every judged query; return per-query rows and the means."""
    rows = []
    for item in judgments or load_judgments():
        relevant = {doc_id_for(base_url + path): grade for path, grade in item["relevant"].items()}
        result = engine.search(es, alias, item["q"], size=K, facets=False)
        ranked = [h.id for h in result.hits]
        first_relevant = next((i + 1 for i, doc in enumerate(ranked) if doc in relevant), None)
        rows.append({
            "q": item["q"], "note": item.get("note", ""), "total": result.total,
            "recall": recall_at(ranked, relevant), "ndcg": ndcg_at(ranked, relevant),
            "first_relevant_rank": first_relevant,
        })
    n = len(rows)
    return {
        "queries": n,
        "recall_at_10": sum(r["recall"] for r in rows) / n,
        "ndcg_at_10": sum(r["ndcg"] for r in rows) / n,
        "mrr": sum(1 / r["first_relevant_rank"] for r in rows if r["first_relevant_rank"]) / n,
        "rows": rows,
    }


def format_report(report: dict) -> str:
    lines = [f"{'query':<34} {'hits':>5} {'first':>5} {'R@10':>5} {'nDCG@10':>7}  note"]
    for r in report["rows"]:
        first = str(r["first_relevant_rank"] or "-")
        q = r["q"] + " " * max(0, 34 - render.display_width(r["q"]))
        lines.append(f"{q} {r['total']:>5} {first:>5} {r['recall']:>5.2f} {r['ndcg']:>7.3f}  {r['note']}")
    lines.append(
        f"{report['queries']} judged queries: recall@10 = {report['recall_at_10']:.3f}, "
        f"nDCG@10 = {report['ndcg_at_10']:.3f}, MRR = {report['mrr']:.3f}"
    )
    return "\n".join(lines)


def load_sample_site(settings: Settings, echo=print) -> None:
    """The real pipeline for every sample site into `settings`' bucket and alias."""
    from govpub.pipeline.context import RunContext
    from govpub.pipeline.run import run_steps

    manifest = json.loads((REPO / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
    for site_id in sorted({a["site"] for a in manifest["articles"]}):
        context = RunContext(settings, echo=lambda line: None)
        steps = run_steps(context, site_id, "relevance-bench", time.strftime("%Y-%m-%d"))
        echo(f"  {site_id}: {steps.index.documents_indexed} documents indexed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alias", help="evaluate this existing alias (default: load the sample site into a temporary one)")
    parser.add_argument("--base-url", help="where that alias' sample site was served (default GOVPUB_SAMPLE_SITE_URL)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    from govpub.archive import Archive

    settings = Settings.from_env()
    es = index.client(settings)
    index.check_reachable(es, settings)
    if args.alias:
        report = evaluate(es, args.alias, args.base_url or settings.sample_site_url)
    else:
        from govpub_dev.samplesite import make_server

        tag = uuid.uuid4().hex[:8]
        server = make_server("127.0.0.1", 0, quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host, port = server.server_address[:2]
        scoped = settings.with_overrides(
            s3_bucket=f"govpub-bench-relevance-{tag}", es_alias=f"govpub-bench-relevance-{tag}",
            sample_site_url=f"http://{host}:{port}",
        )
        archive = Archive(scoped)
        try:
            print(f"loading the sample site into {scoped.es_alias} (pipeline: crawl → S3 → parse → index)", file=sys.stderr)
            archive.ensure_bucket()
            load_sample_site(scoped, echo=lambda line: print(line, file=sys.stderr))
            report = evaluate(es, scoped.es_alias, scoped.sample_site_url)
        finally:
            index.delete_alias_and_indices(es, scoped.es_alias)
            archive.delete_bucket_contents_and_bucket()
            server.shutdown()
            server.server_close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
