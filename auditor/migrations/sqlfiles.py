"""Plain-SQL migration systems: golang-migrate (N_name.up.sql/.down.sql), Flyway (V/U/R files), dbmate
(-- migrate:up / -- migrate:down), sql-migrate (-- +migrate Up / Down) and Prisma (migration.sql, no
rollback by design)."""
from __future__ import annotations

import re

from auditor.migrations.model import Migration, ParseProblem
from auditor.migrations.sql import parse_sql, strip_comments

GOLANG = re.compile(r"(?:^|/)(\d+)_([^/]*)\.(up|down)\.sql$")
FLYWAY = re.compile(r"(?:^|/)([VU])(\d+(?:[._]\d+)*)__([^/]+)\.sql$")
FLYWAY_REPEATABLE = re.compile(r"(?:^|/)R__([^/]+)\.sql$")
PRISMA = re.compile(r"(?:^|/)migrations/([^/]+)/migration\.sql$")
_MARKERS = re.compile(r"^--\s*(migrate:(up|down)|\+migrate\s+(up|down|statementbegin|statementend)|\+goose\b)", re.I)
_PRISMA_MARKER = re.compile(r"^--\s*[A-Z][A-Za-z]+$")   # -- CreateTable, -- AddForeignKey: generated


def leading_comment(sql: str) -> str:
    """The first human comment of a SQL file (not a tool marker or a generated Prisma heading)."""
    for line in sql.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("--"):
            if _MARKERS.match(s) or _PRISMA_MARKER.match(s) or not s.lstrip("-").strip():
                continue
            return s.lstrip("-").strip()
        if s.startswith("/*"):
            body = s.strip("/* ")
            if body and not body.lower().startswith("warnings"):
                return body
            continue
        return ""
    return ""


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def _fill(mig: Migration, up_sql: str, down_sql: str | None, dialect: str | None,
          up_line: int = 1, down_line: int = 1, down_file: str | None = None) -> Migration:
    mig.forward, problems = parse_sql(up_sql, mig.file, dialect, up_line)
    mig.problems.extend(problems)
    comment = leading_comment(up_sql)
    mig.doc, mig.documented = comment, bool(comment)
    if down_sql is not None:
        mig.has_rollback = True
        mig.rollback_file = down_file or mig.file
        mig.rollback_line = down_line
        mig.rollback, problems = parse_sql(down_sql, mig.rollback_file, dialect, down_line)
        mig.problems.extend(problems)
        mig.rollback_empty = not strip_comments(down_sql).strip()
    return mig


def parse_golang_pairs(files: dict[str, str], dialect: str | None) -> list[Migration]:
    """files: path -> text of every *.up.sql / *.down.sql; one Migration per up file (and per orphan down)."""
    ups: dict[tuple[str, str, str], str] = {}
    downs: dict[tuple[str, str, str], str] = {}
    for path in files:
        m = GOLANG.search(path)
        if m:
            key = (_folder(path), m.group(1), m.group(2))
            (ups if m.group(3) == "up" else downs)[key] = path
    out = []
    for key, path in sorted(ups.items()):
        folder, version, name = key
        down = downs.get(key)
        mig = Migration("golang-migrate", version, name, path, 1, folder=folder)
        out.append(_fill(mig, files[path], files[down] if down else None, dialect, down_file=down))
    for key, path in sorted(downs.items()):
        if key not in ups:
            folder, version, name = key
            mig = Migration("golang-migrate", version, name, path, 1, folder=folder)
            mig.problems.append(ParseProblem(path, None, "a .down.sql without its .up.sql"))
            out.append(mig)
    return out


def parse_flyway(files: dict[str, str], dialect: str | None) -> list[Migration]:
    """V<version>__desc.sql with an optional U<version>__desc.sql undo; R__ repeatable scripts have no version."""
    undo: dict[tuple[str, str], str] = {}
    for path in files:
        m = FLYWAY.search(path)
        if m and m.group(1) == "U":
            undo[(_folder(path), m.group(2).replace("_", "."))] = path
    out = []
    for path in sorted(files):
        m = FLYWAY.search(path)
        if m and m.group(1) == "V":
            version = m.group(2).replace("_", ".")
            u = undo.get((_folder(path), version))
            mig = Migration("flyway", version, m.group(3), path, 1, folder=_folder(path))
            out.append(_fill(mig, files[path], files[u] if u else None, dialect, down_file=u))
    return out


def _sections(text: str, up_marker: re.Pattern, down_marker: re.Pattern):
    """(up sql, up first line, down sql or None, down first line) of a two-section file."""
    lines = text.splitlines(keepends=True)
    up_at = next((i for i, text in enumerate(lines) if up_marker.match(text.strip())), None)
    down_at = next((i for i, text in enumerate(lines) if down_marker.match(text.strip())), None)
    if up_at is None:
        up_at = -1
    if down_at is not None and down_at > up_at:
        return "".join(lines[up_at + 1:down_at]), up_at + 2, "".join(lines[down_at + 1:]), down_at + 2
    if down_at is not None and down_at < up_at:
        return "".join(lines[up_at + 1:]), up_at + 2, "".join(lines[down_at + 1:up_at]), down_at + 2
    return "".join(lines[up_at + 1:]), up_at + 2, None, 0


def parse_sectioned(system: str, path: str, text: str, dialect: str | None) -> Migration:
    """dbmate (`-- migrate:up` / `-- migrate:down`) or sql-migrate (`-- +migrate Up` / `-- +migrate Down`)."""
    if system == "dbmate":
        up_m, down_m = re.compile(r"^--\s*migrate:up\b", re.I), re.compile(r"^--\s*migrate:down\b", re.I)
    else:
        up_m, down_m = re.compile(r"^--\s*\+migrate\s+up\b", re.I), re.compile(r"^--\s*\+migrate\s+down\b", re.I)
    up, up_line, down, down_line = _sections(text, up_m, down_m)
    stem = path.rsplit("/", 1)[-1][:-4]
    m = re.match(r"^(\d+)[_-]?(.*)$", stem)
    version, name = (m.group(1), m.group(2)) if m else (stem, stem)
    mig = Migration(system, version, name, path, 1, folder=_folder(path))
    _fill(mig, up, down, dialect, up_line, down_line)
    mig.doc = leading_comment(text)
    mig.documented = bool(mig.doc)
    return mig


def parse_prisma(path: str, text: str, down_text: str | None, down_path: str | None, dialect: str | None) -> Migration:
    folder_name = path.rsplit("/", 2)[-2]
    m = re.match(r"^(\d+)_?(.*)$", folder_name)
    version, name = (m.group(1), m.group(2)) if m else (folder_name, folder_name)
    mig = Migration("prisma", version, name, path, 1, folder=path.rsplit("/", 2)[0])
    _fill(mig, text, down_text, dialect, down_file=down_path)
    if down_text is None:
        mig.rollback_note = ("Prisma Migrate has no rollback by design; add one with `prisma migrate diff "
                             "--from-schema-datamodel <new> --to-schema-datamodel <old> --script > down.sql` "
                             "beside migration.sql and apply it with `prisma db execute`")
    return mig
