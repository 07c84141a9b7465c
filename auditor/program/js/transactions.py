"""Which JavaScript/TypeScript functions make two or more database writes outside a transaction, read from the
program model's summaries.

A function's units of work are its own writes and its calls to helpers that write (one unit per helper call,
whatever the helper writes: a helper that writes twice is judged on its own). A unit in a loop counts twice. A
unit is atomic when it runs in a transaction callback or is handed a transaction or session, or when every
write the helper reaches is. Two or more non-atomic units: not atomic. Two or more units, at most one outside a
transaction: atomic. One write site reached through several calls (`if (a) save(x) else save(y)`) is one unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.program.js.effects import WRITE
from auditor.program.js.model import JsProgram
from auditor.program.js.modules import resolve as resolve_spec
from auditor.program.js.summaries import Reached, Step
from auditor.program.js.symbols import JsFunction

# code that serves no request: migrations, seeders, one-off scripts (by folder, or a seed script by its name)
NO_REQUEST_PATH = re.compile(r"(?:^|/)(?:migrations?|seeders?|seeds?|scripts?|bin)/|(?:^|/)seed(?:s|er|ers)?[\w-]*\.[cm]?[jt]s$")


@dataclass
class Unit:
    write: Reached               # the write (through `call` when a helper makes it)
    call: Step | None            # the call in this function that reaches a helper's write
    in_loop: bool
    atomic: bool

    @property
    def weight(self) -> int:
        return 2 if self.in_loop else 1

    @property
    def flow(self) -> tuple[Step, ...]:
        return ((self.call,) if self.call else ()) + self.write.via


@dataclass
class MultiWrite:
    fn: JsFunction
    units: list[Unit] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.fn.rel

    @property
    def line(self) -> int:
        return self.fn.line

    @property
    def name(self) -> str:
        return f"{self.fn.route} handler" if self.fn.route else f"{self.fn.name}()"

    @property
    def write_count(self) -> int:
        return sum(u.weight for u in self.units)

    @property
    def outside(self) -> list[Unit]:
        return [u for u in self.units if not u.atomic]

    @property
    def atomic(self) -> bool:
        return sum(u.weight for u in self.outside) < 2

    @property
    def protection_line(self) -> int:
        return self.fn.transactions[0] if self.fn.transactions else self.fn.line


def units_of(program: JsProgram, fn: JsFunction) -> list[Unit]:
    units: dict[tuple[str, int], Unit] = {}

    def add(u: Unit) -> None:
        key = (u.write.file, u.write.line)
        old = units.get(key)
        if old is None:
            units[key] = u
        elif u.in_loop and not old.in_loop:
            old.in_loop = True

    summary = program.summaries.get(fn.fid, {})
    for op in fn.ops:
        if op.effect == WRITE:
            add(Unit(summary.get((fn.rel, op.line, op.effect)) or Reached(fn.rel, op.line, op.effect, op.label,
                                                                             op.in_loop, op.atomic),
                     None, op.in_loop, op.atomic))
    for site, callee in program.edges.get(fn.fid, ()):   # a recursive call repeats the function's own writes
        writes = [r for r in program.summaries.get(callee, {}).values() if r.effect == WRITE]
        if not writes:
            continue
        atomic = site.in_tx or all(r.atomic for r in writes)
        rep = next((r for r in writes if not r.atomic), writes[0])
        add(Unit(rep, Step(fn.rel, site.line, site.label), site.in_loop or rep.in_loop, atomic))
    return list(units.values())


def multi_writes(program: JsProgram) -> list[MultiWrite]:
    """Every function with two or more units of work that write."""
    out = []
    for fn in program.functions.values():
        if fn.module_code:
            continue
        units = units_of(program, fn)
        if sum(u.weight for u in units) >= 2:
            out.append(MultiWrite(fn, units))
    return sorted(out, key=lambda m: (m.file, m.line))


def imported_modules(program: JsProgram) -> set[str]:
    out = set()
    for mod in program.modules.values():
        specs = [spec for spec, _ in mod.imports.values()] + mod.star_exports \
            + [v[1] for v in mod.exports.values() if v and v[0] == "import_spec" and v[1]]
        for spec in specs:
            target = resolve_spec(mod.rel, spec, program.modules)
            if target:
                out.add(target)
    return out


def serves_no_request(program: JsProgram, rel: str, imported: set[str]) -> bool:
    """A migration, seeder or script: under such a folder, or a module nothing imports that exports nothing and
    registers no route (run on its own with `node script.js`)."""
    if NO_REQUEST_PATH.search(rel):
        return True
    mod = program.modules.get(rel)
    if mod is None or rel in imported or mod.exports or mod.star_exports:
        return False
    return not any(f.route for f in mod.functions)
