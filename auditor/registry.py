"""Plug-in registries. A check module declares `@check("ITEM-ID")`; a collector `@collector(KEY)` with a typed Key.

Every module in auditor.checks (its category packages included) and auditor.collectors is imported once,
so adding an analysis is adding a file: no central list to edit.
"""
from __future__ import annotations

import importlib
import keyword
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from auditor.context import Key

CheckFn = Callable[..., Any]
CHECKS: dict[str, CheckFn] = {}


@dataclass(frozen=True)
class Collector:
    name: str
    fn: Callable[..., Any]
    after: tuple[str, ...] = ()
    serves: tuple[str, ...] = ()   # the only items that read it; empty: any item may


COLLECTORS: dict[str, Collector] = {}


def check(item_id: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        if item_id in CHECKS and CHECKS[item_id] is not fn:
            raise RuntimeError(f"two checks registered for {item_id}: {CHECKS[item_id].__module__} and {fn.__module__}")
        CHECKS[item_id] = fn
        return fn
    return register


def collector(key: Key[Any], after: tuple[Key[Any], ...] = (), serves: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register fn(ctx) -> data; the data lands in the context under `key` (read it with ctx.get(key)).
    `after`: the keys of the collectors it reads.

    Collectors run while semgrep and bandit do, so a check's own code analysis belongs in one: the check
    then only weighs the collected facts against the engine findings. `serves`: the items that read it, so
    an audit that evaluates none of them (--only, not applicable) skips the work."""
    def register(fn: CheckFn) -> CheckFn:
        COLLECTORS[key.name] = Collector(key.name, fn, tuple(k.name for k in after), tuple(serves))
        return fn
    return register


_loaded = False


def load_plugins() -> None:
    global _loaded
    if _loaded:
        return
    import auditor.checks
    import auditor.collectors
    for package in (auditor.collectors, auditor.checks):
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            importlib.import_module(module.name)
    _loaded = True


def collector_order() -> list[Collector]:
    """Collectors sorted so each runs after the ones it reads."""
    done: list[Collector] = []
    seen: set[str] = set()

    def visit(c: Collector, stack: tuple[str, ...] = ()) -> None:
        if c.name in seen:
            return
        if c.name in stack:
            raise RuntimeError(f"collector cycle: {' -> '.join(stack + (c.name,))}")
        for dep in c.after:
            if dep in COLLECTORS:
                visit(COLLECTORS[dep], stack + (c.name,))
        seen.add(c.name)
        done.append(c)

    for name in sorted(COLLECTORS):
        visit(COLLECTORS[name])
    return done


def check_for(item_id: str) -> CheckFn:
    """The check registered for a checklist item (KeyError when none is)."""
    load_plugins()
    return CHECKS[item_id]


def check_module(item_id: str, category: str) -> str:
    """Where an item's check lives: auditor.checks.<category>.<id without its prefix, in snake case>.

    SEC-SQLI -> auditor.checks.security.sqli; a name that is a Python keyword takes a trailing underscore
    (PERF-ASYNC -> auditor.checks.performance.async_)."""
    stem = item_id.split("-", 1)[1].lower().replace("-", "_")
    return f"auditor.checks.{category}.{stem}_" if keyword.iskeyword(stem) else f"auditor.checks.{category}.{stem}"
