"""Extraction quality and speed: govpub's parser vs trafilatura, same pages, same run.

    .venv/bin/python bench/extraction.py [--rounds N] [--sample-site] [--per-case]

On every hand-checked fixture case in tests/fixtures/pages/ (expected JSON written by hand) it
prints, for each extractor:

- mean body F1 over character bigrams (whitespace removed; multiset overlap),
- exact-match accuracy of title, publish_date and source,
- pages per second over several interleaved rounds, and the govpub/trafilatura ratio.

Both extractors get the raw page bytes (each decodes them itself). A multi-page article is one
case: trafilatura extracts each page and the texts are joined in order; govpub stitches them.
Cases of one synthetic site (meta.json "site") are parsed with the site template govpub learns
from those pages, and that learning is inside govpub's timed loop. trafilatura has no `source`
field; its `author` (else `sitename`) is compared, which is the closest thing it extracts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from statistics import mean

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from parsers import AttachmentFile, Page, learn_template, parse_article  # noqa: E402
from tests import fixture_pages  # noqa: E402  (the cases' one loader; some read sample_site/www in place)

FIELDS = ("title", "publish_date", "source")


def load_cases() -> list[dict]:
    cases = []
    for name in fixture_pages.case_names():
        case = fixture_pages.load(name)
        cases.append({"name": name, "pages": case.pages(), "attachments": case.attachments(),
                      "expected": case.expected, "site": case.site})
    return cases


def load_sample_site() -> list[dict]:
    """The bundled sample site's articles; expected values from its manifest (written by its author)."""
    manifest = json.loads((REPO / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
    www = REPO / "sample_site" / "www"
    cases = []
    for art in manifest["articles"]:
        pages = [Page("http://sample.govpub.test" + p, (www / p.lstrip("/")).read_bytes(), "text/html")
                 for p in art["pages"]]
        atts = [AttachmentFile("http://sample.govpub.test" + a, (www / a.lstrip("/")).read_bytes())
                for a in art["attachments"]]
        body = art["body"]
        if not body and art["attachment_text_file"]:
            body = (REPO / art["attachment_text_file"]).read_text(encoding="utf-8").strip()
        expected = {"body": body, "title": art["title"], "publish_date": art["publish_date"], "source": art["source"]}
        cases.append({"name": art["url"], "pages": pages, "attachments": atts, "expected": expected,
                      "site": "sample:" + art["site"]})
    return cases


def bigrams(text: str) -> Counter:
    s = "".join(text.split())
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def f1(got: str, want: str) -> float:
    g, w = bigrams(got), bigrams(want)
    if not g and not w:
        return 1.0
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * p * r / (p + r)


# ---------------------------------------------------------------- the two extractors


def run_govpub(cases: list[dict]) -> dict[str, dict]:
    by_site: dict[str, list[dict]] = {}
    for c in cases:
        if c["site"]:
            by_site.setdefault(c["site"], []).append(c)
    templates = {site: learn_template([c["pages"] for c in group]) for site, group in by_site.items()}
    out = {}
    for c in cases:
        doc = parse_article(c["pages"], c["attachments"], template=templates.get(c["site"]))
        out[c["name"]] = {"body": doc.body, "title": doc.title, "publish_date": doc.publish_date,
                          "source": doc.source}
    return out


def run_trafilatura(cases: list[dict]) -> dict[str, dict]:
    import trafilatura

    out = {}
    for c in cases:
        texts, first = [], None
        for page in c["pages"]:
            doc = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True)
            if doc is None:
                continue
            data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
            first = first or data
            if data.get("text"):
                texts.append(data["text"])
        first = first or {}
        out[c["name"]] = {"body": "\n".join(texts), "title": first.get("title"),
                          "publish_date": first.get("date"),
                          "source": first.get("author") or first.get("sitename")}
    return out


def score(results: dict[str, dict], cases: list[dict]) -> dict[str, float]:
    f1s = [f1(results[c["name"]]["body"] or "", c["expected"]["body"]) for c in cases]
    acc = {k: mean(results[c["name"]][k] == c["expected"][k] for c in cases) for k in FIELDS}
    return {"f1": mean(f1s), "f1_min": min(f1s), **acc}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds per extractor, interleaved (default 5)")
    ap.add_argument("--per-case", action="store_true", help="also print each case's body F1")
    ap.add_argument("--sample-site", action="store_true",
                    help="also score the 34 articles of the bundled sample site (expected values from its manifest)")
    args = ap.parse_args()
    try:
        import trafilatura
    except ImportError:
        print("bench: trafilatura is not installed (it is in the `bench` extra; run `make bootstrap`)", file=sys.stderr)
        return 2

    cases = load_cases()
    n_pages = sum(len(c["pages"]) for c in cases)
    print(f"{len(cases)} fixture cases, {n_pages} pages (tests/fixtures/pages); trafilatura {trafilatura.__version__}")
    runners = {"govpub": run_govpub, "trafilatura": run_trafilatura}
    results = {name: run(cases) for name, run in runners.items()}  # warm-up run, also the scored one
    scores = {name: score(res, cases) for name, res in results.items()}

    times: dict[str, list[float]] = {name: [] for name in runners}
    for r in range(args.rounds):
        order = list(runners) if r % 2 == 0 else list(reversed(runners))
        for name in order:
            t0 = time.perf_counter()
            runners[name](cases)
            times[name].append(time.perf_counter() - t0)
    pps = {name: n_pages / min(ts) for name, ts in times.items()}  # best round: least disturbed by other load

    print()
    print(f"{'extractor':<12} {'body F1':>8} {'min F1':>7} {'title':>6} {'date':>6} {'source':>7} {'pages/s':>8}")
    for name in runners:
        s = scores[name]
        print(f"{name:<12} {s['f1']:>8.3f} {s['f1_min']:>7.3f} {s['title']:>6.2f} {s['publish_date']:>6.2f} "
              f"{s['source']:>7.2f} {pps[name]:>8.1f}")
    g, t = scores["govpub"], scores["trafilatura"]
    print()
    print(f"body F1 difference govpub - trafilatura: {g['f1'] - t['f1']:+.3f}")
    print(f"speed ratio govpub/trafilatura: {pps['govpub'] / pps['trafilatura']:.2f}x "
          f"(best of {args.rounds} interleaved rounds each)")
    if args.sample_site:
        sample = load_sample_site()
        print()
        print(f"sample site: {len(sample)} articles, {sum(len(c['pages']) for c in sample)} pages "
              "(sample_site/manifest.json; govpub learns each site's template from its articles)")
        for name, run in runners.items():
            s = score(run(sample), sample)
            print(f"{name:<12} {s['f1']:>8.3f} {s['f1_min']:>7.3f} {s['title']:>6.2f} {s['publish_date']:>6.2f} "
                  f"{s['source']:>7.2f}")
    if args.per_case:
        print()
        for c in cases:
            print(f"{c['name']:<44} govpub {f1(results['govpub'][c['name']]['body'], c['expected']['body']):.3f}"
                  f"  trafilatura {f1(results['trafilatura'][c['name']]['body'] or '', c['expected']['body']):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
