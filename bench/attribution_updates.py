"""What the attribution costs the clusters step's index updates, side by side in one run.

    .venv/bin/python bench/attribution_updates.py            # 5,000 documents, 3 rounds (about 10 s)
    .venv/bin/python bench/attribution_updates.py --docs 20000

`govpub.index.update_overlays` fills an attributed field the archive leaves None (not attributed)
with the document's own value, which it reads first (one mget per 500 documents; this
Elasticsearch build has no scripting). Each round updates every document twice in its own alias:
cluster fields only, then cluster fields with the attributed fields None; prints both times and
the ratio. Deletes the alias at the end.
"""

from __future__ import annotations

import argparse
import time
import uuid

from elasticsearch import helpers

from govpub import index
from govpub.schema import ATTRIBUTED_FROM
from govpub.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    es = index.client(Settings.from_env())
    alias = f"govpub-bench-attribution-{uuid.uuid4().hex[:8]}"
    index.ensure_index(es, alias)
    try:
        helpers.bulk(es, ({"_index": alias, "_id": f"d{i}", "_source": {"id": f"d{i}", "agency": "机构", "region": "地区",
                                                                          "doc_number": None}} for i in range(args.docs)),
                     refresh=True)
        base = {"cluster": "c", "canonical_id": "c", "is_canonical": False}
        for rnd in range(args.rounds):
            started = time.monotonic()
            index.update_overlays(es, alias, {f"d{i}": {**base, "cluster_size": 2 + rnd} for i in range(args.docs)})
            plain = time.monotonic() - started
            started = time.monotonic()
            index.update_overlays(es, alias, {f"d{i}": {**base, "cluster_size": 100 + rnd, **dict.fromkeys(ATTRIBUTED_FROM)}
                                              for i in range(args.docs)})
            attributed = time.monotonic() - started
            print(f"round {rnd}: {args.docs} updates: cluster fields {plain:.2f}s, with attributed fields "
                  f"(mget first) {attributed:.2f}s, ratio {attributed / plain:.2f}")
        held = es.get(index=alias, id="d1")["_source"]
        assert held["attributed_agency"] == "机构", held  # filled from the document's own agency
    finally:
        index.delete_alias_and_indices(es, alias)


if __name__ == "__main__":
    main()
