"""sequelize-cli migrations (`module.exports = { up: (queryInterface, Sequelize) => ..., down: ... }`), read as
text: the queryInterface calls of up and down become Operations (createTable, dropTable, addColumn,
removeColumn, changeColumn, renameColumn, renameTable, addIndex, removeIndex, addConstraint,
removeConstraint, bulkInsert/bulkDelete, literal `sequelize.query` SQL). Any other call is opaque."""
from __future__ import annotations

import re

from auditor.dbschema import ForeignKey
from auditor.migrations import operations as ops
from auditor.migrations.knex import js_migration
from auditor.migrations.model import Migration
from auditor.migrations.operations import Operation, column_def
from auditor.migrations.sql import parse_sql
from auditor.orm.jsobject import Entry, matching, parse_object, split_top_level, string_value, strings_in
from auditor.orm.sequelize_models import sequelize_type

_CALL = re.compile(r"\b(?:queryInterface|queryinterface|qi|\w+)\.(\w+)\(")
_KNOWN = {"createTable", "dropTable", "addColumn", "removeColumn", "changeColumn", "renameColumn", "renameTable",
          "addIndex", "removeIndex", "addConstraint", "removeConstraint", "bulkInsert", "bulkDelete", "bulkUpdate",
          "query", "dropAllTables", "createSchema", "dropSchema"}
_IGNORED = {"then", "all", "resolve", "transaction", "commit", "rollback", "log", "map", "forEach", "catch", "push"}


def looks_like_sequelize_migration(head: str) -> bool:
    return bool(re.search(r"\bup\s*[:(]", head)) and "queryInterface" in head


def _args(text: str, open_paren: int) -> tuple[list[str], list[int], int] | None:
    close = matching(text, open_paren)
    if close is None:
        return None
    spans = split_top_level(text, open_paren + 1, close)
    return [text[a:b].strip() for a, b in spans], [a + len(text[a:b]) - len(text[a:b].lstrip()) for a, b in spans], close


def _column(name: str, value: str, entries: list[Entry] | None, file: str, line: int):
    if entries is None:
        return column_def(name, sequelize_type(value), file=file, line=line), None
    get = {e.key: e for e in entries}
    type_ = sequelize_type(get["type"].value) if "type" in get else ""
    pk = get.get("primaryKey") is not None and get["primaryKey"].value == "true"
    nullable = not (get.get("allowNull") is not None and get["allowNull"].value == "false")
    unique = get.get("unique") is not None and get["unique"].value not in ("false", "")
    col = column_def(name, type_, nullable, pk, unique, "default" if "defaultValue" in get else None, file, line)
    fk = None
    ref = get.get("references")
    if ref is not None and ref.children is not None:
        model = ref.child("model")
        target = (string_value(model.value) or (model.child("tableName").value if model.child("tableName") else "")
                  if model else "")
        key = ref.child("key")
        fk = ForeignKey((name,), (string_value(target) or target).lower(), tuple(strings_in(key.value)) if key else (),
                        file=file, line=line)
    return col, fk


