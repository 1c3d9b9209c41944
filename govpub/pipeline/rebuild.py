"""Rebuilding from the archive alone:

- `rebuild_index` (`govpub reindex`, the `govpub_reindex` DAG): S3 → a NEW index, then the alias swap;
- `index_archive` (`govpub index`): S3 → the CURRENT index behind the alias, in place;
- `reparse` (`govpub reparse`): raw WARC → the current parser → new versions where the output changed.

None touches the network beyond S3 and Elasticsearch.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from elasticsearch import helpers

from govpub import index
from govpub.archive import versions
from govpub.archive import Archive, safe_key_part
from govpub.settings import Settings
from govpub.documents import group_articles, parse_articles
from govpub.schema import Document
from govpub.archive.warc import read_records


READ_WORKERS = 8


class RebuildFailed(RuntimeError):
    """A rebuild could not finish; the alias was left where it was."""


class _Progress:
    def __init__(self, total: int, what: str, echo: Callable[[str], None], every: int = 200):
        self.total, self.what, self.echo, self.every = total, what, echo, every
        self.done = 0
        self.started = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.done % self.every == 0 or self.done == self.total:
            self.echo(f"  {self.what} {self.done}/{self.total} ({self.rate:.0f} docs/s)")

    @property
    def seconds(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.done / self.seconds


def rebuild_index_name(alias: str, version: int, rebuild_id: str) -> str:
    return f"{alias}-v{version}-{safe_key_part(rebuild_id).lower()}"


def rebuild_index(
    settings: Settings,
    echo: Callable[[str], None] = print,
    rebuild_id: str | None = None,
    keep_old: bool = False,
) -> dict:
    """Index every latest document (with its overlay) into a new index, then move the alias to it.

    The new index is `<alias>-v<mapping version>-<rebuild id>`; searches keep hitting the old
    index until one `_aliases` call moves the alias (atomic in Elasticsearch). The swap happens
    only when the new index holds exactly as many documents as the archive.
    """
    archive = Archive(settings)
    es = index.client(settings)
    index.check_reachable(es, settings)
    alias = settings.es_alias
    if es.indices.exists(index=alias) and not es.indices.exists_alias(name=alias):
        raise RebuildFailed(f"{alias!r} is a concrete index, not an alias; refusing to replace it")
    rebuild_id = rebuild_id or datetime.now(timezone.utc).strftime("r%Y%m%dt%H%M%S")
    mapping = index.load_mapping()
    name = rebuild_index_name(alias, index.mapping_version(mapping), rebuild_id)
    if name in index.alias_indices(es, alias):
        echo(f"reindex: {alias} already points at {name} (a retried rebuild); nothing to do")
        return {"index": name, "documents": index.count(es, alias), "seconds": 0.0, "docs_per_second": 0.0,
                "previous": []}
    entries = archive.document_entries()
    echo(f"reindex: {len(entries)} documents in s3://{archive.bucket}/{archive.prefix}documents/ → {name}")
    create_empty_index(es, name, mapping)
    overlays = versions.overlays(archive, entries)
    progress = _Progress(len(entries), "indexed", echo)
    errors = bulk_into(es, name, read_latest(archive, entries), overlays, progress)
    count = int(es.count(index=name)["count"])
    if errors or count != len(entries):
        es.options(ignore_status=404).indices.delete(index=name)
        raise RebuildFailed(
            f"reindex into {name} indexed {count} of {len(entries)} documents ({len(errors)} errors); alias unchanged"
        )
    old = move_alias(es, alias, name, keep_old)
    echo(
        f"reindex: {count} documents in {progress.seconds:.1f}s ({progress.rate:.0f} docs/s); alias {alias} → {name}"
        + (f" (was {', '.join(old)}{', kept' if keep_old else ', deleted'})" if old else "")
    )
    return {"index": name, "documents": count, "seconds": round(progress.seconds, 3),
            "docs_per_second": round(progress.rate, 1), "previous": old}


def create_empty_index(es, name: str, mapping: dict) -> None:
    """`name` with the mapping, empty (a leftover of a failed rebuild with the same id is dropped)."""
    es.options(ignore_status=404).indices.delete(index=name)
    es.indices.create(index=name, settings=mapping["settings"], mappings={**mapping["mappings"], "_meta": mapping["_meta"]})


def read_latest(archive: Archive, entries: dict) -> Iterator[Document]:
    """Every listed document's latest version, in listing order; S3 GETs in parallel (boto3
    clients are thread-safe)."""
    from concurrent.futures import ThreadPoolExecutor

    keys = [archive.document_key(entry.site, entry.id) for entry in entries.values()]
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        for body in pool.map(archive.get_bytes, keys):
            yield Document.from_json(body)


def bulk_into(es, name: str, documents: Iterable[Document], overlays: dict, progress: _Progress) -> list:
    """Index `documents` into the concrete index `name`, then refresh it; the failed items."""
    errors = []
    for ok, item in helpers.streaming_bulk(
        es, index.actions(name, documents, overlays), chunk_size=index.BULK_CHUNK_SIZE,
        raise_on_error=False, max_retries=5,
    ):
        progress.tick()
        if not ok:
            errors.append(item)
    es.indices.refresh(index=name)
    return errors


def move_alias(es, alias: str, name: str, keep_old: bool) -> list[str]:
    """Point `alias` at `name` alone, in one `_aliases` call (atomic); the indices it left."""
    old = index.alias_indices(es, alias)
    actions = [{"remove": {"index": old_index, "alias": alias}} for old_index in old]
    actions.append({"add": {"index": name, "alias": alias, "is_write_index": True}})
    es.indices.update_aliases(actions=actions)
    if not keep_old:
        for old_index in old:
            es.options(ignore_status=404).indices.delete(index=old_index)
    return old


def _crawl_groups(keys: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """raw/{site}/{date}/{crawl}-{part}.warc.gz keys grouped by (site, date/crawl), parts in order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key in sorted(keys):
        if not key.endswith(".warc.gz"):
            continue
        parts = key.split("/")
        site, crawl = parts[-3], parts[-2] + "/" + parts[-1].rsplit("-", 1)[0]
        groups.setdefault((site, crawl), []).append(key)
    return groups


