"""TypeORM migrations: a class implementing `MigrationInterface` with `up(queryRunner)` and `down(queryRunner)`.

Each body is read as the calls it makes on its QueryRunner: `query('SQL')` (what `migration:generate` writes,
parsed as SQL), `createTable(new Table({ name, columns, foreignKeys, indices }))`, `dropTable`, `addColumn(s)`,
`dropColumn(s)`, `renameColumn`, `renameTable`, `changeColumn`, `createIndex`/`dropIndex`,
`createForeignKey`/`dropForeignKey`, `createUniqueConstraint`/`dropUniqueConstraint`. An argument written as a
name is looked up where it is defined: a local `const table = new Table({...})` or a class property
(`this.tableForeignKey`). Any other call, or SQL that is not a literal, is kept opaque.

Version and name come from TypeORM's `<timestamp>-<Name>.ts` file name, or else from the class name's trailing
timestamp (`CreateUserTable1511105183653`).
"""
from __future__ import annotations

import re

from auditor.dbschema import ForeignKey
from auditor.endpoints.jsparse import split_args, strip_comments
from auditor.migrations import operations as ops
from auditor.migrations.model import Migration
from auditor.migrations.operations import Operation, column_def
from auditor.migrations.sql import parse_sql
from auditor.orm.jsobject import matching, parse_object, string_value, strings_in
from auditor.text import line_of

SHAPE = re.compile(r"\bimplements\s+MigrationInterface\b|\basync\s+up\s*\(\s*\w+\s*:\s*QueryRunner\b")
CLASS = re.compile(r"class\s+([A-Za-z_$][\w$]*)")
_METHOD = {w: re.compile(rf"(?:public\s+)?(?:async\s+)?{w}\s*\(\s*([A-Za-z_$][\w$]*)\s*(?::\s*QueryRunner)?\s*\)[^{{]*\{{")
           for w in ("up", "down")}
_CALL = re.compile(r"\b{runner}((?:\s*\.\s*\w+)+)\s*\(")   # queryRunner.createTable( / queryRunner.manager.update(


def is_typeorm_migration(text: str) -> bool:
    return bool(SHAPE.search(text)) and bool(_METHOD["up"].search(text))


def _arg_text(text: str, arg: str, body: str) -> str:
    """The definition an argument stands for: itself when inline, else the `new X({...})` bound to its name
    in the body or as a class property."""
    a = arg.strip()
    if not re.fullmatch(r"(this\.)?[A-Za-z_$][\w$]*", a):
        return a
    name = a.split(".")[-1]
    for src in (body, text):
        m = re.search(rf"(?:\b(?:const|let|var)\s+|^\s*(?:(?:private|public|protected|readonly|static)\s+)*){re.escape(name)}"
                      rf"\s*(?::[^=\n]+)?=\s*", src, re.M)
        if m:
            start = m.end()
            close = _expression_end(src, start)
            return src[start:close].strip()
    return a


def _expression_end(src: str, start: int) -> int:
    i = start
    while i < len(src):
        ch = src[i]
        if ch in "([{":
            close = matching(src, i)
            if close is None:
                return len(src)
            i = close + 1
            continue
        if ch in ";\n" and src[start:i].strip() and not src[start:i].rstrip().endswith(("=", ",", "(")):
            return i
        i += 1
    return i


def _object(expr: str) -> dict:
    brace = expr.find("{")
    obj = parse_object(expr, brace) if brace >= 0 else None
    return {e.key: e.value for e in obj.entries} if obj else {}


def _columns(value: str, file: str, line: int) -> list:
    out = []
    open_at = value.find("[")
    i = open_at + 1
    while open_at >= 0 and i < len(value):
        brace = value.find("{", i)
        if brace < 0:
            break
        close = matching(value, brace)
        if close is None:
            break
        out.append(_column(value[brace:close + 1], file, line))
        i = close + 1
    return [c for c in out if c is not None]


def _column(expr: str, file: str, line: int):
    o = _object(expr)
    name = string_value(o.get("name", ""))
    if not name:
        return None
    return column_def(name, string_value(o.get("type", "")) or "", o.get("isNullable", "false") == "true",
                      o.get("isPrimary") == "true", o.get("isUnique") == "true",
                      o.get("default") if "default" in o else None, file, line)


