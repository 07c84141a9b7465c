"""MIG-* checks: each reads the migrations collector (parsed, replayed, classified) and states a verdict."""
from __future__ import annotations

import ast
import re

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
from auditor.migrations import model as M
from auditor.migrations.inventory import MigrationInventory
from auditor.model import PRACTICE, Evidence, ItemResult, partial_result
from auditor.registry import check

ENGINE = "migrations"
MAX_EVIDENCE = 40


def _inventory(ctx: AuditContext) -> MigrationInventory:
    inv = ctx.get("migrations")
    if not inv.migrations:
        raise Unavailable("migration folders were detected but no migration file could be read")
    return inv


def _ev(ctx: AuditContext, file: str, line: int | None, message: str, rule: str, kind: str = "violation") -> Evidence:
    return Evidence(file, line, ctx.repo.snippet(file, line) if line else "", rule_id=rule, engine=ENGINE,
                    message=message, kind=kind)


# ---- MIG-PRESENT ---------------------------------------------------------------------------------
_MODEL_PATTERNS = re.compile(
    r"^[ \t]*class\s+\w+\([ \t]*(models\.Model|db\.Model|Base|DeclarativeBase|SQLModel)\b.*\)\s*:|"
    r"\bdeclarative_base\s*\(|\bsequelize\.define\(|@Entity\(",
    re.M)
_CREATE_TABLE = re.compile(r"^\s*create\s+table\b", re.I | re.M)


def model_files(ctx: AuditContext) -> list[tuple[str, int]]:
    orm = ctx.collected.get("orm_models")
    files = getattr(orm, "model_files", None)
    if files:
        return [(f, 1) for f in files]
    out = []
    for f in ctx.repo.files:
        if f.language not in ("python", "javascript", "typescript") or "/migrations/" in f"/{f.path}" \
                or re.search(r"(^|/)(tests?|__tests__)/", f.path):
            continue
        text = ctx.repo.read_text(f.path) or ""
        m = _MODEL_PATTERNS.search(text)
        if m:
            out.append((f.path, text.count("\n", 0, m.start()) + 1))
    return out


def concrete_django_model(ctx: AuditContext, path: str) -> int | None:
    """Line of the first concrete (not abstract) `models.Model` subclass in a file, from its AST."""
    tree = ctx.repo.python_ast(path) if path.endswith(".py") else None
    for node in tree.body if tree else []:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(b, ast.Attribute) and b.attr == "Model" and isinstance(b.value, ast.Name)
                   and b.value.id == "models" for b in node.bases):
            continue
        abstract = any(isinstance(s, ast.ClassDef) and s.name == "Meta" and any(
            isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "abstract" for t in a.targets)
            and isinstance(a.value, ast.Constant) and a.value.value is True for a in s.body) for s in node.body)
        if not abstract:
            return node.lineno
    return None


def schema_files(ctx: AuditContext) -> list[tuple[str, int]]:
    out = []
    for f in ctx.repo.files:
        name = f.path.rsplit("/", 1)[-1]
        if name == "schema.prisma":
            out.append((f.path, 1))
        elif f.language == "sql" and not re.search(r"migrat", f.path, re.I):
            text = ctx.repo.read_text(f.path) or ""
            m = _CREATE_TABLE.search(text)
            if m:
                out.append((f.path, text.count("\n", 0, m.start()) + 1))
    return out


