"""Dump the full ParsedArticle of every benchmark page to JSON: a safety net for parser refactors.

    .venv/bin/python bench/parse_snapshot.py OUT.json [--compare OLD.json]

Parses every case of the fixtures (tests/fixtures/pages), the sample site (templates learnt per
site, as bench/extraction.py does) and CWCE (bench/data/cwce), and writes one JSON object
`suite/case -> ParsedArticle as a dict` (or the ParseError message). With `--compare`, prints
every case whose output differs from an earlier dump, field by field, and exits 1 if any does.
A speed-up of the parser must leave the dump identical, or explain each difference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.extraction import CWCE, load_case_dir, load_cases, load_sample_site  # noqa: E402
from parsers import ParseError, learn_template, parse_article  # noqa: E402


def snapshot() -> dict[str, object]:
    out: dict[str, object] = {}
    for suite, cases in (("fixtures", load_cases()), ("sample", load_sample_site()), ("cwce", load_case_dir(CWCE))):
        by_site: dict[str, list] = {}
        for c in cases:
            if c["site"]:
                by_site.setdefault(c["site"], []).append(c["pages"])
        templates = {site: learn_template(pages) for site, pages in by_site.items()}
        for site, t in sorted(templates.items()):
            out[f"{suite}/template:{site}"] = {"lines": sorted(t.lines), "articles": t.articles,
                                               "attached": sorted(map(list, t.attached))}
        for c in cases:
            try:
                doc = parse_article(c["pages"], c["attachments"], template=templates.get(c["site"]))
                out[f"{suite}/{c['name']}"] = dataclasses.asdict(doc)
            except ParseError as exc:
                out[f"{suite}/{c['name']}"] = {"ParseError": str(exc)}
    return out


def compare(old: dict, new: dict) -> int:
    diffs = 0
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        diffs += 1
        print(f"--- {key}")
        if not isinstance(a, dict) or not isinstance(b, dict):
            print(f"  old: {a!r:.300}\n  new: {b!r:.300}")
            continue
        for field in sorted(set(a) | set(b)):
            if a.get(field) != b.get(field):
                print(f"  {field}:\n    old: {a.get(field)!r:.600}\n    new: {b.get(field)!r:.600}")
    print(f"{diffs} of {len(set(old) | set(new))} entries differ")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--compare", type=Path, help="an earlier dump to compare with")
    args = ap.parse_args()
    new = snapshot()
    args.out.write_text(json.dumps(new, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        return 1 if compare(old, json.loads(json.dumps(new))) else 0  # tuples as the dump has them
    print(f"{len(new)} entries written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