def _fk(expr: str, table: str | None, file: str, line: int) -> tuple[ForeignKey, str | None]:
    o = _object(expr)
    on_delete = (string_value(o.get("onDelete", "")) or "no action").lower()   # TypeORM's default: NO ACTION
    fk = ForeignKey(tuple(c.lower() for c in strings_in(o.get("columnNames", ""))),
                    (string_value(o.get("referencedTableName", "")) or "").lower(),
                    tuple(strings_in(o.get("referencedColumnNames", ""))), string_value(o.get("name", "")) or None,
                    file, line, on_delete=on_delete)
    return fk, on_delete


def read_body(file: str, first_line: int, body: str, text: str, runner: str, dialect: str | None) -> list[Operation]:
    out: list[Operation] = []
    for m in re.finditer(_CALL.pattern.format(runner=re.escape(runner)), body):
        close = matching(body, m.end() - 1)
        if close is None:
            continue
        args = split_args(body[m.end():close])
        line = first_line + body.count("\n", 0, m.start())
        src = body[m.start():close + 1].strip().splitlines()[0][:200]
        call = re.sub(r"\s+", "", m.group(1)).lstrip(".")   # "createTable", or "manager.update": not a schema call

        def op(kind: str, **kw) -> Operation:
            o = Operation(kind, file, line, text=src, **kw)
            out.append(o)
            return o
        first = string_value(args[0]) if args else None
        table = (first or "").lower() or None
        if call == "query":
            sql = re.fullmatch(r"\s*([\"'`])(.*)\1\s*", args[0], re.S) if args else None
            if sql and "${" not in sql.group(2):
                parsed, _ = parse_sql(sql.group(2), file, dialect, line)
                out.extend(parsed)
            else:
                op(ops.RAW_SQL, opaque=True, note="queryRunner.query with SQL that is not a literal")
        elif call == "createTable" and args:
            definition = _arg_text(text, args[0], body)
            o = _object(definition)
            name = (string_value(o.get("name", "")) or "").lower()
            if not name:
                op(ops.UNKNOWN, opaque=True, note=f"table definition not read: {args[0][:60]}")
                continue
            created = op(ops.CREATE_TABLE, table=name)
            created.column_defs = _columns(o.get("columns", ""), file, line)
            for fk_text in re.findall(r"\{[^{}]*\}", o.get("foreignKeys", "")):
                created.foreign_keys.append(_fk(fk_text, name, file, line)[0])
            for ix in re.findall(r"\{[^{}]*\}", o.get("indices", "")):
                ixo = _object(ix)
                op(ops.CREATE_INDEX, table=name, name=(string_value(ixo.get("name", "")) or f"{name}_index").lower(),
                   columns=tuple(c.lower() for c in strings_in(ixo.get("columnNames", ""))),
                   unique=ixo.get("isUnique") == "true")
        elif call == "dropTable" and args:
            name = first or string_value(_object(_arg_text(text, args[0], body)).get("name", ""))
            op(ops.DROP_TABLE, table=(name or "").lower() or None, opaque=not name)
        elif call in ("addColumn", "addColumns") and len(args) > 1 and table:
            defs = ([_column(_arg_text(text, a, body), file, line) for a in split_args(args[1].strip()[1:-1])]
                    if call == "addColumns" else [_column(_arg_text(text, args[1], body), file, line)])
            for col in defs:
                if col is None:
                    op(ops.UNKNOWN, opaque=True, table=table, note="column definition not read")
                    continue
                added = op(ops.ADD_COLUMN, table=table, column=col.name)
                added.column_defs.append(col)
        elif call in ("dropColumn", "dropColumns") and len(args) > 1 and table:
            names = strings_in(args[1]) or [string_value(_object(_arg_text(text, args[1], body)).get("name", "")) or ""]
            for name in names:
                op(ops.DROP_COLUMN, table=table, column=name.lower() or None, opaque=not name)
        elif call == "renameColumn" and len(args) > 2 and table:
            old = string_value(args[1]) or string_value(_object(_arg_text(text, args[1], body)).get("name", ""))
            new = string_value(args[2]) or string_value(_object(_arg_text(text, args[2], body)).get("name", ""))
            op(ops.RENAME_COLUMN, table=table, column=(old or "").lower() or None, new_name=(new or "").lower() or None,
               opaque=not (old and new))
        elif call == "renameTable" and len(args) > 1 and table:
            op(ops.RENAME_TABLE, table=table, new_name=(string_value(args[1]) or "").lower() or None,
               opaque=not string_value(args[1]))
        elif call == "changeColumn" and len(args) > 2 and table:
            col = _column(_arg_text(text, args[2], body), file, line)
            old = string_value(args[1]) or string_value(_object(_arg_text(text, args[1], body)).get("name", ""))
            if col is None or not old:
                op(ops.UNKNOWN, opaque=True, table=table, note="changed column not read")
            else:
                op(ops.ALTER_COLUMN, table=table, column=old.lower(), new_type=col.type, nullable=col.nullable)
        elif call in ("createIndex", "dropIndex", "createUniqueConstraint", "dropUniqueConstraint") and len(args) > 1 and table:
            o = _object(_arg_text(text, args[1], body))
            name = (string_value(args[1]) or string_value(o.get("name", "")) or "").lower()
            cols = tuple(c.lower() for c in strings_in(o.get("columnNames", "")))
            unique = "Unique" in call or o.get("isUnique") == "true"
            if call.startswith("create"):
                kind = ops.CREATE_INDEX if "Index" in call else ops.ADD_CONSTRAINT
                op(kind, table=table, name=name or f"{table}_{'_'.join(cols)}", columns=cols, unique=unique,
                   constraint_type="unique" if "Unique" in call else None)
            else:
                kind = ops.DROP_INDEX if "Index" in call else ops.DROP_CONSTRAINT
                op(kind, table=table, name=name or None, opaque=not name, constraint_type="unique" if "Unique" in call else None)
        elif call in ("createForeignKey", "createForeignKeys", "dropForeignKey", "dropForeignKeys") and len(args) > 1 and table:
            fk_texts = (split_args(args[1].strip()[1:-1]) if args[1].strip().startswith("[") else [args[1]])
            for fk_arg in fk_texts:
                literal = string_value(fk_arg)
                fk, on_delete = _fk(_arg_text(text, fk_arg, body), table, file, line)
                name = (literal or fk.name or f"{table}_{'_'.join(fk.columns)}_fk").lower()
                if call.startswith("create"):
                    o = op(ops.ADD_CONSTRAINT, table=table, name=name, columns=fk.columns, constraint_type="foreign_key",
                           ref_table=fk.ref_table or None)
                    o.foreign_keys.append(fk)
                    if on_delete:
                        o.note = f"on delete {on_delete.lower()}"
                else:
                    op(ops.DROP_CONSTRAINT, table=table, name=name, constraint_type="foreign_key")
        else:
            op(ops.UNKNOWN, opaque=True, table=table, note=f"queryRunner.{call} not modelled")
    return out


