"""DB-CONCURRENCY: a row read, changed in application code and written back loses concurrent updates
("Handle concurrent operations").

Python, from the `ast` of every function outside tests: a variable assigned from an ORM read (`get`,
`first`, `one`, `get_or_404`, `get_object_or_404`, `session.get`...), one of its attributes then changed
arithmetically from its own value (`p.stock -= 1`, `p.stock = p.stock - n`), and the object saved or the
session committed in the same function. The read is safe under `select_for_update()` /
`with_for_update()`. JavaScript, from the text: `const x = await Model.findById(...)` (findOne, findByPk,
findUnique, findFirst; `this.repo.findOne(...)` too), `x.field -= n` (`+=`, `++`, `--`) and `x.save()` or a
repository's `repo.save(x)` (TypeORM) within the lines after; or a value computed from `x.field` written back
by a field update (`Model.update({ field: n })`, Prisma `data: { field: x.field - 1 }`).
Atomic updates and locks anywhere are the practice's positive evidence: F() expressions in update(),
`update(...).values(col=Model.col - n)`, select_for_update, with_for_update, SELECT ... FOR UPDATE,
SQLAlchemy version_id_col, Mongo `$inc`, Sequelize increment/decrement, Prisma `decrement:`, knex forUpdate; in Go,
SQL row locks and atomic SET updates, Firestore RunTransaction and GORM locking clauses.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.astwalk import nodes_of, walk
from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Key
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.registry import check, collector

ITEM = "DB-CONCURRENCY"
ORM_READS = frozenset({"get", "first", "one", "one_or_none", "get_or_404", "first_or_404", "scalar_one",
                       "scalar_one_or_none", "get_object_or_404", "get_or_create", "latest", "earliest", "last"})
LOCKS = frozenset({"select_for_update", "with_for_update"})
PY_ATOMIC = re.compile(r"\bF\(\s*['\"]\w+['\"]\s*\)\s*[-+]|\bselect_for_update\(|\bwith_for_update\(|"
                       r"FOR UPDATE|\bversion_id_col\b|\.values\(\s*\w+\s*=\s*\w+\.\w+\s*[-+]")
JS_READ = re.compile(r"\b(?:const|let|var)\s+(\w+)\s*=\s*await\s+[\w.]+\.(?:findById|findOne|findByPk|findUnique|"
                     r"findFirst)\(")
# a write that stores the fields it is given: Sequelize Model.update / instance.update, Mongoose updateOne...,
# Prisma update({data}), TypeORM repository.update
JS_FIELD_WRITE = re.compile(r"\.(?:update|updateOne|updateMany|findOneAndUpdate|findByIdAndUpdate|upsert)\s*\(")
JS_CALL_REACH = 400          # characters of an update call's arguments read for the new value
JS_ATOMIC = re.compile(r"\$inc\b|\.increment\(|\.decrement\(|\b(?:in|de)crement\s*:|\.forUpdate\(\)|"
                       r"LOCK\.UPDATE|FOR UPDATE|\boptimisticConcurrency\s*:\s*true|\bversion\s*:\s*true")
JS_WINDOW = 25


@dataclass(frozen=True)
class ConcurrencyPlace:
    file: str
    line: int
    ok: bool
    what: str


def _chain_calls(node: ast.AST) -> list[str]:
    """Attribute and function names called along a call chain (`Product.objects.filter(..).first()`)."""
    names = []
    for sub in walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            names.append(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _own_attribute_change(node: ast.stmt, var: str) -> str | None:
    """`var.attr -= n` / `var.attr = var.attr + n`: the attribute changed from its own value, or None."""
    if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
        t = node.target
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == var:
            return t.attr
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.BinOp) \
            and isinstance(node.value.op, (ast.Add, ast.Sub)):
        t = node.targets[0]
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == var:
            for side in (node.value.left, node.value.right):
                if isinstance(side, ast.Attribute) and side.attr == t.attr and isinstance(side.value, ast.Name) \
                        and side.value.id == var:
                    return t.attr
    return None


def python_places(rel: str, tree: ast.Module, text: str) -> list[ConcurrencyPlace]:
    out = []
    for fn in nodes_of(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        reads: dict[str, bool] = {}      # variable -> read under a lock
        for node in walk(fn):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, (ast.Call, ast.Await)):
                calls = _chain_calls(node.value)
                if ORM_READS & set(calls):
                    reads[node.targets[0].id] = bool(LOCKS & set(calls))
        if not reads:
            continue
        writes = {c.func.attr for c in nodes_of(fn, ast.Call) if isinstance(c.func, ast.Attribute)}
        if not writes & {"save", "commit", "flush"}:
            continue
        for node in walk(fn):
            if not isinstance(node, (ast.AugAssign, ast.Assign)):
                continue
            for var, locked in reads.items():
                attr = _own_attribute_change(node, var)
                if attr:
                    what = (f"{fn.name}(): {var}.{attr} changed from its read value under select_for_update/"
                            "with_for_update" if locked else
                            f"{fn.name}(): {var}.{attr} read, changed in Python and saved back with no row lock or "
                            "atomic update: concurrent requests lose writes")
                    out.append(ConcurrencyPlace(rel, node.lineno, locked, what))
    for m in PY_ATOMIC.finditer(text):
        out.append(ConcurrencyPlace(rel, text.count("\n", 0, m.start()) + 1, True,
                                    f"atomic update or row lock ({m.group(0).strip()})"))
    return out


def _derived_write(var: str, window: list[str]) -> tuple[int, str] | None:
    """(offset, field) where a value computed from `var.field` is written back by a field update: `const n =
    var.qty - k` then `Model.update({ qty: n }, ...)` (or `var.qty = n` and a save), or the update given
    `{ qty: var.qty - k }` inline. The row was read, changed in code and stored: the same lost update as
    `var.qty -= k; var.save()`."""
    v = re.escape(var)
    joined = "\n".join(window)
    starts = [0]
    for w in window:
        starts.append(starts[-1] + len(w) + 1)

    def offset_of(pos: int) -> int:
        return next(i for i in range(len(window)) if starts[i + 1] > pos)

    derived = {d.group(1): (d.group(2), d.start()) for d in re.finditer(
        rf"\b(?:const|let|var)\s+([\w$]+)\s*=\s*{v}\.(\w+)\s*[-+]", joined)}
    for w in JS_FIELD_WRITE.finditer(joined):
        args = joined[w.end():w.end() + JS_CALL_REACH]
        inline = re.search(rf"\b(\w+)\s*:\s*{v}\.\1\s*[-+]", args)
        if inline:
            return offset_of(w.start()), inline.group(1)
        for name, (field_name, at) in derived.items():
            if at < w.start() and re.search(rf"\b\w+\s*:\s*{re.escape(name)}\b|[{{,]\s*{re.escape(name)}\s*[,}}]",
                                             args):
                return offset_of(at), field_name
    for name, (field_name, at) in derived.items():
        assigned = re.search(rf"\b{v}\.{field_name}\s*=\s*{re.escape(name)}\b", joined[at:])
        if assigned and re.search(rf"\b{v}\.save\(|\.save\(\s*{v}\s*[,)]", joined[at + assigned.end():]):
            return offset_of(at + assigned.start()), field_name
    return None


def javascript_places(rel: str, text: str) -> list[ConcurrencyPlace]:
    out = []
    lines = text.splitlines()
    for m in JS_READ.finditer(text):
        var, start = m.group(1), text.count("\n", 0, m.start())
        window = lines[start + 1:start + 1 + JS_WINDOW]
        derived = _derived_write(var, window)
        if derived:
            out.append(ConcurrencyPlace(rel, start + 2 + derived[0], False,
                                        f"{var}.{derived[1]} read, a new value computed from it in JavaScript and "
                                        "written back with no lock or atomic update (increment, $inc): concurrent "
                                        "requests lose writes"))
        v = re.escape(var)
        change = re.compile(rf"\b{v}\.(\w+)\s*(?:-=|\+=|\+\+|--|=\s*{v}\.\1\s*[-+])|(?:\+\+|--)\s*{v}\.(\w+)")
        # saved by the object (`x.save()`, Mongoose/Sequelize) or by its repository (`repo.save(x)`, TypeORM)
        saved = any(re.search(rf"\b{v}\.save\(|\.save\(\s*{v}\s*[,)]", w) for w in window)
        for offset, w in enumerate(window):
            c = change.search(w)
            if c and saved:
                out.append(ConcurrencyPlace(rel, start + 2 + offset, False,
                                            f"{var}.{c.group(1) or c.group(2)} read, changed in JavaScript and saved back with no "
                                            "lock or atomic update ($inc, increment): concurrent requests lose writes"))
    for m in JS_ATOMIC.finditer(text):
        out.append(ConcurrencyPlace(rel, text.count("\n", 0, m.start()) + 1, True,
                                    f"atomic update or row lock ({m.group(0).strip()})"))
    return out


# Go: a row lock in SQL text (`SELECT ... FOR UPDATE`, also built by appending " FOR UPDATE"), an atomic SQL update
# (`SET n = n + ?`), a Firestore transaction (RunTransaction re-runs the read-modify-write when a document it read
# changed), GORM's locking clause or an expression update, Mongo `$inc`
GO_ATOMIC = re.compile(r"\bFOR (?:NO KEY )?UPDATE\b|(?i:\bselect\b[^\"`\n]*\bfor update\b)|"
                       r"(?i:\bSET\s+(\w+)\s*=\s*\1\s*[-+])|\.RunTransaction\(|"
                       r"clause\.Locking\s*\{|\bgorm\.Expr\(\s*\"\w+\s*[-+]|\$inc\b")
GO_ATOMIC_HINT = re.compile(r"FOR (?:NO KEY )?UPDATE|\bSET\b|RunTransaction|Locking|gorm\.Expr|\$inc", re.I)


def go_places(rel: str, text: str) -> list[ConcurrencyPlace]:
    """Go: row locks and atomic updates (positive evidence); Go read-modify-writes are not read."""
    return [ConcurrencyPlace(rel, text.count("\n", 0, m.start()) + 1, True, _go_what(m.group(0)))
            for m in GO_ATOMIC.finditer(text)]


def _go_what(found: str) -> str:
    if "RunTransaction" in found:
        return "Firestore transaction (RunTransaction re-runs the read-modify-write on a conflict)"
    if re.search(r"for (?:no key )?update", found, re.I):
        return "row lock (SELECT ... FOR UPDATE)"
    return f"atomic update or row lock ({found.strip()})"


CONCURRENT_UPDATES: Key[list[ConcurrencyPlace]] = Key("concurrent_updates")


@collector(CONCURRENT_UPDATES, serves=(ITEM,))
def collect_concurrent_updates(ctx: AuditContext) -> list[ConcurrencyPlace]:
    repo = ctx.repo
    out: list[ConcurrencyPlace] = []
    for f in repo.files:
        if TEST_FILE.search(f.path) or "/migrations/" in f"/{f.path}":
            continue
        if f.language == "python":
            text = repo.read_text(f.path) or ""
            if ("save(" in text or "commit(" in text or "FOR UPDATE" in text or "for_update" in text
                    or "version_id_col" in text or "F(" in text):
                tree = repo.python_ast(f.path)
                if tree is not None:
                    out += python_places(f.path, tree, text)
        elif f.language in ("javascript", "typescript"):
            text = repo.read_text(f.path) or ""
            if "await" in text or "crement" in text or "$inc" in text or "forUpdate" in text:
                out += javascript_places(f.path, text)
        elif f.language == "go" and not f.path.endswith("_test.go"):
            text = repo.read_text(f.path) or ""
            if GO_ATOMIC_HINT.search(text):
                out += go_places(f.path, text)
    return out


def evaluate_concurrency(item_id: str, places: list[ConcurrencyPlace], snippet=lambda f, text: "") -> ItemResult:
    if not places:
        return ItemResult(item_id, "not_applicable",
                          "Heuristic: no read-modify-write of a row (a value read, changed in code and saved back) and "
                          "no atomic update or row lock found: no concurrent update surface to judge.")
    seen, unique = set(), []
    for p in places:
        if (p.file, p.line, p.ok) not in seen:
            seen.add((p.file, p.line, p.ok))
            unique.append(p)
    bad = [p for p in unique if not p.ok]
    good = [p for p in unique if p.ok]
    evidence = [Evidence(p.file, p.line, snippet(p.file, p.line), rule_id="read-modify-write" if not p.ok else "atomic-update",
                         engine="ast" if p.file.endswith(".py") else "text", message=p.what,
                         kind=PRACTICE if p.ok else VIOLATION) for p in bad[:25] + good[:10]]
    return partial_result(item_id, len(good), len(unique),
                          f"Heuristic: {len(good)} atomic update(s) or row lock(s); {len(bad)} read-modify-write(s) "
                          "of a row without a lock or an atomic update.", evidence,
                          {"atomic_or_locked": len(good), "unprotected": [f"{p.file}:{p.line}" for p in bad]})


@check("DB-CONCURRENCY")
def check_concurrency(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return evaluate_concurrency(item.id, ctx.get(CONCURRENT_UPDATES), ctx.repo.snippet)
