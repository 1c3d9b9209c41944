#!/usr/bin/env python
"""How long `govpub reconcile` takes on an archive of 10,000 documents: nothing pending, then
1,000 documents missing from the index (and 1,000 with stale cluster fields, and 100 deleted
in the archive but active in the index).

The 10,000 documents are synthetic (random Chinese text, 5 sites) and written through the
archive API (`Archive.put_document`: v1.json + latest.json each) into a bucket of the bench's
own; they are indexed with their overlays as the index step would. Then the index is damaged
through Elasticsearch directly and `reconcile` (govpub.pipeline.converge) repairs it; each
pass is timed in the same run, and a last pass checks nothing is left.

    .venv/bin/python bench/reconcile.py [--documents 10000] [--pending 1000]
    # needs `python -m govpub_dev services up` (S3 + Elasticsearch); cleans up after itself
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from elasticsearch import helpers  # noqa: E402

from govpub import index  # noqa: E402
from govpub.archive import Archive  # noqa: E402
from govpub.archive.versions import DocumentVersions  # noqa: E402
from govpub.pipeline.context import RunContext  # noqa: E402
from govpub.pipeline.converge import reconcile  # noqa: E402
from govpub.schema import Document, doc_id_for, sha256_text  # noqa: E402
from govpub.settings import Settings  # noqa: E402

PROFILE = "--profile" in sys.argv
CHARS = "教育局学校工作计划总结通知意见实施方案安全管理质量提升课程教师培训学生发展规划年度重点任务推进落实"


def synthetic(n: int, rng: random.Random) -> list[Document]:
    docs = []
    for i in range(n):
        url = f"http://bench.example.gov.cn/site-{i % 5}/{i:07d}.html"
        body = "".join(rng.choice(CHARS) for _ in range(300))
        docs.append(Document(
            id=doc_id_for(url), url=url, site=f"bench-site-{i % 5}", title=f"文件{i}", publish_date="2024-03-01",
            source=None, doc_number=None, index_no=None, body=body, fetched_at="2026-11-23T00:00:00Z",
            parser_version="bench", raw=None, body_sha256=sha256_text(body), page_urls=(url,),
        ))
    return docs


def timed(label: str, context: RunContext) -> dict:
    started = time.monotonic()
    if PROFILE:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        found = profile.runcall(reconcile, context)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    else:
        found = reconcile(context)
    seconds = time.monotonic() - started
    print(f"{label:<44} {seconds:7.2f} s   behind {found.behind:>5}  status {found.status_pending:>4}  "
          f"cluster {found.cluster_pending:>5}  indexed {found.indexed:>5}  overlays {found.overlays_updated:>5}")
    return {"seconds": seconds, **found.to_dict()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--pending", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each pass")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    settings = Settings.from_env().with_overrides(s3_bucket=f"govpub-bench-reconcile-{tag}",
                                                  es_alias=f"govpub-bench-reconcile-{tag}")
    archive = Archive(settings)
    archive.ensure_bucket()
    es = index.client(settings)
    rng = random.Random(14)
    try:
        docs = synthetic(args.documents, rng)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda d: archive.put_document(d, 1), docs))
        print(f"wrote {len(docs)} documents through the archive API in {time.monotonic() - started:.1f} s")
        versions = DocumentVersions.listed(archive)
        index.bulk_index(es, settings.es_alias, docs, refresh=True, overlays=versions.overlays())
        context = RunContext(settings, echo=lambda line: None)
        print(f"reconcile on {len(docs)} archived documents (S3Proxy + Elasticsearch on loopback, 2 cores):")
        timed("nothing pending", context)

        missing = rng.sample(docs, args.pending)
        helpers.bulk(es, ({"_op_type": "delete", "_index": settings.es_alias, "_id": d.id} for d in missing))
        timed(f"{args.pending} documents missing from the index", RunContext(settings, echo=lambda line: None))

        rest = [d for d in docs if d not in set(missing)]
        stale = rng.sample(rest, args.pending)
        helpers.bulk(es, ({"_op_type": "update", "_index": settings.es_alias, "_id": d.id,
                           "doc": {"cluster": "stale", "cluster_size": 2}} for d in stale))
        for doc in rng.sample(rest, args.pending // 10):
            versions.set_status(doc.site, doc.id, "deleted", "2026-11-30", "bench", "bench")
        es.indices.refresh(index=settings.es_alias)
        timed(f"{args.pending} stale cluster fields + {args.pending // 10} deletions",
              RunContext(settings, echo=lambda line: None))
        after = timed("again (nothing left)", RunContext(settings, echo=lambda line: None))
        assert after["behind"] == after["status_pending"] == after["cluster_pending"] == 0
        assert index.count(es, settings.es_alias) == len(docs)
    finally:
        index.delete_alias_and_indices(es, settings.es_alias)
        archive.delete_bucket_contents_and_bucket()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