@check("MIG-PRESENT")
def mig_present(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    systems = ctx.inventory.migration_systems
    models = model_files(ctx)
    schemas = schema_files(ctx)
    if systems:
        evidence = [_ev(ctx, folder, None, f"{system} migrations in {folder}", "migration-system", PRACTICE)
                    for system, folders in systems.items() for folder in folders[:5]]
        django_dirs = {f.rsplit("/migrations", 1)[0] for f in systems.get("django", [])}
        orphan = []
        if "django" in systems:
            for f, _ in models:
                app = f.rsplit("/models", 1)[0] if "/models" in f else f.rsplit("/", 1)[0]
                concrete = concrete_django_model(ctx, f)
                if app not in django_dirs and concrete and not f.startswith(tuple(d + "/" for d in django_dirs)):
                    orphan.append((f, concrete))
        if orphan:
            bad = [_ev(ctx, f, l, "Django models in an app without a migrations folder", "models-without-migrations")
                   for f, l in orphan]
            total = len(django_dirs) + len(orphan)
            return partial_result(item.id, len(django_dirs), total,
                                  f"{len(orphan)} Django app(s) define models but have no migrations folder.",
                                  bad + evidence)
        names = ", ".join(f"{s} ({len(f)} folder(s))" for s, f in systems.items())
        return ItemResult(item.id, "pass", f"Schema changes go through migrations: {names}.", evidence)
    found = models + schemas
    if not found:
        return ItemResult(item.id, "not_applicable",
                          "no ORM models or schema files found, so there is no schema to migrate")
    evidence = [_ev(ctx, f, l, "ORM models / schema file without any migration system", "no-migrations")
                for f, l in found[:MAX_EVIDENCE]]
    return ItemResult(item.id, "fail",
                      f"{len(models)} model file(s) and {len(schemas)} schema file(s) but no migration system "
                      "(Alembic, Django, Knex, Flyway, golang-migrate, Prisma Migrate, Rails, dbmate).", evidence)


# ---- MIG-REVERSIBLE ------------------------------------------------------------------------------
def acceptable_rollback(m: M.Migration) -> bool:
    c = m.rollback_class
    if c in (M.VERIFIED, M.MISMATCHED, M.UNVERIFIABLE, M.IRREVERSIBLE_BY_NATURE):
        return True
    if c == M.NOOP:
        return m.noop_acceptable
    if c == M.IRREVERSIBLE:
        return bool(m.irreversible_reason)
    return False


_WHY_BAD = {
    M.MISSING: "no rollback",
    M.EMPTY: "the rollback does nothing (only comments, pass or docstrings)",
    M.NOOP: "declared no-op although the migration changes the schema",
    M.IRREVERSIBLE: "raises without saying why",
}


@check("MIG-REVERSIBLE")
def mig_reversible(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    classes = inv.by_class()
    bad = [m for m in inv.migrations if not acceptable_rollback(m)]
    evidence = []
    for m in bad[:MAX_EVIDENCE]:
        why = _WHY_BAD.get(m.rollback_class, m.rollback_class or "")
        note = f": {m.rollback_note}" if m.rollback_note else ""
        line = m.rollback_line if m.rollback_class in (M.EMPTY, M.IRREVERSIBLE) and m.rollback_line else m.line
        evidence.append(_ev(ctx, m.rollback_file if m.rollback_class in (M.EMPTY, M.IRREVERSIBLE) and m.rollback_file else m.file,
                            line, f"{m.system} {m.version}: {why}{note}", f"rollback-{m.rollback_class}"))
    counts = {c: len(ms) for c, ms in classes.items() if ms}
    details = {"counts": counts,
               "migrations": {c: [m.file for m in ms] for c, ms in classes.items() if ms},
               "prisma_without_rollback": sum(1 for m in bad if m.system == "prisma")}
    summary = ", ".join(f"{n} {c.replace('_', ' ')}" for c, n in counts.items())
    rationale = f"{len(inv.migrations) - len(bad)} of {len(inv.migrations)} migrations have a usable rollback ({summary})."
    if details["prisma_without_rollback"]:
        rationale += (" Prisma Migrate has no rollback by design: generate a down.sql per migration with "
                      "`prisma migrate diff --from-schema-datamodel <new> --to-schema-datamodel <old> --script` "
                      "and apply it with `prisma db execute`.")
    if classes[M.IRREVERSIBLE_BY_NATURE]:
        rationale += f" {len(classes[M.IRREVERSIBLE_BY_NATURE])} only drop data, which is irreversible by nature."
    return partial_result(item.id, len(inv.migrations) - len(bad), len(inv.migrations), rationale, evidence, details)


# ---- MIG-ROLLBACK-CORRECT ------------------------------------------------------------------------
@check("MIG-ROLLBACK-CORRECT")
def mig_rollback_correct(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    classes = inv.by_class()
    wrong = classes[M.MISMATCHED]
    verified = classes[M.VERIFIED]
    unverifiable = classes[M.UNVERIFIABLE]
    details = {"verified": len(verified), "mismatched": len(wrong), "unverifiable": len(unverifiable),
               "mismatched_migrations": [{"file": m.file, "problems": m.mismatch} for m in wrong],
               "unverifiable_migrations": [{"file": m.file, "why": m.rollback_note} for m in unverifiable][:100]}
    tail = f" {len(unverifiable)} could not be verified (opaque code or SQL)." if unverifiable else ""
    if wrong:
        evidence = []
        for m in wrong[:MAX_EVIDENCE]:
            for file, line, msg in m.mismatch_evidence[:4]:
                evidence.append(_ev(ctx, file, line, f"{m.version}: {msg}", "rollback-mismatch"))
            if m.rollback_file and m.rollback_line:
                evidence.append(_ev(ctx, m.rollback_file, m.rollback_line,
                                    f"{m.version}: the rollback does not undo the forward operations: {'; '.join(m.mismatch[:3])}", "rollback-mismatch"))
        return ItemResult(item.id, "fail",
                          f"{len(wrong)} rollback(s) do not return the schema to where it was "
                          f"({len(verified)} verified by replay).{tail}", evidence, details=details)
    if not verified:
        raise Unavailable(f"no rollback could be verified: {len(unverifiable)} unverifiable, "
                          f"{len(inv.migrations) - len(unverifiable)} without a rollback to compare")
    evidence = [_ev(ctx, m.rollback_file or m.file, m.rollback_line or m.line,
                    f"{m.version}: {m.rollback_note or 'up then down returns the schema to where it was'}",
                    "rollback-verified", PRACTICE) for m in verified[:10]]
    return ItemResult(item.id, "pass",
                      f"{len(verified)} rollback(s) verified: replaying up then down returns the schema to where it "
                      f"was.{tail}", evidence, details=details)


# ---- MIG-NAMING ----------------------------------------------------------------------------------
@check("MIG-NAMING")
def mig_naming(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    if inv.naming:
        evidence = [_ev(ctx, f, l, msg, "naming") for msg, f, l in inv.naming[:MAX_EVIDENCE]]
        return ItemResult(item.id, "fail", f"{len(inv.naming)} ordering/naming problem(s): {inv.naming[0][0]}",
                          evidence, details={"problems": [msg for msg, _, _ in inv.naming]})
    systems = sorted({m.system for m in inv.migrations})
    return ItemResult(item.id, "pass",
                      f"{len(inv.migrations)} migrations ({', '.join(systems)}): no duplicate versions, one naming "
                      "scheme per folder, one head per Alembic chain, no conflicting Django leaves.")


# ---- MIG-DOCUMENTED ------------------------------------------------------------------------------
def _django_why(m: M.Migration) -> str:
    if re.search(r"_auto_\d{8}", m.name):
        return ", and its name is a timestamp Django chose because it could not describe the change"
    if any(o.kind in ("run_python", "raw_sql", "unknown") or o.text.lstrip().startswith(("migrations.RunSQL", "RunSQL"))
           for o in m.forward):
        return ", and it holds hand-written operations (RunPython, RunSQL or custom) its name cannot explain"
    return ""


@check("MIG-DOCUMENTED")
def mig_documented(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    undocumented = [m for m in inv.migrations if not m.documented]
    evidence = [_ev(ctx, m.file, m.line, f"{m.version}: no message, docstring or comment states its purpose"
                    + (_django_why(m) if m.system == "django" else ""), "undocumented") for m in undocumented[:MAX_EVIDENCE]]
    good = len(inv.migrations) - len(undocumented)
    by_name = [m for m in inv.migrations if m.documented_by == "name"]
    rule = ""
    if any(m.system == "django" for m in inv.migrations):
        rule = (f" A Django migration that only holds operations makemigrations generated counts as documented by "
                f"its descriptive name (`0003_user_email`, `0001_initial`): {len(by_name)} do. `auto_<timestamp>` "
                "names, and migrations with RunPython, RunSQL or custom operations, need a docstring or comment.")
    return partial_result(item.id, good, len(inv.migrations),
                          f"{good} of {len(inv.migrations)} migrations state their purpose (a message, docstring or "
                          f"comment written by a person; generated headers and 'empty message' do not count).{rule}",
                          evidence, {"undocumented": [m.file for m in undocumented],
                                     "documented_by_name": [m.file for m in by_name]})


# ---- MIG-IMMUTABLE -------------------------------------------------------------------------------
_ROLLBACK_PARTS = {"downgrade()", "down()", "down section"}
_PART_ROLES = {"upgrade()": "the forward migration", "downgrade()": "the rollback", "up()": "the forward migration",
               "down()": "the rollback", "change()": "the reversible change", "up section": "the forward migration",
               "down section": "the rollback", "class Migration": "its operations"}


def describe_changed_parts(parts: tuple[str, ...]) -> str:
    """'only downgrade() (the rollback) changed', 'upgrade() (the forward migration) and downgrade() ... changed'."""
    if not parts:
        return "what changed could not be placed in upgrade() or downgrade()"
    named = [f"{p} ({_PART_ROLES[p]})" if p in _PART_ROLES else p for p in parts]
    if len(named) == 1:
        return f"only {named[0]} changed"
    return f"{', '.join(named[:-1])} and {named[-1]} changed"


def edited_line_today(ctx: AuditContext, edit) -> tuple[int | None, bool]:
    """(line of the edit in today's file, whether it moved since the commit); None when it is gone."""
    if not edit.line:
        return None, False
    lines = (ctx.repo.read_text(edit.file) or "").splitlines()
    if 0 < edit.line <= len(lines) and lines[edit.line - 1].strip() == edit.line_text:
        return edit.line, False
    if edit.line_text:
        for n, text in enumerate(lines, 1):
            if text.strip() == edit.line_text:
                return n, True
    return None, False


@check("MIG-IMMUTABLE")
def mig_immutable(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    history = ctx.get("migration_history")
    if history.unavailable:
        raise Unavailable(f"no git history: {history.unavailable}")
    if not history.files_with_history:
        raise Unavailable("none of the migration files is committed yet, so there is no history to read")
    if history.edits:
        evidence = []
        for e in history.edits[:MAX_EVIDENCE]:
            line, moved = edited_line_today(ctx, e)
            where = "" if line or not e.line else f" (line {e.line} in that commit; the line is no longer in the file)"
            evidence.append(Evidence(e.file, line, ctx.repo.snippet(e.file, line) if line else "",
                                     rule_id="edited-migration", engine="git",
                                     message=f"edited in commit {e.commit[:10]} on {e.date} by {e.author} "
                                             f"(+{e.added}/-{e.deleted} lines), {describe_changed_parts(e.changed_parts)}"
                                             f"{where}{' (line moved since)' if moved else ''}: {e.summary}"))
        files = sorted({e.file for e in history.edits})
        rollback_only = sum(1 for e in history.edits if e.changed_parts and set(e.changed_parts) <= _ROLLBACK_PARTS)
        note = f" {rollback_only} of the edits changed only the rollback." if rollback_only else ""
        return ItemResult(item.id, "fail",
                          f"{len(files)} migration(s) edited after a later migration had been added "
                          f"({len(history.edits)} edit(s) that change what they do; {history.cosmetic_edits} "
                          f"cosmetic edit(s) ignored).{note}", evidence,
                          details={"edits": [e.to_json() for e in history.edits]})
    return ItemResult(item.id, "pass",
                      f"git history of {history.files_with_history} of {len(inv.migrations)} migration files: none was "
                      "edited after a later migration had been added "
                      f"({history.cosmetic_edits} cosmetic edit(s) such as reformatting ignored).")


# ---- MIG-DANGEROUS-OPS ---------------------------------------------------------------------------
@check("MIG-DANGEROUS-OPS")
def mig_dangerous_ops(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    inv = _inventory(ctx)
    risky = [m for m in inv.migrations if m.dangerous]
    evidence = [_ev(ctx, op.file, op.line, f"{m.version}: {op.describe()}: {why}", "dangerous-op")
                for m in risky for op, why in m.dangerous][:MAX_EVIDENCE]
    counts: dict[str, int] = {}
    for m in risky:
        for _, why in m.dangerous:
            key = why.split(" from ")[0].split(" to ")[0]
            counts[key] = counts.get(key, 0) + 1
    good = len(inv.migrations) - len(risky)
    note = "" if inv.dialect == "postgres" else \
        f" Index locking not assessed: the database is {inv.dialect or 'not identified'}, not Postgres."
    return partial_result(item.id, good, len(inv.migrations),
                          f"{len(risky)} of {len(inv.migrations)} migrations hold locking or data-loss operations.{note}",
                          evidence, {"counts": counts})


# ---- MIG-TESTED ----------------------------------------------------------------------------------
_TEST_SIGNS = re.compile(
    r"pytest[_-]alembic|command\.downgrade\(|alembic\s+downgrade|MigratorTestCase|django_test_migrations|"
    r"django-test-migrations|migrator\.apply_(initial|tested)_migration|call_command\(\s*['\"]migrate['\"][^)]*zero|"
    r"migrate\.(rollback|down)\(|db:rollback|db:migrate:redo|migrate\s+(-path\s+\S+\s+)?.*\bdown\b|"
    r"flyway\s+undo|dbmate\s+(rollback|down)|sql-migrate\s+down|test_migrations_stairway|migrate_backwards")


@check("MIG-TESTED")
def mig_tested(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    places = list(ctx.inventory.test_files)
    places += [f.path for f in ctx.repo.files
               if re.search(r"(^|/)(\.github/workflows/|\.gitlab-ci|Makefile$|justfile$|noxfile\.py$|tox\.ini$|conftest\.py$)", f.path)]
    found = []
    for path in sorted(set(places)):
        text = ctx.repo.read_text(path) or ""
        m = _TEST_SIGNS.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            found.append(_ev(ctx, path, line, f"runs migrations backwards: {m.group(0)}", "migration-test", PRACTICE))
    if found:
        return ItemResult(item.id, "pass", f"{len(found)} place(s) exercise downgrade/rollback of migrations.",
                          found[:MAX_EVIDENCE])
    return ItemResult(item.id, "fail",
                      f"no test or CI step runs a migration downgrade ({len(ctx.inventory.test_files)} test files searched "
                      "for pytest-alembic, command.downgrade, MigratorTestCase, django-test-migrations, knex "
                      "migrate.rollback, db:rollback, migrate down).")
