#!/usr/bin/env python
"""Cluster-update time for 100 new documents on an archive of 100,000 (issue 12, item 3).

How the 100,000 are built (honestly): the persistent LSH state (govpub.pipeline.lsh_state)
is filled with 100,000 slots and saved to S3 through its own `save()` — 10 block objects and
10 signature objects, as a real archive of that size would have. 99,000 slots carry random
MinHash signatures (what distinct texts give: Jaccard ~0, no band collision); 1,000 carry the
real signatures of edited variants of the sample site's texts, so candidates and clusters are
real. Their documents are NOT written to documents/ (that would be 200,000 PUTs); the update
never reads them, which is the point. The 100 new documents ARE real: written through the
archive API with an archive step record, 20 of them reposts of texts already in the state.
`update_clusters` (the clusters step) then runs for real against S3 and Elasticsearch.

    .venv/bin/python bench/clusters_incremental.py [--slots 100000] [--new 100]
    # needs `python -m govpub_dev services up`; cleans up after itself
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402

from govpub import index  # noqa: E402
from govpub.archive import Archive, run_key  # noqa: E402
from govpub.documents.dedup import BANDS, NUM_PERM, band_keys, sha64, signature  # noqa: E402
from govpub.pipeline.clusters import update_clusters  # noqa: E402
from govpub.pipeline.context import RunContext  # noqa: E402
from govpub.pipeline.lsh_state import BLOCK, LshState  # noqa: E402
from govpub.pipeline.results import ArchiveResult  # noqa: E402
from govpub.schema import Document, doc_id_for, sha256_text  # noqa: E402
from govpub.settings import REPO_ROOT, Settings  # noqa: E402

TEXTS = sorted((REPO_ROOT / "sample_site" / "texts").rglob("*.txt"))


def variant(text: str, rng: random.Random) -> str:
    """An edited copy: a paragraph dropped, a sentence added (a typical repost)."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    return "\n".join(paragraphs + [f"（转载第{rng.randrange(10**6)}号）"])


def document(url: str, site: str, body: str) -> Document:
    return Document(id=doc_id_for(url), url=url, site=site, title="文件", publish_date="2025-01-01", source=None,
                    doc_number=None, index_no=None, body=body, fetched_at="2026-11-23T00:00:00Z",
                    parser_version="bench", raw=None, body_sha256=sha256_text(body), page_urls=(url,))


def build_state(archive: Archive, slots: int, real: list[str], rng: random.Random) -> None:
    state = LshState(archive)
    gen = np.random.default_rng(12)
    sigs = gen.integers(0, 2**32, size=(slots, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    for i, body in enumerate(real):  # the first slots: real signatures of real texts
        sigs[i] = signature(body)
    state.ids = [doc_id_for(f"http://bench.example.gov.cn/old/{i:07d}.html") for i in range(slots)]
    state.sites = [f"bench-site-{i % 20:02d}" for i in range(slots)]
    state.dates = ["2024-01-01"] * slots
    state.sha = np.array([sha64(sha256_text(real[i]) if i < len(real) else f"{rng.getrandbits(64):016x}")
                          for i in range(slots)], dtype=np.uint64)
    state.bands = band_keys(sigs)
    assert state.bands.shape == (slots, BANDS)
    state.comparable = np.ones(slots, dtype=bool)
    state.alive = np.ones(slots, dtype=bool)
    state.slot_of = {doc_id: i for i, doc_id in enumerate(state.ids)}
    for number in range((slots + BLOCK - 1) // BLOCK):
        state._signatures[number] = sigs[number * BLOCK:(number + 1) * BLOCK]
        state._dirty.add(number)
        state._dirty_signatures.add(number)
    for i in range(len(real)):  # the edges among the real slots, exactly as an update computes them
        state._connect(i)
    state.manifest["applied_runs"] = []
    state.save()


def count_requests(archive: Archive) -> Counter:
    counts: Counter = Counter()
    for op in ("GetObject", "PutObject", "ListObjectsV2", "DeleteObject"):
        archive.s3.meta.events.register(f"before-parameter-build.s3.{op}",
                                        lambda params, _op=op, **_: counts.update([_op]))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(12)
    tag = uuid.uuid4().hex[:8]
    settings = Settings.from_env().with_overrides(s3_bucket=f"govpub-bench-clusters-{tag}",
                                                  es_alias=f"govpub-bench-clusters-{tag}")
    archive = Archive(settings)
    archive.ensure_bucket()
    es = index.client(settings)
    texts = [p.read_text(encoding="utf-8") for p in TEXTS]
    real = [variant(texts[i % len(texts)], rng) for i in range(1000)]
    try:
        started = time.monotonic()
        build_state(archive, args.slots, real, rng)
        print(f"state of {args.slots} slots saved to S3 in {time.monotonic() - started:.1f} s (setup, not timed below)")

        new_docs = [document(f"http://bench.example.gov.cn/new/{i:05d}.html", "bench-new",
                             variant(texts[i % len(texts)], rng) if i < 20 else
                             "".join(rng.choice(texts[i % len(texts)]) for _ in range(400)))
                    for i in range(args.new)]
        mark = len(archive.written)
        for doc in new_docs:
            archive.put_document(doc, 1)
        run_id = "bench-clusters-run"
        record = ArchiveResult(site="bench-new", run_id=run_id, documents_new=len(new_docs), documents_changed=0,
                               documents_written=len(new_docs), documents_unchanged=0, documents_not_modified=0,
                               documents_deleted=0, documents_restored=0, documents_failed=0, seconds=0.0,
                               manifest_key="", document_keys=[], objects=list(archive.written[mark:]))
        archive.put_json(run_key(archive.prefix, run_id, "bench-new", "archive.json"), record.to_record())
        index.bulk_index(es, settings.es_alias, new_docs, refresh=True)  # as the index step would have

        context = RunContext(settings, echo=print)
        counts = count_requests(context.archive)
        started = time.monotonic()
        result = update_clusters(context)
        seconds = time.monotonic() - started
        print(f"cluster update, {args.new} new documents on {args.slots} + {args.new}: {seconds:.2f} s; "
              f"S3 requests {dict(counts)}; {result.clusters} clusters, {result.changed} documents changed cluster")
        counts.clear()
        started = time.monotonic()
        update_clusters(RunContext(settings, echo=lambda line: None))
        print(f"cluster update, nothing new: {time.monotonic() - started:.2f} s")
        assert result.documents == args.slots + args.new and result.changed >= 20
    finally:
        index.delete_alias_and_indices(es, settings.es_alias)
        archive.delete_bucket_contents_and_bucket()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