def _body(text: str, which: str) -> tuple[int, str, str] | None:
    m = _METHOD[which].search(text)
    if not m:
        return None
    close = matching(text, m.end() - 1)
    end = len(text) if close is None else close
    return line_of(text, m.end() - 1), text[m.end():end], m.group(1)


def parse_typeorm(text: str, file: str, dialect: str | None) -> Migration:
    code = strip_comments(text)
    stem = re.sub(r"\.(js|ts|cjs|mjs)$", "", file.rsplit("/", 1)[-1])
    named = re.match(r"^(\d{6,})[_-](.*)$", stem)
    cls = CLASS.search(code)
    from_class = re.match(r"^(.*?)(\d{10,})$", cls.group(1)) if cls else None
    if named:
        version, name = named.group(1), named.group(2)
    elif from_class:
        version, name = from_class.group(2), from_class.group(1)
    else:
        version, name = stem, stem
    mig = Migration("typeorm", version, name, file, line_of(code, cls.start()) if cls else 1,
                    folder=file.rsplit("/", 1)[0] if "/" in file else ".")
    comments = re.findall(r"^\s*(?://|/\*+|\*)\s*(\S.*)$", text, re.M)
    comments = [c for c in comments if not c.startswith(("@param", "@returns", "@type", "eslint", "*/", "@ts-", "tslint"))]
    mig.doc, mig.documented = (comments[0] if comments else ""), bool(comments)
    up = _body(code, "up")
    if up:
        mig.forward = read_body(file, up[0], up[1], code, up[2], dialect)
    down = _body(code, "down")
    if down:
        mig.has_rollback = True
        mig.rollback_file, mig.rollback_line = file, down[0]
        mig.rollback = read_body(file, down[0], down[1], code, down[2], dialect)
        rest = re.sub(r"\breturn\b|Promise\.resolve\(\s*\)|[\s;{}()]", "", down[1])
        mig.rollback_empty = not rest
        throw = re.search(r"\bthrow\s+new\s+\w+\(\s*(?:[\"'`](.*?)[\"'`])?", down[1])
        if throw:
            mig.rollback_raises, mig.irreversible_reason = True, throw.group(1) or None
    return mig
