"""MIG-NAMING probes: duplicate versions, mixed naming schemes, Alembic heads and broken down_revision,
Django conflicting leaves. Each returns (message, file, line) problems."""
from __future__ import annotations

import re

from auditor.migrations.analyse import django_effective, version_key
from auditor.migrations.model import Migration

Problem = tuple[str, str, int | None]


def scheme_of(version: str) -> str:
    digits = re.sub(r"\D", "", version)
    if re.fullmatch(r"(19|20)\d{10,}", digits) and len(digits) >= 12:
        return "timestamp"
    if "." in version:
        return "dotted"
    return f"sequential, {len(version)} digits" if version.isdigit() else "other"


def check_sequence(migs: list[Migration]) -> list[Problem]:
    """Numbered systems (golang-migrate, Flyway, dbmate, sql-migrate, Rails, Knex, Prisma): per folder."""
    problems: list[Problem] = []
    folders: dict[tuple[str, str], list[Migration]] = {}
    for m in migs:
        folders.setdefault((m.system, m.folder), []).append(m)
    for (system, folder), group in sorted(folders.items()):
        seen: dict[tuple, Migration] = {}
        for m in sorted(group, key=lambda m: m.file):
            key = version_key(m.version)
            if key in seen:
                problems.append((f"duplicate version {m.version} in {folder}: {seen[key].file} and {m.file}", m.file, m.line))
            else:
                seen[key] = m
        schemes: dict[str, list[Migration]] = {}
        for m in group:
            schemes.setdefault(scheme_of(m.version), []).append(m)
        if len(schemes) > 1 and system != "sql-migrate":
            main = max(schemes, key=lambda s: len(schemes[s]))
            for scheme, ms in sorted(schemes.items()):
                if scheme != main:
                    odd = sorted(ms, key=lambda m: m.file)[0]
                    problems.append((f"{len(ms)} migration(s) in {folder} use a {scheme} version while {len(schemes[main])} "
                                     f"use {main}, e.g. {odd.file}", odd.file, odd.line))
    return problems


def check_alembic(migs: list[Migration]) -> list[Problem]:
    problems: list[Problem] = []
    folders: dict[str, list[Migration]] = {}
    for m in migs:
        folders.setdefault(m.folder, []).append(m)
    for folder, group in sorted(folders.items()):
        by_rev: dict[str, Migration] = {}
        for m in sorted(group, key=lambda m: m.file):
            if m.version in by_rev:
                problems.append((f"duplicate Alembic revision {m.version}: {by_rev[m.version].file} and {m.file}", m.file, m.line))
            by_rev.setdefault(m.version, m)
        referenced = {d for m in group for d in m.dependencies}
        for m in group:
            for d in m.dependencies:
                if d not in by_rev:
                    problems.append((f"down_revision {d!r} of {m.version} matches no revision in {folder}", m.file, m.line))
        heads = sorted((m for m in by_rev.values() if m.version not in referenced), key=lambda m: m.file)
        if len(heads) > 1:
            names = ", ".join(h.version for h in heads)
            for h in heads:
                problems.append((f"{len(heads)} Alembic heads in {folder} ({names}): merge them with `alembic merge heads`", h.file, h.line))
        roots = [m for m in by_rev.values() if not m.dependencies]
        if len(roots) > 1:
            problems.append((f"{len(roots)} Alembic revisions in {folder} have no down_revision "
                             f"({', '.join(sorted(r.version for r in roots))})", roots[0].file, roots[0].line))
    return problems


def check_django(migs: list[Migration]) -> list[Problem]:
    problems: list[Problem] = []
    effective = django_effective(migs)
    known = {f"{m.app}.{m.name}" for m in migs}
    squash_of = {r: f"{m.app}.{m.name}" for m in effective for r in m.replaces}
    apps: dict[str, list[Migration]] = {}
    for m in effective:
        apps.setdefault(m.app or "?", []).append(m)
    for app, group in sorted(apps.items()):
        names = {m.name for m in group}
        depended = set()
        for m in group:
            for d in m.dependencies:
                dep_app, _, dep_name = d.partition(".")
                d = squash_of.get(d, d)
                if dep_app == app:
                    depended.add(d.partition(".")[2])
                    if d not in known and dep_name not in ("__first__", "__latest__"):
                        problems.append((f"dependency {d} of {app}.{m.name} matches no migration", m.file, m.line))
        leaves = sorted((m for m in group if m.name not in depended), key=lambda m: m.file)
        if len(leaves) > 1:
            listed = ", ".join(leaf.name for leaf in leaves)
            problems.append((f"conflicting Django migrations in app {app}: {len(leaves)} leaf nodes ({listed}); "
                             "run `makemigrations --merge`", leaves[-1].file, leaves[-1].line))
        del names
    return problems


def naming_problems(migs: list[Migration]) -> list[Problem]:
    alembic = [m for m in migs if m.system == "alembic"]
    django = [m for m in migs if m.system == "django"]
    numbered = [m for m in migs if m.system not in ("alembic", "django")]
    return check_sequence(numbered) + check_alembic(alembic) + check_django(django)