def read_body(file: str, first_line: int, body: str, dialect: str | None) -> list[Operation]:
    out: list[Operation] = []
    for m in _CALL.finditer(body):
        method = m.group(1)
        if method in _IGNORED or method not in _KNOWN:
            continue
        paren = m.end() - 1
        parsed = _args(body, paren)
        line = first_line + body.count("\n", 0, m.start())
        text = body[m.start():body.find("\n", m.start()) if "\n" in body[m.start():] else len(body)].strip()[:200]

        def op(kind: str, **kw) -> Operation:
            o = Operation(kind, file, line, text=text, **kw)
            out.append(o)
            return o
        if parsed is None:
            op(ops.UNKNOWN, opaque=True, note=f"queryInterface.{method} not closed")
            continue
        args, starts, _ = parsed
        names = [string_value(a) for a in args]
        table = (names[0] or "").lower() if names else ""
        if method == "createTable" and len(args) >= 2 and args[1].startswith("{"):
            obj = parse_object(body, body.index("{", starts[1]))
            create = op(ops.CREATE_TABLE, table=table)
            for entry in obj.entries if obj else []:
                col, fk = _column(entry.key.lower(), entry.value, entry.children, file,
                                  first_line + entry.line - 1)
                create.column_defs.append(col)
                if fk is not None:
                    create.foreign_keys.append(fk)
        elif method == "dropTable":
            op(ops.DROP_TABLE, table=table)
        elif method in ("addColumn", "changeColumn") and len(args) >= 3 and names[1]:
            column = names[1].lower()
            entries = None
            if args[2].startswith("{"):
                obj = parse_object(body, body.index("{", starts[2]))
                entries = obj.entries if obj else []
            col, fk = _column(column, args[2], entries, file, line)
            if method == "addColumn":
                o = op(ops.ADD_COLUMN, table=table, column=column)
                o.column_defs.append(col)
                if fk is not None:
                    o.foreign_keys.append(fk)
            else:
                op(ops.ALTER_COLUMN, table=table, column=column, new_type=col.type or None, nullable=col.nullable)
        elif method == "removeColumn" and len(args) >= 2:
            op(ops.DROP_COLUMN, table=table, column=(names[1] or "").lower())
        elif method == "renameColumn" and len(args) >= 3:
            op(ops.RENAME_COLUMN, table=table, column=(names[1] or "").lower(), new_name=(names[2] or "").lower())
        elif method == "renameTable" and len(args) >= 2:
            op(ops.RENAME_TABLE, table=table, new_name=(names[1] or "").lower())
        elif method == "addIndex" and len(args) >= 2:
            cols = tuple(c.lower() for c in strings_in(args[1])) if args[1].startswith("[") else ()
            options = args[2] if len(args) > 2 else (args[1] if args[1].startswith("{") else "")
            if not cols and options.startswith("{"):
                obj = parse_object(options, 0)
                fields = obj.get("fields") if obj else None
                cols = tuple(c.lower() for c in strings_in(fields.value)) if fields else ()
            name_m = re.search(r"\bname\s*:\s*[\"'`]([\w.]+)", options)
            name = name_m.group(1).lower() if name_m else f"{table}_{'_'.join(cols)}"
            op(ops.CREATE_INDEX, table=table, name=name, columns=cols,
               unique=bool(re.search(r"\bunique\s*:\s*true", options)))
        elif method == "removeIndex" and len(args) >= 2:
            cols = tuple(c.lower() for c in strings_in(args[1]))
            name = names[1].lower() if names[1] else f"{table}_{'_'.join(cols)}"
            op(ops.DROP_INDEX, table=table, name=name, columns=cols if not names[1] else ())
        elif method == "addConstraint" and len(args) >= 2:
            options = args[-1]
            kind_m = re.search(r"\btype\s*:\s*[\"'`]([\w ]+)", options)
            kind = (kind_m.group(1).lower().replace(" ", "_") if kind_m else "")
            cols = tuple(c.lower() for c in strings_in(re.search(r"fields\s*:\s*(\[[^\]]*\])", options).group(1))) \
                if re.search(r"fields\s*:\s*\[", options) else tuple(c.lower() for c in strings_in(args[1]) if len(args) > 2)
            name_m = re.search(r"\bname\s*:\s*[\"'`]([\w.]+)", options)
            o = op(ops.ADD_CONSTRAINT, table=table, name=(name_m.group(1).lower() if name_m else f"{table}_{kind}"),
                   constraint_type=kind or None, columns=cols)
            if kind == "unique" and cols:
                o.unique_sets.append(cols)
            ref_m = re.search(r"table\s*:\s*[\"'`](\w+)", options)
            if kind == "foreign_key" and ref_m:
                o.foreign_keys.append(ForeignKey(cols, ref_m.group(1).lower(), file=file, line=line))
        elif method == "removeConstraint" and len(args) >= 2:
            op(ops.DROP_CONSTRAINT, table=table, name=(names[1] or "").lower())
        elif method in ("bulkInsert", "bulkDelete", "bulkUpdate"):
            op(ops.DATA, table=table)
        elif method == "query":
            sql = names[0] if names else None
            if sql:
                parsed_ops, _ = parse_sql(sql, file, dialect, line)
                out.extend(parsed_ops)
            else:
                op(ops.RAW_SQL, opaque=True, note="sequelize.query with SQL that is not a literal")
        else:
            op(ops.UNKNOWN, opaque=True, note=f"queryInterface.{method} not modelled")
    return out


def parse_sequelize(text: str, file: str, dialect: str | None) -> Migration:
    return js_migration("sequelize", text, _code(text, "up"), file, dialect, read_body)


def _code(text: str, which: str) -> str:
    """The file before its up function: where a description comment sits."""
    m = re.search(r"\b" + which + r"\s*[:(]", text)
    return text[:m.start()] if m else text