def reparse(
    settings: Settings, site: str | None = None, echo: Callable[[str], None] = print, update_index: bool = True
) -> dict:
    """Run the current parser over every raw WARC record (no network); store changed output as new versions.

    For each article the most recent 200 copy of its first page (by fetch time) is parsed. A new
    version is written only when the output differs from the latest version in content (the
    parser version alone does not make a new version).
    """
    from govpub.registry import load_sites

    archive = Archive(settings)
    sites = load_sites(settings.sites_dir)
    prefix = f"{archive.prefix}raw/" + (f"{safe_key_part(site)}/" if site else "")
    groups = _crawl_groups(archive.list_keys(prefix))
    echo(f"reparse: {len(groups)} crawls under s3://{archive.bucket}/{prefix}")
    latest: dict[str, Document] = {}
    errors = 0
    started = time.monotonic()
    parsed_total = 0
    for (site_id, crawl), keys in groups.items():
        if site_id not in sites:
            echo(f"  {site_id}: not in the site registry, skipped")
            continue
        records = []
        for key in keys:
            with archive.spool(key) as spool:
                records.extend((key, stored) for stored in read_records(spool))
        articles = {u: a for u, a in group_articles(records).items() if 1 in a.pages and a.pages[1].fetched.status == 200}
        outcome = parse_articles(sites[site_id], articles)
        errors += len(outcome.errors)
        parsed_total += len(outcome.documents)
        for doc in outcome.documents:
            if doc.id not in latest or doc.fetched_at >= latest[doc.id].fetched_at:
                latest[doc.id] = doc
        rate = parsed_total / max(time.monotonic() - started, 1e-9)
        echo(f"  {site_id} {crawl}: parsed {len(outcome.documents)} articles ({rate:.0f} docs/s so far)")
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    changed_keys = []
    stored = versions.DocumentVersions.listed(archive, site)  # one listing decides every version
    for doc in latest.values():
        outcome, _ = stored.store(doc, ignore_parser_version=True)
        counts[outcome] += 1
        if outcome != versions.UNCHANGED:
            changed_keys.append((doc.site, doc.id))
    seconds = max(time.monotonic() - started, 1e-9)
    echo(
        f"reparse: {parsed_total} article copies parsed, {len(latest)} documents in {seconds:.1f}s "
        f"({parsed_total / seconds:.0f} docs/s); {counts['new']} new, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged; {errors} parse errors"
    )
    indexed = 0
    if update_index and changed_keys:
        es = index.client(settings)
        index.check_reachable(es, settings)
        docs = [stored.latest_document(s, i) for s, i in changed_keys]  # as just written: no GET
        result = index.bulk_index(
            es, settings.es_alias, docs, refresh=True, overlays=stored.overlays({i for _, i in changed_keys}),
        )
        indexed = result.indexed
        echo(f"reparse: indexed {indexed} new versions into {settings.es_alias}")
    return {**counts, "parsed": parsed_total, "documents": len(latest), "errors": errors, "indexed": indexed,
            "seconds": round(seconds, 3)}


def index_archive(settings: Settings, site: str | None = None, echo: Callable[[str], None] = print) -> dict:
    """Index every latest document in the archive (optionally one site's), with its overlay, into the
    index the alias points at now (created if missing; idempotent: document ids are `_id`s)."""
    archive = Archive(settings)
    es = index.client(settings)
    index.check_reachable(es, settings)
    entries = archive.document_entries(site)
    documents = list(read_latest(archive, entries))  # one listing, parallel GETs
    echo(f"read {len(documents)} documents from s3://{archive.bucket}/{archive.prefix}documents/")
    overlays = versions.overlays(archive, entries)
    result = index.bulk_index(es, settings.es_alias, documents, refresh=True, overlays=overlays)
    echo(f"indexed {result.indexed} documents into {settings.es_alias}, {len(result.errors)} errors")
    return {"documents_indexed": result.indexed, "errors": result.errors}
