"""Rails ActiveRecord migrations, read with regular expressions (Ruby is never run).

`change` is reversed by Rails itself except for the operations it cannot invert (remove_column without a
type, change_column, execute outside `reversible`, drop_table without a block): those make the rollback
raise ActiveRecord::IrreversibleMigration. `up`/`down` pairs are compared like any other.
"""
from __future__ import annotations

import re

from auditor.migrations import operations as ops
from auditor.migrations.model import Migration
from auditor.migrations.operations import Operation, column_def
from auditor.migrations.sql import parse_sql

_SYM = r"[:\"']?([\w.]+)[\"']?"
_DEF = re.compile(r"^(\s*)def\s+(change|up|down|self\.up|self\.down)\b")


def _bodies(lines: list[str]) -> dict[str, tuple[int, list[str]]]:
    """method -> (first body line number, body lines), ended by the `end` at the def's indentation."""
    out = {}
    i = 0
    while i < len(lines):
        m = _DEF.match(lines[i])
        if m:
            indent, name = m.group(1), m.group(2).replace("self.", "")
            j = i + 1
            while j < len(lines) and not re.match(rf"^{indent}end\b", lines[j]):
                j += 1
            out[name] = (i + 2, lines[i + 1:j])
            i = j
        i += 1
    return out


def _opts(rest: str) -> dict[str, str]:
    return {k: v.strip() for k, v in re.findall(r"(\w+):\s*([^,]+?)(?=,\s*\w+:|$)", rest)}


def read_body(file: str, start: int, body: list[str], dialect: str | None) -> tuple[list[Operation], bool, str | None]:
    """(operations, raises IrreversibleMigration, its message)."""
    out: list[Operation] = []
    table_block: Operation | None = None
    raises, reason = False, None
    i = 0
    while i < len(body):
        line_no, raw = start + i, body[i]
        s = raw.strip()
        i += 1
        if not s or s.startswith("#"):
            continue

        def op(kind: str, **kw) -> Operation:
            o = Operation(kind, file, line_no, text=s[:200], **kw)
            out.append(o)
            return o
        m = re.match(r"raise\s+(ActiveRecord::)?IrreversibleMigration(?:,\s*[\"'](.*)[\"'])?", s)
        if m:
            raises, reason = True, m.group(2)
            continue
        if table_block is not None:
            if re.match(r"^end\b", s):
                table_block = None
                continue
            m = re.match(r"t\.(\w+)\s+" + _SYM + r"(.*)$", s)
            if m:
                kind, col, rest = m.groups()
                o = _opts(rest)
                if kind in ("references", "belongs_to"):
                    table_block.column_defs.append(column_def(f"{col}_id", "bigint", o.get("null") != "false", file=file, line=line_no))
                    out.append(Operation(ops.CREATE_INDEX, file, line_no, table=table_block.table,
                                         name=f"index_{table_block.table}_on_{col}_id", columns=(f"{col}_id",), text=s))
                elif kind == "index":
                    out.append(Operation(ops.CREATE_INDEX, file, line_no, table=table_block.table, name=o.get("name", "").strip(":\"'") or None,
                                         columns=(col.lower(),), text=s))
                else:
                    table_block.column_defs.append(column_def(col.lower(), kind, o.get("null") != "false", default=o.get("default"), file=file, line=line_no))
            elif s.startswith("t.timestamps"):
                for c in ("created_at", "updated_at"):
                    table_block.column_defs.append(column_def(c, "timestamp", False, file=file, line=line_no))
            continue
        m = re.match(r"create_table\s+" + _SYM + r"(.*)$", s)
        if m:
            table = m.group(1).lower()
            o = op(ops.CREATE_TABLE, table=table)
            if "id: false" not in m.group(2):
                o.column_defs.append(column_def("id", "bigint", False, True, file=file, line=line_no))
            if re.search(r"\bdo\b", m.group(2)):
                table_block = o
            continue
        m = re.match(r"drop_table\s+" + _SYM + r"(.*)$", s)
        if m:
            op(ops.DROP_TABLE, table=m.group(1).lower(), note="with block" if re.search(r"\bdo\b", m.group(2)) else "")
            if re.search(r"\bdo\b", m.group(2)):
                depth = 1
                while i < len(body) and depth:
                    depth += len(re.findall(r"\bdo\b", body[i])) - len(re.findall(r"^\s*end\b", body[i]))
                    i += 1
            continue
        m = re.match(r"add_column\s+" + _SYM + r",\s*" + _SYM + r"(?:,\s*" + _SYM + r")?(.*)$", s)
        if m:
            o = _opts(m.group(4) or "")
            c = op(ops.ADD_COLUMN, table=m.group(1).lower(), column=m.group(2).lower())
            c.column_defs.append(column_def(m.group(2).lower(), m.group(3) or "", o.get("null") != "false",
                                            default=o.get("default"), file=file, line=line_no))
            continue
        m = re.match(r"remove_column\s+" + _SYM + r",\s*" + _SYM + r"(,\s*" + _SYM + r")?", s)
        if m:
            op(ops.DROP_COLUMN, table=m.group(1).lower(), column=m.group(2).lower(), note="typed" if m.group(3) else "")
            continue
        m = re.match(r"rename_column\s+" + _SYM + r",\s*" + _SYM + r",\s*" + _SYM, s)
        if m:
            op(ops.RENAME_COLUMN, table=m.group(1).lower(), column=m.group(2).lower(), new_name=m.group(3).lower())
            continue
        m = re.match(r"rename_table\s+" + _SYM + r",\s*" + _SYM, s)
        if m:
            op(ops.RENAME_TABLE, table=m.group(1).lower(), new_name=m.group(2).lower())
            continue
        m = re.match(r"change_column(_null)?\s+" + _SYM + r",\s*" + _SYM + r",\s*" + _SYM, s)
        if m:
            if m.group(1):
                op(ops.ALTER_COLUMN, table=m.group(2).lower(), column=m.group(3).lower(), nullable=m.group(4) != "false", note="change_column_null")
            else:
                op(ops.ALTER_COLUMN, table=m.group(2).lower(), column=m.group(3).lower(), new_type=ops.normalise_type(m.group(4)), note="change_column")
            continue
        m = re.match(r"(add|remove)_index\s+" + _SYM + r"(?:,\s*(\[[^\]]*\]|[:\"']?\w+[\"']?))?(.*)$", s)
        if m:
            o = _opts(m.group(4) or "")
            cols = tuple(c.lower() for c in re.findall(r"[:\"']?(\w+)", m.group(3) or ""))
            name = (o.get("name") or "").strip(":\"'") or (f"index_{m.group(2).lower()}_on_{'_and_'.join(cols)}" if cols else None)
            op(ops.CREATE_INDEX if m.group(1) == "add" else ops.DROP_INDEX, table=m.group(2).lower(), name=name,
               columns=cols, unique="unique: true" in s, concurrently="concurrently" in o.get("algorithm", ""))
            continue
        m = re.match(r"(add|remove)_(reference|belongs_to)\s+" + _SYM + r",\s*" + _SYM, s)
        if m:
            table, col = m.group(3).lower(), f"{m.group(4).lower()}_id"
            if m.group(1) == "add":
                c = op(ops.ADD_COLUMN, table=table, column=col)
                c.column_defs.append(column_def(col, "bigint", "null: false" not in s, file=file, line=line_no))
                op(ops.CREATE_INDEX, table=table, name=f"index_{table}_on_{col}", columns=(col,))
            else:
                op(ops.DROP_COLUMN, table=table, column=col, note="typed")
            continue
        m = re.match(r"(add|remove)_foreign_key\s+" + _SYM + r"(?:,\s*" + _SYM + r")?", s)
        if m:
            op(ops.ADD_CONSTRAINT if m.group(1) == "add" else ops.DROP_CONSTRAINT, table=m.group(2).lower(),
               name=f"fk_{m.group(2).lower()}_{(m.group(3) or '').lower()}", constraint_type="foreign_key",
               ref_table=(m.group(3) or "").lower())
            continue
        m = re.match(r"execute\s*\(?\s*(<<[~-]?(\w+)|\"(.*)\"|'(.*)')", s)
        if m:
            if m.group(2):
                end = m.group(2)
                sql_lines = []
                while i < len(body) and body[i].strip() != end:
                    sql_lines.append(body[i])
                    i += 1
                i += 1
                parsed, _ = parse_sql("\n".join(sql_lines), file, dialect, line_no + 1)
            else:
                parsed, _ = parse_sql(m.group(3) or m.group(4) or "", file, dialect, line_no)
            for o in parsed:
                o.note = (o.note + " " if o.note else "") + "execute"
            out.extend(parsed)
            continue
        if re.match(r"reversible\s+do\b", s):
            op(ops.RUN_PYTHON, opaque=True, note="reversible block")
            continue
        if re.match(r"^(end|say|say_with_time|puts)\b", s):
            continue
        op(ops.UNKNOWN, opaque=True, note=f"Ruby not modelled: {s[:60]}")
    return out, raises, reason


