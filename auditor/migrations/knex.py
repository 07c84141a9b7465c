"""Knex migrations (exports.up / exports.down, or `export async function up`), read with regular expressions."""
from __future__ import annotations

import re
from collections.abc import Callable

from auditor.dbschema import ForeignKey
from auditor.migrations import operations as ops
from auditor.migrations.model import Migration
from auditor.migrations.operations import Operation, column_def
from auditor.migrations.sql import parse_sql
from auditor.text import closing_bracket, line_of

_FN = {
    "up": re.compile(r"(exports\.up\s*=|export\s+(?:async\s+)?function\s+up\b|export\s+const\s+up\s*=|\bup\s*[:(])"),
    "down": re.compile(r"(exports\.down\s*=|export\s+(?:async\s+)?function\s+down\b|export\s+const\s+down\s*=|\bdown\s*[:(])"),
}
_STR = r"[\"'`]([\w.]+)[\"'`]"


def _body(text: str, which: str) -> tuple[int, str] | None:
    """(line of the body's opening brace, body text) of up/down; braces matched outside strings."""
    m = _FN[which].search(text)
    if not m:
        return None
    i = text.find("{", m.end())
    arrow = text.find("=>", m.end())
    if arrow != -1 and (i == -1 or arrow < i) and not text[arrow + 2:].lstrip().startswith("{"):
        end = text.find("\n", arrow)
        return line_of(text, arrow), text[arrow + 2:end if end != -1 else len(text)]
    if i == -1:
        return None
    close = closing_bracket(text, i, skip_strings=True)
    j = len(text) if close is None else close
    return line_of(text, i), text[i + 1:j]


