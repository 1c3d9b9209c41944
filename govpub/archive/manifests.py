"""Run manifests: for every run and site, every object the run wrote (size, sha256) and the counts.

`runs/{run_id}/{site}/manifest.json` is the last object a run writes for a site (after the
index step): a reader that finds it knows every object it lists is complete. A re-run of the
same run id rewrites it; `objects` is then the union of what every execution wrote (a key
written again carries its latest size and checksum), `counts` those of the latest execution.
"""

from __future__ import annotations

import hashlib
import json

from botocore.exceptions import ClientError

from govpub.archive import Archive, json_bytes, manifest_key, run_key

MANIFEST_SCHEMA_VERSION = 1
STEPS = ("crawl", "parse", "archive", "index")


def write_run_manifest(archive: Archive, run_id: str, site: str, known: dict[str, dict] | None = None) -> dict:
    """Write the run's manifest for `site`. `known`: step name → its record as this process wrote
    or read it (its stored bytes are `json_bytes(record)`); the other step records are read."""
    steps, objects = {}, {}
    for step in STEPS:
        key = run_key(archive.prefix, run_id, site, f"{step}.json")
        if known and step in known:
            body = json_bytes(known[step])
        else:
            try:
                body = archive.get_bytes(key)
            except ClientError:
                continue
        steps[step] = json.loads(body)
        for info in steps[step].get("objects", []):
            objects[info["key"]] = {k: info[k] for k in ("key", "size", "sha256")}
        objects[key] = {"key": key, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    previous = archive.get_json_or_none(manifest_key(archive.prefix, run_id, site))
    merged = {o["key"]: o for o in (previous or {}).get("objects", [])}
    merged.update(objects)
    crawl, archived = steps.get("crawl", {}), steps.get("archive", {})
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "run_id": run_id,
        "site": site,
        "crawl_date": crawl.get("crawl_date"),
        "full_sweep": bool(crawl.get("full_sweep", True)),
        "counts": {
            "new": archived.get("documents_new", 0),
            "changed": archived.get("documents_changed", 0),
            "unchanged": archived.get("documents_unchanged", 0),
            "deleted": archived.get("documents_deleted", 0),
            "failed": archived.get("documents_failed", 0),
        },
        "fetch": {
            "requests": crawl.get("requests", 0),
            "responses": crawl.get("pages_fetched", 0),
            "not_modified": crawl.get("not_modified", 0),
            "body_bytes": crawl.get("bytes_fetched", 0),
            "wire_bytes": crawl.get("wire_bytes", 0),
        },
        "objects": [merged[k] for k in sorted(merged)],
    }
    archive.put_json_if_changed(manifest_key(archive.prefix, run_id, site), manifest, stored=previous)
    return manifest