_IRREVERSIBLE_IN_CHANGE = "remove_column without a type, change_column, execute or drop_table without a block"


def parse_rails(text: str, file: str, dialect: str | None) -> Migration:
    stem = file.rsplit("/", 1)[-1][:-3]
    m = re.match(r"^(\d+)_(.*)$", stem)
    version, name = (m.group(1), m.group(2)) if m else (stem, stem)
    mig = Migration("rails", version, name, file, 1, folder=file.rsplit("/", 1)[0])
    lines = text.splitlines()
    bodies = _bodies(lines)
    comments = [text.strip("# ").strip() for text in lines if text.strip().startswith("#") and "frozen_string_literal" not in text
                and "encoding:" not in text]
    mig.doc, mig.documented = (comments[0] if comments else ""), bool(comments)
    if "change" in bodies:
        start, body = bodies["change"]
        mig.forward, _, _ = read_body(file, start, body, dialect)
        blockers = [o for o in mig.forward if (o.kind == ops.DROP_COLUMN and o.note != "typed")
                    or (o.kind == ops.ALTER_COLUMN and o.note == "change_column")
                    or (o.kind == ops.DROP_TABLE and o.note != "with block")
                    or (o.note.endswith("execute"))]
        mig.auto_reversed = True
        mig.has_rollback = not blockers
        mig.rollback_file, mig.rollback_line = file, start - 1
        if blockers:
            mig.rollback_note = (f"`change` holds {blockers[0].describe()} (line {blockers[0].line}) that Rails cannot "
                                 f"reverse ({_IRREVERSIBLE_IN_CHANGE}): rollback raises IrreversibleMigration")
    else:
        if "up" in bodies:
            start, body = bodies["up"]
            mig.forward, _, _ = read_body(file, start, body, dialect)
        if "down" in bodies:
            start, body = bodies["down"]
            mig.has_rollback = True
            mig.rollback_file, mig.rollback_line = file, start - 1
            mig.rollback, mig.rollback_raises, mig.irreversible_reason = read_body(file, start, body, dialect)
            mig.rollback_empty = not any(text.strip() and not text.strip().startswith("#") for text in body)
    return mig