def _statements(first_line: int, body: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """The body as statements: a line starting with `.` continues the chain of the line before it, so
    `table\n  .uuid("id")\n  .primary()` is one statement. Each statement comes with (offset, line) marks: the
    line where each joined segment starts, for evidence at the line of the call that matched."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    for offset, raw in enumerate(body.splitlines()):
        s = raw.strip()
        if not s or s.startswith("//"):
            continue
        line = first_line + offset
        if s.startswith(".") and out and not out[-1][0].endswith(("{", ";")):
            text, marks = out[-1]
            marks.append((len(text), line))
            out[-1] = (text + s, marks)
        else:
            out.append((s, [(0, line)]))
    return out


def _line_at(marks: list[tuple[int, int]], pos: int) -> int:
    return [line for start, line in marks if start <= pos][-1]


_COLUMN_TYPES = (r"increments|bigIncrements|string|text|integer|bigInteger|tinyint|smallint|mediumint|boolean|date|"
                 r"datetime|timestamp|decimal|float|double|json|jsonb|uuid|enu|enum|binary|time|specificType")


def _foreign_key(columns: tuple[str, ...], s: str, file: str, line: int) -> ForeignKey | None:
    """The FOREIGN KEY a chain declares: `.references('users.id')`, `.references('id').inTable('users')`,
    `.references(['a', 'b']).inTable('t')`, with `.onDelete('CASCADE')`; None without a `.references(`."""
    m = re.search(r"\.references\(\s*(\[[^\]]*\]|" + _STR + r")", s)
    if not m:
        return None
    refs = [r.lower() for r in re.findall(_STR, m.group(1))]
    in_table = re.search(r"\.inTable\(\s*" + _STR, s)
    if in_table:
        table, ref_cols = in_table.group(1).lower(), tuple(r.rsplit(".", 1)[-1] for r in refs)
    elif refs and "." in refs[0]:
        table, ref_cols = refs[0].rsplit(".", 1)[0], tuple(r.rsplit(".", 1)[1] for r in refs)
    else:
        return None
    on_delete = re.search(r"\.onDelete\(\s*" + _STR.replace(r"[\w.]", r"[\w. ]"), s)
    return ForeignKey(columns, table, ref_cols, file=file, line=line,
                      on_delete=on_delete.group(1).lower() if on_delete else None)


def _time_type(kind: str, s: str, dialect: str | None) -> str:
    """The column type Knex creates for `timestamp`/`datetime` (and `timestamps(useTimestamps)`): on Postgres
    both are TIMESTAMPTZ unless `useTz: false`; on MySQL `timestamp` is TIMESTAMP (stored in UTC) and
    `datetime` DATETIME; SQLite has no zone-aware type."""
    if re.search(r"useTz\s*:\s*false", s) or dialect == "sqlite":
        return "timestamp"
    if dialect == "postgres" or (kind == "timestamp" and dialect == "mysql"):
        return "timestamptz"
    return "timestamp"


def read_body(file: str, first_line: int, body: str, dialect: str | None) -> list[Operation]:
    out: list[Operation] = []
    current_table: str | None = None
    creating: Operation | None = None
    for s, marks in _statements(first_line, body):
        line = marks[0][1]

        def op(kind: str, at: int | None = None, **kw) -> Operation:
            o = Operation(kind, file, line if at is None else at, text=s[:200], **kw)
            out.append(o)
            return o
        m = re.search(r"\.(createTable|createTableIfNotExists)\(\s*" + _STR, s)
        if m:
            creating = op(ops.CREATE_TABLE, _line_at(marks, m.start()), table=m.group(2).lower(),
                          if_exists=m.group(1).endswith("NotExists"))
            current_table = creating.table
            continue
        drops = list(re.finditer(r"\.(dropTable|dropTableIfExists)\(\s*" + _STR, s))
        if drops:
            for m in drops:
                op(ops.DROP_TABLE, _line_at(marks, m.start()), table=m.group(2).lower(),
                   if_exists=m.group(1).endswith("Exists"))
            continue
        m = re.search(r"\.renameTable\(\s*" + _STR + r"\s*,\s*" + _STR, s)
        if m:
            op(ops.RENAME_TABLE, table=m.group(1).lower(), new_name=m.group(2).lower())
            continue
        m = re.search(r"\.(alterTable|table)\(\s*" + _STR, s)
        if m:
            current_table, creating = m.group(2).lower(), None
            continue
        m = re.search(r"\.raw\(\s*([\"'`])(.*?)\1", s)
        if m:
            parsed, _ = parse_sql(m.group(2), file, dialect, line)
            out.extend(parsed)
            continue
        if re.search(r"\.raw\(", s):
            op(ops.RAW_SQL, opaque=True, note="knex.raw with SQL that is not a one-line literal")
            continue
        m = re.match(r"\w+\.(dropColumn|dropColumns)\(\s*(.*)\)", s)
        if m:
            for col in re.findall(_STR, m.group(2)):
                op(ops.DROP_COLUMN, table=current_table, column=col.lower())
            continue
        m = re.match(r"\w+\.renameColumn\(\s*" + _STR + r"\s*,\s*" + _STR, s)
        if m:
            op(ops.RENAME_COLUMN, table=current_table, column=m.group(1).lower(), new_name=m.group(2).lower())
            continue
        m = re.match(r"\w+\.primary\(\s*(\[[^\]]*\]|" + _STR + r")", s)
        if m:   # table.primary(['a', 'b']): a (composite) primary key
            cols = tuple(c.lower() for c in re.findall(_STR, m.group(1)))
            if creating is not None:
                for c in creating.column_defs:
                    if c.name in cols:
                        c.primary_key, c.nullable = True, False
            else:
                op(ops.ADD_CONSTRAINT, table=current_table, name=f"{current_table}_pkey", columns=cols,
                   constraint_type="primary_key")
            continue
        m = re.match(r"\w+\.(index|unique|dropIndex|dropUnique)\(\s*(\[[^\]]*\]|" + _STR + r")\s*(?:,\s*" + _STR + r")?", s)
        if m:
            cols = tuple(c.lower() for c in re.findall(_STR, m.group(2)))
            name = m.group(4) or f"{current_table}_{'_'.join(cols)}_{'unique' if 'nique' in m.group(1) else 'index'}"
            kind = ops.CREATE_INDEX if m.group(1) in ("index", "unique") else ops.DROP_INDEX
            op(kind, table=current_table, name=name.lower(), columns=cols, unique="nique" in m.group(1))
            continue
        m = re.match(r"\w+\.dropForeign\(", s)
        if m:
            op(ops.DROP_CONSTRAINT, table=current_table, name=f"{current_table}_fk", constraint_type="foreign_key")
            continue
        m = re.match(r"\w+\.foreign\(\s*(\[[^\]]*\]|" + _STR + r")", s)
        if m:   # table.foreign('user_id').references('users.id')
            cols = tuple(c.lower() for c in re.findall(_STR, m.group(1)))
            fk = _foreign_key(cols, s, file, line)
            if fk is not None and creating is not None:
                creating.foreign_keys.append(fk)
            else:
                o = op(ops.ADD_CONSTRAINT, table=current_table, name=f"{current_table}_fk", columns=cols,
                       constraint_type="foreign_key", ref_table=fk.ref_table if fk else None)
                if fk is not None:
                    o.foreign_keys.append(fk)
            continue
        m = re.match(r"\w+\.(" + _COLUMN_TYPES + r")\(\s*(?:" + _STR + r"|\))", s)
        if m:
            kind = m.group(1)
            increments = "ncrements" in kind
            name = (m.group(2) or ("id" if increments else "")).lower()
            if not name:
                op(ops.UNKNOWN, opaque=True, note=f"JavaScript not modelled: {s[:60]}")
                continue
            line = _line_at(marks, m.start(1))
            type_ = {"increments": "integer", "bigIncrements": "bigint", "string": "varchar", "bigInteger": "bigint",
                     "decimal": "numeric", "double": "float", "enu": "enum"}.get(kind, kind)
            if kind in ("timestamp", "datetime"):
                type_ = _time_type(kind, s, dialect)
            primary = increments or ".primary()" in s
            col = column_def(name, type_, ".notNullable()" not in s and not increments, primary,
                             ".unique()" in s, "default" if ".defaultTo(" in s else None, file, line)
            fk = _foreign_key((name,), s, file, line)
            if ".alter()" in s:
                op(ops.ALTER_COLUMN, table=current_table, column=col.name, new_type=col.type, nullable=col.nullable)
            elif creating is not None:
                creating.column_defs.append(col)
                if fk is not None:
                    creating.foreign_keys.append(fk)
            else:
                o = op(ops.ADD_COLUMN, table=current_table, column=col.name)
                o.column_defs.append(col)
                if fk is not None:
                    o.foreign_keys.append(fk)
            if re.search(r"\.index\(\s*(?:" + _STR + r")?\s*\)", s):   # column.index(): a one-column index
                named = re.search(r"\.index\(\s*" + _STR, s)
                op(ops.CREATE_INDEX, table=current_table, columns=(name,),
                   name=(named.group(1).lower() if named else f"{current_table}_{name}_index"))
            continue
        m = re.match(r"\w+\.timestamps\(([^)]*)\)", s)
        if m:
            # timestamps(useTimestamps, defaultToNow): with defaultToNow both columns are NOT NULL DEFAULT now
            args = [a.strip() for a in m.group(1).split(",")]
            now = len(args) >= 2 and args[1] == "true"
            type_ = _time_type("timestamp" if args[0] == "true" else "datetime", s, dialect)
            for c in ("created_at", "updated_at"):
                if creating is not None:
                    creating.column_defs.append(column_def(c, type_, not now, default="now" if now else None,
                                                           file=file, line=line))
            continue
        if re.search(r"\bthrow\b", s):
            op(ops.OTHER, note="throw")
            continue
        if re.match(r"^(return\s+)?(knex|await|Promise|\}|\)|;|return\b|async|function|\(|const|let)", s) or re.match(r"^[\s\}\)\];,]*$", s):
            continue
        op(ops.UNKNOWN, opaque=True, note=f"JavaScript not modelled: {s[:60]}")
    return out


def parse_knex(text: str, file: str, dialect: str | None) -> Migration:
    return js_migration("knex", text, text, file, dialect, read_body)


BodyReader = Callable[[str, int, str, "str | None"], list[Operation]]


def js_migration(tool: str, text: str, doc_text: str, file: str, dialect: str | None,
                 reader: BodyReader) -> Migration:
    """A JS migration module with `up`/`down` functions (knex, sequelize-cli): version and name from the file
    name, the first comment of `doc_text` as its documentation, each body's operations read by `reader`."""
    stem = re.sub(r"\.(js|ts|cjs|mjs)$", "", file.rsplit("/", 1)[-1])
    m = re.match(r"^(\d+)[_-](.*)$", stem)
    version, name = (m.group(1), m.group(2)) if m else (stem, stem)
    mig = Migration(tool, version, name, file, 1, folder=file.rsplit("/", 1)[0])
    comments = re.findall(r"^\s*(?://|/\*+|\*)\s*(\S.*)$", doc_text, re.M)
    comments = [c for c in comments if not c.startswith(("@param", "@returns", "@type", "eslint", "*/", "@ts-"))]
    mig.doc, mig.documented = (comments[0] if comments else ""), bool(comments)
    up = _body(text, "up")
    if up:
        mig.forward = reader(file, up[0], up[1], dialect)
    down = _body(text, "down")
    if down:
        mig.has_rollback = True
        mig.rollback_file, mig.rollback_line = file, down[0]
        mig.rollback = reader(file, down[0], down[1], dialect)
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", down[1], flags=re.S)
        code = re.sub(r"\breturn\b|Promise\.resolve\(\s*\)|[\s;{}()]", "", code)
        mig.rollback_empty = not code
        throw = re.search(r"\bthrow\s+new\s+\w+\(\s*(?:[\"'`](.*?)[\"'`])?", down[1])
        if throw:
            mig.rollback_raises, mig.irreversible_reason = True, throw.group(1) or None
    return mig
