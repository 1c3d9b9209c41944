"""Extraction quality and speed: govpub's parser vs trafilatura vs readability-lxml, same pages, same run.

    .venv/bin/python bench/extraction.py [--rounds N] [--sample-site] [--cwce] [--cases DIR ...] [--per-case]

Suites (each scored and timed on its own):

- the hand-checked fixture cases in tests/fixtures/pages/ (expected JSON written by hand), always;
- `--sample-site`: the articles of the bundled sample site (expected values from its manifest);
- `--cwce`: the 69 real Chinese pages of bench/data/cwce (hand-copied body text, MIT, see its README);
- `--cases DIR`: any directory of such cases (`<case>/page.html`, `truth.txt`, `meta.json` with
  `url` (when known) and `publish_date` (when known)).

For each extractor it prints mean body F1 over character bigrams (whitespace removed; multiset
overlap), exact-match accuracy of title, publish_date and source where the suite has a truth for
them (a CWCE case without a date truth is not counted in the date column), pages per second
in-process (best of N interleaved rounds: least disturbed by other load) with the ratio to
trafilatura, and the ten worst pages of each extractor.

Every extractor gets the raw page bytes (each decodes them itself). A multi-page article is one
case: the others extract each page and the texts are joined in order; govpub stitches them.
Cases of one synthetic site (meta.json "site") are parsed with the site template govpub learns
from those pages, and that learning is inside govpub's timed loop. trafilatura has no `source`
field; its `author` (else `sitename`) is compared, the closest thing it extracts; readability
extracts neither a date nor a source.
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

from parsers import AttachmentFile, Page, ParseError, learn_template, parse_article  # noqa: E402
from tests import fixture_pages  # noqa: E402  (the cases' one loader; some read sample_site/www in place)

FIELDS = ("title", "publish_date", "source")
CWCE = REPO / "bench" / "data" / "cwce"


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


def load_case_dir(root: Path) -> list[dict]:
    """A directory of real-page cases: <case>/page.html, truth.txt (the body), meta.json (url, publish_date)."""
    cases = []
    for d in sorted(p for p in root.iterdir() if (p / "page.html").exists()):
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        expected = {"body": (d / "truth.txt").read_text(encoding="utf-8")}
        if meta.get("publish_date"):
            expected["publish_date"] = meta["publish_date"]
        url = meta.get("url") or f"http://unknown.invalid/{d.name}.html"  # some saved pages lost their URL
        cases.append({"name": d.name, "pages": [Page(url, (d / "page.html").read_bytes(), "text/html")],
                      "attachments": [], "expected": expected, "site": None})
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


# ---------------------------------------------------------------- the extractors


def run_govpub(cases: list[dict]) -> dict[str, dict]:
    by_site: dict[str, list[dict]] = {}
    for c in cases:
        if c["site"]:
            by_site.setdefault(c["site"], []).append(c)
    templates = {site: learn_template([c["pages"] for c in group]) for site, group in by_site.items()}
    out = {}
    for c in cases:
        try:
            doc = parse_article(c["pages"], c["attachments"], template=templates.get(c["site"]))
        except ParseError:  # counts as an empty result, as a crash of the others does
            out[c["name"]] = {"body": "", "title": None, "publish_date": None, "source": None}
            continue
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


def run_readability(cases: list[dict]) -> dict[str, dict]:
    import lxml.html
    from readability import Document

    out = {}
    for c in cases:
        texts, title = [], None
        for page in c["pages"]:
            try:
                doc = Document(page.body, url=page.url)
                html = doc.summary(html_partial=True)
                title = title or doc.short_title()
                texts.append(lxml.html.fromstring(html).text_content() if html.strip() else "")
            except Exception:  # readability raises on some pages; an empty result is its score there
                continue
        out[c["name"]] = {"body": "\n".join(texts), "title": title, "publish_date": None, "source": None}
    return out


RUNNERS = {"govpub": run_govpub, "trafilatura": run_trafilatura, "readability": run_readability}


def score(results: dict[str, dict], cases: list[dict]) -> dict[str, float | None]:
    f1s = [f1(results[c["name"]]["body"] or "", c["expected"]["body"]) for c in cases]
    out: dict[str, float | None] = {"f1": mean(f1s), "f1_min": min(f1s)}
    for k in FIELDS:
        judged = [c for c in cases if k in c["expected"]]
        out[k] = sum(results[c["name"]][k] == c["expected"][k] for c in judged) if judged else None
        out[k + "_n"] = len(judged)
    return out


def _frac(s: dict, k: str) -> str:
    if s[k] is None:
        return "—"
    return f"{s[k]}/{s[k + '_n']}"


def bench_suite(label: str, cases: list[dict], runners: dict, rounds: int, worst: int) -> dict:
    """Score and time every extractor on one suite; print the table and the worst pages."""
    n_pages = sum(len(c["pages"]) for c in cases)
    print(f"\n== {label}: {len(cases)} cases, {n_pages} pages")
    results = {name: run(cases) for name, run in runners.items()}  # warm-up run, also the scored one
    scores = {name: score(res, cases) for name, res in results.items()}
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]  # each extractor leads a round in turn
        for name in order:
            t0 = time.perf_counter()
            runners[name](cases)
            times[name].append(time.perf_counter() - t0)
    pps = {name: n_pages / min(ts) for name, ts in times.items()}
    print(f"{'extractor':<12} {'body F1':>8} {'min F1':>7} {'title':>7} {'date':>7} {'source':>7} {'pages/s':>8} {'speed':>6}")
    for name in runners:
        s = scores[name]
        ratio = pps[name] / pps["trafilatura"] if "trafilatura" in pps else float("nan")
        print(f"{name:<12} {s['f1']:>8.3f} {s['f1_min']:>7.3f} {_frac(s, 'title'):>7} {_frac(s, 'publish_date'):>7} "
              f"{_frac(s, 'source'):>7} {pps[name]:>8.1f} {ratio:>5.2f}x")
    f1s = {name: {c["name"]: f1(results[name][c["name"]]["body"] or "", c["expected"]["body"]) for c in cases}
           for name in runners}
    if "trafilatura" in f1s:
        lost = [n for n, v in f1s["govpub"].items() if v < 0.5 and f1s["trafilatura"][n] > 0.9]
        print(f"govpub below 0.5 where trafilatura is above 0.9: {len(lost)}" + (f" ({', '.join(lost)})" if lost else ""))
    print(f"(speed: pages/s relative to trafilatura, best of {rounds} interleaved rounds each)")
    if "govpub" in times:
        head = _head_seconds(cases, rounds)
        print(f"govpub's BeautifulSoup of the meta tags and <title>: {1000 * head:.1f} ms of its "
              f"{1000 * min(times['govpub']):.1f} ms ({100 * head / min(times['govpub']):.1f} %)")
    for name in runners:
        ranked = sorted(f1s[name].items(), key=lambda kv: kv[1])[:worst]
        print(f"worst {len(ranked)} of {name}: " + ", ".join(f"{n[:24]} {v:.3f}" for n, v in ranked))
    return {"scores": scores, "pps": pps, "f1s": f1s, "results": results}


def _head_seconds(cases: list[dict], rounds: int) -> float:
    """Best of `rounds` timings of `metadata.metadata_tags` on every page of the suite: bs4's share of a parse."""
    from parsers.decode import decode_html
    from parsers.metadata import metadata_tags
    from parsers.normalise import strip_pinyin_glosses

    htmls = []
    for c in cases:
        for page in c["pages"]:
            try:
                htmls.append(strip_pinyin_glosses(decode_html(page.body, page.content_type)))
            except Exception:  # an attachment-only or undecodable page: govpub parses no head there either
                continue
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for html in htmls:
            metadata_tags(html)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per extractor, interleaved (default 3)")
    ap.add_argument("--per-case", action="store_true", help="also print each case's body F1 per extractor")
    ap.add_argument("--sample-site", action="store_true", help="also score the bundled sample site's articles")
    ap.add_argument("--cwce", action="store_true", help=f"also score the real pages in {CWCE.relative_to(REPO)}")
    ap.add_argument("--cases", type=Path, action="append", default=[], help="also score a directory of cases")
    ap.add_argument("--only", action="store_true", help="skip the fixture suite (score only the suites named)")
    ap.add_argument("--worst", type=int, default=10, help="worst pages printed per extractor (default 10)")
    args = ap.parse_args()
    try:
        import readability
        import trafilatura
    except ImportError as exc:
        print(f"bench: {exc.name} is not installed (it is in the `bench` extra; run `make bootstrap`)", file=sys.stderr)
        return 2
    print(f"trafilatura {trafilatura.__version__}, readability-lxml {getattr(readability, '__version__', '?')}")
    suites = [] if args.only else [("fixtures (tests/fixtures/pages)", load_cases())]
    if args.sample_site:
        suites.append(("sample site (sample_site/manifest.json; templates learnt per site)", load_sample_site()))
    if args.cwce:
        suites.append((f"CWCE ({CWCE.relative_to(REPO)})", load_case_dir(CWCE)))
    for d in args.cases:
        suites.append((str(d), load_case_dir(d)))
    for label, cases in suites:
        out = bench_suite(label, cases, RUNNERS, args.rounds, args.worst)
        if args.per_case:
            for c in cases:
                print(f"  {c['name']:<44} " + "  ".join(f"{n} {out['f1s'][n][c['name']]:.3f}" for n in RUNNERS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
