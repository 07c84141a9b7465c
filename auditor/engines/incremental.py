"""Run an engine on the changed files only, reusing cached per-file results for the others.

The engine module supplies `scan(targets)`: targets None means the usual whole-repository scan, a list
means only those files (batched in one process). It returns a `ScanOutput` with the raw results grouped
by relative path, or an `EngineRun` when the engine failed (then nothing is cached).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from auditor.cache import EngineStore

# above this share of changed files (or this many), one whole-repository scan is cheaper than a target list
FULL_SCAN_SHARE = 0.5
MAX_TARGETS = 5000


@dataclass
class ScanOutput:
    version: str | None
    results: dict[str, list[dict]] = field(default_factory=dict)   # relative path -> raw results
    scanned: set[str] = field(default_factory=set)                 # files the engine analysed
    errored: set[str] = field(default_factory=set)                 # files with an engine error: not cached
    messages: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)           # files the engine could not analyse: why


@dataclass
class Merged:
    version: str | None
    results: dict[str, list[dict]]
    scanned: int
    messages: list[str]
    rescanned: int
    reused: int
    failed: dict[str, str] = field(default_factory=dict)


def run_incremental(store: EngineStore, hashes: dict[str, str | None],
                    scan: Callable[[list[str] | None], "ScanOutput | object"],
                    safe_target: Callable[[str], bool] = lambda p: True):
    """Merged results for every file in `hashes`, or the engine's failure (whatever `scan` returned)."""
    reused = {rel: entry for rel in hashes if (entry := store.get(rel, hashes[rel])) is not None}
    changed = [rel for rel in hashes if rel not in reused]
    if not changed and store.version is not None:
        return _merge(store.version, reused, ScanOutput(store.version), [], 0)
    whole = (not changed or len(changed) > MAX_TARGETS or len(changed) > FULL_SCAN_SHARE * max(len(hashes), 1)
             or not all(safe_target(rel) for rel in changed))
    out = scan(None if whole else changed)
    if not isinstance(out, ScanOutput):
        return out
    fresh = list(hashes) if whole else changed
    for rel in fresh:
        if rel not in out.errored:
            store.put(rel, hashes[rel], {"scanned": rel in out.scanned, "results": out.results.get(rel, [])})
    if whole:
        reused = {}
    store.save(hashes, out.version)
    return _merge(out.version, reused, out, fresh, len(fresh))


def _merge(version, reused: dict[str, dict], out: ScanOutput, fresh: list[str], rescanned: int) -> Merged:
    results = {rel: entry["results"] for rel, entry in reused.items() if entry["results"]}
    for rel in fresh:
        if out.results.get(rel):
            results[rel] = out.results[rel]
    scanned = sum(1 for e in reused.values() if e.get("scanned")) + len(out.scanned & set(fresh))
    return Merged(version, results, scanned, out.messages, rescanned, len(reused), dict(out.failed))
