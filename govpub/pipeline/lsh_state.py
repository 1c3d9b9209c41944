"""The persistent MinHash LSH state behind incremental clusters (clusters/lsh/ in S3).

One slot per document version that clustering has seen, in blocks of `BLOCK` slots: a block
object holds the slots' ids, sites, publish dates, sha64 (first 64 bits of body_sha256) and
LSH band keys; a signatures object beside it their MinHash signatures. The manifest lists the
blocks, the duplicate edges (govpub.documents.dedup: same body or near duplicates) and the runs
whose archived documents are in the state. A document that changes gets a new slot (the old
one is marked dead), so a run rewrites only the blocks it touched: the tail block and those of
changed documents. Every save writes new block keys (a new generation) and then the
manifest, so a crash leaves the previous state whole.

Reading the state reads every block (ids and band keys: ~150 bytes per slot, not the
signatures); the signatures are read only for the blocks holding candidates and cluster members.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import numpy as np

from govpub.archive import Archive
from govpub.archive.keys import lsh_block_key, lsh_manifest_key
from govpub.documents.dedup import (
    BANDS, NUM_PERM, ROWS, SEED, SHINGLE, THRESHOLD, DocInfo, band_keys, clusters_from_edges, near_duplicates,
    sha64, signature,
)
from govpub.schema import Document

LSH_SCHEMA_VERSION = 1
BLOCK = 10_000
READ_WORKERS = 8
METHOD = {"near": "minhash-lsh", "threshold": THRESHOLD, "num_perm": NUM_PERM, "bands": BANDS, "rows": ROWS,
          "shingle": SHINGLE, "seed": SEED, "block": BLOCK}


class LshState:
    def __init__(self, archive: Archive, manifest: dict | None = None):
        self.archive = archive
        self.manifest = manifest or {"schema_version": LSH_SCHEMA_VERSION, "method": METHOD, "generation": 0,
                                     "slots": 0, "blocks": [], "edges": [], "applied_runs": []}
        self.ids: list[str] = []
        self.sites: list[str] = []
        self.dates: list[str] = []
        self.sha = np.zeros(0, dtype=np.uint64)
        self.bands = np.zeros((0, BANDS), dtype=np.uint32)
        self.comparable = np.zeros(0, dtype=bool)
        self.alive = np.zeros(0, dtype=bool)
        self.slot_of: dict[str, int] = {}
        self.edges: set[tuple[str, str]] = {tuple(e) for e in self.manifest["edges"]}
        self._signatures: dict[int, np.ndarray] = {}
        self._dirty: set[int] = set()
        self._dirty_signatures: set[int] = set()
        self._sorted: list[tuple[np.ndarray, np.ndarray]] | None = None

    # -- loading and saving ---------------------------------------------------------------
    @classmethod
    def load(cls, archive: Archive) -> "LshState | None":
        manifest = archive.get_json_or_none(lsh_manifest_key(archive.prefix))
        if manifest is None or manifest.get("method") != METHOD:
            return None  # none yet, or built with other parameters: rebuild
        state = cls(archive, manifest)
        with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
            blocks = list(pool.map(lambda b: _load_npz(archive, b["block"]), manifest["blocks"]))
        if blocks:
            state.ids = [str(x) for b in blocks for x in b["ids"]]
            state.sites = [str(x) for b in blocks for x in b["sites"]]
            state.dates = [str(x) for b in blocks for x in b["dates"]]
            state.sha = np.concatenate([b["sha"] for b in blocks])
            state.bands = np.concatenate([b["bands"] for b in blocks])
            state.comparable = np.concatenate([b["comparable"] for b in blocks])
            state.alive = np.concatenate([b["alive"] for b in blocks])
        state.slot_of = {state.ids[i]: int(i) for i in np.flatnonzero(state.alive)}
        return state

    def save(self) -> int:
        """Write the touched blocks under new keys, then the manifest; returns objects written."""
        prefix, generation = self.archive.prefix, self.manifest["generation"] + 1
        blocks = list(self.manifest["blocks"])
        old_keys, written = [], 0
        for number in sorted(self._dirty | self._dirty_signatures):
            while len(blocks) <= number:
                blocks.append({"block": None, "signatures": None})
            entry = dict(blocks[number])
            span = slice(number * BLOCK, min((number + 1) * BLOCK, len(self.ids)))
            if number in self._dirty:
                buffer = io.BytesIO()
                np.savez(buffer, ids=np.array(self.ids[span], dtype=str), sites=np.array(self.sites[span], dtype=str),
                         dates=np.array(self.dates[span], dtype=str), sha=self.sha[span], bands=self.bands[span],
                         comparable=self.comparable[span], alive=self.alive[span])
                old_keys.append(entry["block"])
                entry["block"] = lsh_block_key(prefix, number, generation, "block")
                self.archive.put_bytes(entry["block"], buffer.getvalue())
                written += 1
            if number in self._dirty_signatures:
                buffer = io.BytesIO()
                np.save(buffer, self.signature_block(number))
                old_keys.append(entry["signatures"])
                entry["signatures"] = lsh_block_key(prefix, number, generation, "signatures")
                self.archive.put_bytes(entry["signatures"], buffer.getvalue())
                written += 1
            blocks[number] = entry
        self.manifest.update(generation=generation, slots=len(self.ids), blocks=blocks,
                             documents=int(self.alive.sum()), edges=sorted([a, b] for a, b in self.edges))
        self.archive.put_json(lsh_manifest_key(prefix), self.manifest)
        for key in filter(None, old_keys):  # the previous generation's objects: no manifest names them now
            self.archive.delete(key)
        self._dirty, self._dirty_signatures = set(), set()
        return written + 1

    def signature_block(self, number: int) -> np.ndarray:
        if number not in self._signatures:
            blocks = self.manifest["blocks"]
            key = blocks[number]["signatures"] if number < len(blocks) else None
            self._signatures[number] = (np.load(io.BytesIO(self.archive.get_bytes(key)), allow_pickle=False)
                                        if key else np.zeros((0, NUM_PERM), dtype=np.uint32))
        return self._signatures[number]

    def signature_of(self, slot: int) -> np.ndarray:
        return self.signature_block(slot // BLOCK)[slot % BLOCK]

    # -- changes --------------------------------------------------------------------------
    def documents(self) -> int:
        return int(self.alive.sum())

    def apply(self, docs: Iterable[Document]) -> list[str]:
        """Give changed documents new slots (their old slot dies) and recompute their edges.
        Returns the ids whose slot changed (documents with the same body and date are skipped)."""
        added: list[tuple[Document, np.ndarray | None]] = []
        for doc in docs:
            slot = self.slot_of.get(doc.id)
            if slot is not None and int(self.sha[slot]) == sha64(doc.body_sha256) and self.dates[slot] == (doc.publish_date or "") \
                    and self.sites[slot] == doc.site:
                continue
            if slot is not None:
                self.alive[slot] = False
                self._dirty.add(slot // BLOCK)
            added.append((doc, signature(doc.body)))
        if not added:
            return []
        first = len(self.ids)
        sigs = np.array([s if s is not None else np.zeros(NUM_PERM, dtype=np.uint32) for _, s in added], dtype=np.uint32)
        self.ids += [d.id for d, _ in added]
        self.sites += [d.site for d, _ in added]
        self.dates += [d.publish_date or "" for d, _ in added]
        self.sha = np.concatenate([self.sha, np.array([sha64(d.body_sha256) for d, _ in added], dtype=np.uint64)])
        self.bands = np.concatenate([self.bands, band_keys(sigs)])
        self.comparable = np.concatenate([self.comparable, np.array([s is not None for _, s in added], dtype=bool)])
        self.alive = np.concatenate([self.alive, np.ones(len(added), dtype=bool)])
        for offset, row in enumerate(sigs):
            slot = first + offset
            number = slot // BLOCK
            block = self.signature_block(number)
            self._signatures[number] = np.concatenate([block, row[None, :]])
            self._dirty.add(number)
            self._dirty_signatures.add(number)
            self.slot_of[self.ids[slot]] = slot
        changed = [d.id for d, _ in added]
        gone = set(changed)
        self.edges = {e for e in self.edges if e[0] not in gone and e[1] not in gone}
        self._sorted = None
        for offset in range(len(added)):
            self._connect(first + offset)
        return changed

    def _connect(self, slot: int) -> None:
        """Add the edges of `slot` to every live comparable slot it duplicates."""
        if not self.comparable[slot]:
            return
        if self._sorted is None:
            live = np.flatnonzero(self.alive & self.comparable)
            columns = [self.sha[live]] + [self.bands[live, i] for i in range(BANDS)]
            self._sorted = []
            for values in columns:
                order = np.argsort(values, kind="stable")
                self._sorted.append((values[order], live[order]))
        keys = [self.sha[slot]] + [self.bands[slot, i] for i in range(BANDS)]
        candidates: set[int] = set()
        exact: set[int] = set()
        for column, (key, (values, slots)) in enumerate(zip(keys, self._sorted)):
            lo, hi = np.searchsorted(values, key, "left"), np.searchsorted(values, key, "right")
            found = {int(s) for s in slots[lo:hi]}
            (exact if column == 0 else candidates).update(found)
        own = self.signature_of(slot)
        for other in (exact | candidates) - {slot}:
            if other in exact or near_duplicates(own, self.signature_of(other)):
                a, b = sorted((self.ids[slot], self.ids[other]))
                self.edges.add((a, b))

    # -- clusters -------------------------------------------------------------------------
    def clusters(self, kinds: dict[str, str]) -> list[dict]:
        on_edges = {i for e in self.edges for i in e}
        members = {}
        for doc_id in on_edges:
            slot = self.slot_of[doc_id]
            members[doc_id] = DocInfo(doc_id, self.sites[slot], kinds.get(self.sites[slot], "unknown"),
                                      self.dates[slot] or None, f"{int(self.sha[slot]):016x}", "")
        return clusters_from_edges(self.edges, members, lambda doc_id: self.signature_of(self.slot_of[doc_id]))


def _load_npz(archive: Archive, key: str) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(archive.get_bytes(key)), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
