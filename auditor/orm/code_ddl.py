"""CREATE TABLE statements written as string literals in Python, Go, JavaScript or TypeScript code
(`cursor.execute("CREATE TABLE users (...)")`, a Go `const CreateUsers = `CREATE TABLE ...``), parsed with
sqlglot exactly as schema files are. Only literals with no interpolation are read (an f-string, `${...}` or
`%s` table name is not a schema we can know); a literal that yields no table adds nothing, not even a problem.
"""
from __future__ import annotations

import ast
import re

from auditor.astwalk import walk
from auditor.orm.result import ReadResult
from auditor.orm.sql_ddl import looks_like_ddl, read_ddl

_DDL = re.compile(r"^\s*(create\s+(?:(?:global\s+|local\s+)?(?:temporary|temp|unlogged)\s+)?table|"
                  r"create\s+(?:unique\s+)?index|alter\s+table)\b", re.I)
_JS_GO_LITERAL = re.compile(r"`[^`]*`|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'")


def ddl_literals_python(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, text) of plain string constants holding CREATE TABLE."""
    out = []
    interpolated = {id(part) for node in walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in walk(tree):
        if id(node) in interpolated:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _DDL.match(node.value):
            out.append((node.lineno, node.value))
    return out


def ddl_literals_text(text: str) -> list[tuple[int, str]]:
    """(line, text) of Go/JS/TS string literals holding CREATE TABLE, without interpolation."""
    if not looks_like_ddl(text):
        return []
    out = []
    for m in _JS_GO_LITERAL.finditer(text):
        body = m.group(0)[1:-1]
        if "${" in body or not _DDL.match(body):
            continue
        if m.group(0)[0] != "`":
            body = body.replace("\\n", "\n").replace("\\t", " ").replace('\\"', '"').replace("\\'", "'")
        out.append((text.count("\n", 0, m.start()) + 1, body))
    return out


def read_code_ddl(rel: str, literals: list[tuple[int, str]], dialect_hint: str | None) -> ReadResult:
    """The file's DDL literals (CREATE TABLE, CREATE INDEX, ALTER TABLE) read in order as one script whose
    lines are the file's lines; nothing when none of them creates a table."""
    script, at = "", 1
    for line, body in literals:
        head = body.split("(", 1)[0]
        if "%s" in head or "{" in head or "?" in head:
            continue   # the table name is filled in at run time
        if line > at:
            script += "\n" * (line - at)
            at = line
        script += body.rstrip().rstrip(";") + ";\n"
        at += body.rstrip().count("\n") + 1
    if not looks_like_ddl(script):
        return ReadResult()
    result = read_ddl(rel, script, dialect_hint)
    return result if result.schema.tables else ReadResult()
