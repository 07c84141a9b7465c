"""Pure probes over a judged schema for DB-FK-INDEX, DB-CONSTRAINTS, DB-DATA-TYPES and DB-NORMALIZATION.

Each returns Places: one per thing the item judges (a foreign key, a table, a typed column), `ok` or not,
with the declaration's file:line. Checks turn places into verdicts; tests feed hand-built Schemas.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.astwalk import walk
from auditor.dbschema import Column, Schema, Table
from auditor.orm.coltypes import family
from auditor.orm.pyast import dotted

JSON_NAME = re.compile(r"(^|_)json($|_)|^(payload|metadata|meta|data|extra_data|raw_data|extra|attributes|properties)$"
                       r"|_(payload|metadata|data)$")
MONEY_WORDS = {"price", "amount", "cost", "total", "balance", "fee", "fees", "salary", "subtotal", "tax", "discount",
               "revenue", "payment", "charge", "refund", "wage", "budget", "credit", "debit", "money", "tip"}
NOT_MONEY_WORDS = {"count", "ratio", "percent", "pct", "percentage", "rate", "weight", "score", "seconds", "ms",
                   "duration", "lat", "lng", "latitude", "longitude", "size", "qty", "quantity", "items", "pages"}
LIST_COLUMN = re.compile(r"_(ids|list|csv)$|^(tags|categories|emails|roles|permissions|keywords|labels|recipients)$")
REPEATED_GROUP = re.compile(r"^(?P<stem>[a-z_]*?[a-z])_?(?P<n>\d+)$")
# A reference column by name: user_id, userId, UserID (the stem names the referenced table).
REFERENCE_NAME = re.compile(r"^(?P<stem>[A-Za-z][A-Za-z0-9_]*?)(?:_id|_ID|Id|ID)$")
# Columns a row is looked up by (sign-in names, slugs): each should be unique in its table.
HANDLE_KEYS = {"username", "user_name", "uname", "login", "handle"}
EMAIL_KEYS = {"email", "email_address", "user_email"}
SLUG_KEYS = {"slug"}
PASSWORD_COLUMN = re.compile(r"^(pass|passwd|password|password_?hash|hashed_?password|pwd)$", re.I)
ACCOUNT_TABLE = re.compile(r"(^|_)(users?|accounts?|members?|customers?|admins?)$", re.I)
COMMON_COLUMNS = {"id", "created_at", "updated_at", "deleted_at", "created", "modified", "updated", "name", "status",
                  "type", "kind", "description", "title", "version", "uuid", "slug", "is_active", "active", "notes"}


@dataclass(frozen=True)
class Place:
    ok: bool
    file: str
    line: int | None
    message: str
    table: str
    source: str
    rule: str


def _where(table: Table, obj=None) -> tuple[str, int | None]:
    file = getattr(obj, "file", "") or table.file
    line = getattr(obj, "line", None) if getattr(obj, "file", "") else table.line
    return file, line


# ---- DB-FK-INDEX -------------------------------------------------------------------------------------
def foreign_key_index_places(schema: Schema) -> list[Place]:
    places = []
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            cols = tuple(fk.columns)
            if not cols:
                continue
            file, line = _where(table, fk)
            label = f"{table.name}({', '.join(cols)}) -> {fk.ref_table or '?'}"
            covering = _covering_index(table, cols)
            if covering is None:
                places.append(Place(False, file, line, f"foreign key {label} has no index (Postgres does not "
                                    "index foreign keys by itself)", table.name, table.source, "fk-not-indexed"))
            else:
                what, ifile, iline = covering
                places.append(Place(True, ifile or file, iline or line, f"foreign key {label} is indexed: {what}",
                                    table.name, table.source, "fk-indexed"))
    for table, name, target in undeclared_references(schema):
        column = table.columns[name]
        covering = _covering_index(table, (name,))
        file, line = column.file or table.file, column.line or table.line
        if covering is None:
            places.append(Place(False, file, line, f"{table.name}.{name} refers to {target} by name (no FOREIGN KEY) "
                                "and has no index: every lookup by it scans the table", table.name, table.source,
                                "reference-not-indexed"))
        else:
            places.append(Place(True, covering[1] or file, covering[2] or line, f"reference {table.name}.{name} -> "
                                f"{target} is indexed: {covering[0]}", table.name, table.source, "reference-indexed"))
    return places


def lookup_column_places(schema: Schema) -> list[Place]:
    """Slug columns, which rows are fetched by (`/articles/<slug>`): indexed (or unique) or not."""
    places = []
    for table in schema.tables.values():
        if table.source == "migrations:django":
            continue   # the replayed Django state does not keep SlugField's default index (db_index=True)
        for column in table.columns.values():
            if column.name.lower() not in SLUG_KEYS:
                continue
            covering = _covering_index(table, (column.name,))
            file, line = column.file or table.file, column.line or table.line
            places.append(Place(covering is not None, (covering[1] if covering else "") or file,
                                (covering[2] if covering else None) or line,
                                f"lookup column {table.name}.{column.name} is indexed: {covering[0]}" if covering else
                                f"lookup column {table.name}.{column.name} has no index: every fetch by it scans "
                                "the table", table.name, table.source,
                                "lookup-indexed" if covering else "lookup-not-indexed"))
    return places


def _covering_index(table: Table, cols: tuple[str, ...]) -> tuple[str, str, int | None] | None:
    for ix in table.indexes:
        if ix.columns[:len(cols)] == cols:
            if ix.name == "django:foreign-key-default":
                return "Django indexes ForeignKey by default", ix.file, ix.line
            return f"index {ix.name or ''} ({', '.join(ix.columns)})".replace("index  (", "index ("), ix.file, ix.line
    if table.primary_key[:len(cols)] == cols:
        return "leading primary key column(s)", "", None
    for group in table.unique_sets:
        if group[:len(cols)] == cols:
            return f"unique constraint ({', '.join(group)})", "", None
    if len(cols) == 1 and cols[0] in table.columns and table.columns[cols[0]].unique:
        column = table.columns[cols[0]]
        return "unique column", column.file, column.line
    return None


# ---- DB-CONSTRAINTS ----------------------------------------------------------------------------------
def _referenced_table(prefix: str, schema: Schema, own: str) -> str | None:
    names = {prefix, prefix + "s", prefix + "es", prefix[:-1] + "ies" if prefix.endswith("y") else prefix}
    for table in schema.tables.values():
        name = table.name.lower()
        if name == own.lower():
            continue
        if name in names or any(name.endswith("_" + n) for n in names):
            return table.name
    return None


def reference_stem(name: str) -> str | None:
    """'user' for user_id / userId / UserID; None for other names."""
    m = REFERENCE_NAME.match(name)
    if not m:
        return None
    stem = m.group("stem").rstrip("_")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", stem).lower() or None


def undeclared_references(schema: Schema) -> list[tuple[Table, str, str]]:
    """(table, column, referenced table) for integer columns named like a reference to another table of the
    schema, with no FOREIGN KEY declared on them."""
    out = []
    for table in schema.tables.values():
        fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
        for column in table.columns.values():
            if column.primary_key or column.name in fk_columns:
                continue
            if column.name in table.references:
                out.append((table, column.name, table.references[column.name]))
                continue
            if family(column.type) != "integer":
                continue
            stem = reference_stem(column.name)
            target = _referenced_table(stem, schema, table.name) if stem else None
            if target:
                out.append((table, column.name, target))
    return out


def _unique_alone(table: Table, column: str) -> bool:
    col = table.columns.get(column)
    return bool(col and (col.unique or col.primary_key)) or (column,) in table.unique_sets \
        or any(ix.unique and ix.columns == (column,) for ix in table.indexes)


def natural_key_places(table: Table) -> list[Place]:
    """An account table (named users/accounts/..., or holding a password) is looked up by its sign-in key:
    every handle column (username, login) must be unique, and the e-mail too when there is no handle.
    A slug is unique wherever it is."""
    places = []
    names = {c.name.lower(): c for c in table.columns.values()}
    account = bool(ACCOUNT_TABLE.search(table.name)) or any(PASSWORD_COLUMN.match(n) for n in names)
    keys = (sorted(HANDLE_KEYS & names.keys()) or sorted(EMAIL_KEYS & names.keys())) if account else []
    for key in keys:
        c = names[key]
        ok = _unique_alone(table, c.name)
        places.append(Place(ok, c.file or table.file, c.line or table.line,
                            f"{table.name}.{c.name} is unique" if ok else
                            f"{table.name}.{c.name} has no unique constraint: accounts are looked up by it, so "
                            "duplicates are possible", table.name, table.source,
                            "natural-key-unique" if ok else "natural-key-not-unique"))
    if account:
        places += _sign_in_keys_not_null(table, names)
    for name in sorted(SLUG_KEYS & names.keys()):
        c = names[name]
        ok = _unique_alone(table, c.name)
        places.append(Place(ok, c.file or table.file, c.line or table.line,
                            f"{table.name}.{c.name} is " + ("unique" if ok else "not unique: two rows may share a slug"),
                            table.name, table.source, "natural-key-unique" if ok else "natural-key-not-unique"))
    return places


def _sign_in_keys_not_null(table: Table, names: dict[str, Column]) -> list[Place]:
    """Every unique sign-in key of an account table (username, login, e-mail) is NOT NULL: a unique column
    accepts any number of NULLs, so a nullable key lets rows exist that no sign-in can find, and code that
    looks accounts up by it must handle None. The schema readers already apply each ORM's default (a
    SQLAlchemy Column is nullable unless primary_key or nullable=False; a Django field is NOT NULL unless
    null=True; a non-Optional Mapped[...] is NOT NULL)."""
    places = []
    for key in sorted((HANDLE_KEYS | EMAIL_KEYS) & names.keys()):
        c = names[key]
        if c.primary_key or not _unique_alone(table, c.name):
            continue
        places.append(Place(not c.nullable, c.file or table.file, c.line or table.line,
                            f"{table.name}.{c.name} is a unique sign-in key declared NOT NULL" if not c.nullable else
                            f"{table.name}.{c.name} is a unique sign-in key but nullable: rows without it can be "
                            "stored (declare NOT NULL)", table.name, table.source,
                            "sign-in-key-not-null" if not c.nullable else "sign-in-key-nullable"))
    return places


def equivalent_key(table: Table) -> tuple[tuple[str, ...], object] | None:
    """(columns, declaring object) of a unique constraint or unique index whose columns are all NOT NULL: a key
    equivalent to a primary key (Prisma's implicit many-to-many tables declare `"A", "B"` NOT NULL with a unique
    index on both and no PRIMARY KEY). A unique key over a nullable column is not one: NULLs repeat."""
    candidates: list[tuple[tuple[str, ...], object]] = [(ix.columns, ix) for ix in table.indexes if ix.unique]
    candidates += [(cols, None) for cols in table.unique_sets]
    candidates += [((c.name,), c) for c in table.columns.values() if c.unique]
    for cols, where in candidates:
        columns = [table.columns.get(c) for c in cols]
        if cols and all(c is not None and not c.nullable for c in columns):
            return cols, where
    return None


TIMESTAMP_COLUMNS = {"created_at", "updated_at", "deleted_at", "createdat", "updatedat", "deletedat", "created",
                     "modified", "updated"}


def link_table_pair(table: Table) -> tuple[str, str] | None:
    """The two foreign-key columns of a link (many-to-many) table with a surrogate primary key: a table whose
    columns are its own one-column primary key, two single-column foreign keys and timestamps, nothing else
    (favorites(id, user, article), articles_tags(id, article, tag)). None for any other table."""
    pk = table.primary_key
    fk_cols = [fk.columns[0] for fk in table.foreign_keys if len(fk.columns) == 1]
    if len(pk) != 1 or len(set(fk_cols)) != 2 or pk[0] in fk_cols:
        return None
    rest = set(table.columns) - set(pk) - set(fk_cols)
    if any(c.lower() not in TIMESTAMP_COLUMNS for c in rest):
        return None
    first, second = dict.fromkeys(fk_cols)
    return first, second


def _pair_unique(table: Table, pair: tuple[str, str]) -> bool:
    """Some unique key (constraint, unique index, unique column) lies within the pair: one link per pair."""
    return table.unique_within(set(pair))


def link_table_places(table: Table) -> list[Place]:
    """A link table with a surrogate key must make its pair unique, or the same link is stored twice (a second
    favourite, a second follow) and counts drift."""
    pair = link_table_pair(table)
    if pair is None:
        return []
    ok = _pair_unique(table, pair)
    fk = next(fk for fk in table.foreign_keys if fk.columns == (pair[0],))
    file, line = _where(table, fk) if not ok else (table.file, table.line)
    return [Place(ok, file, line, f"link table {table.name} makes ({', '.join(pair)}) unique" if ok else
                  f"link table {table.name} has a surrogate primary key but nothing makes ({', '.join(pair)}) "
                  "unique: the same link can be stored twice", table.name, table.source,
                  "link-pair-unique" if ok else "link-pair-not-unique")]


def constraint_places(schema: Schema) -> list[Place]:
    places = []
    for table in schema.tables.values():
        pk = table.primary_key
        if pk:
            column = table.columns[pk[0]]
            places.append(Place(True, column.file or table.file, column.line or table.line,
                                f"table {table.name} has primary key ({', '.join(pk)})", table.name, table.source,
                                "primary-key"))
        elif (key := equivalent_key(table)) is not None:
            file, line = _where(table, key[1])
            places.append(Place(True, file, line, f"table {table.name} has no PRIMARY KEY but a unique key over NOT "
                                f"NULL columns ({', '.join(key[0])}), which identifies each row as one would",
                                table.name, table.source, "unique-not-null-key"))
        else:
            places.append(Place(False, table.file, table.line, f"table {table.name} has no primary key",
                                table.name, table.source, "no-primary-key"))
        for fk in table.foreign_keys:
            file, line = _where(table, fk)
            places.append(Place(True, file, line, f"foreign key {table.name}({', '.join(fk.columns)}) -> "
                                f"{fk.ref_table} declared", table.name, table.source, "foreign-key"))
        places += natural_key_places(table)
        places += link_table_places(table)
    for table, name, target in undeclared_references(schema):
        column = table.columns[name]
        places.append(Place(False, column.file or table.file, column.line or table.line,
                            f"{table.name}.{column.name} refers to {target} by name but no FOREIGN KEY "
                            "is declared", table.name, table.source, "undeclared-foreign-key"))
    return places


def nullable_foreign_keys(schema: Schema) -> list[Place]:
    """Nullable FK columns: a hint only (an optional relation is legitimate)."""
    out = []
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            for c in fk.columns:
                column = table.columns.get(c)
                if column is not None and column.nullable and not column.primary_key:
                    out.append(Place(False, column.file or table.file, column.line, f"{table.name}.{c} is a nullable "
                                     "foreign key: declare NOT NULL if every row needs one", table.name, table.source,
                                     "nullable-foreign-key"))
    return out


# ---- DB-DATA-TYPES -----------------------------------------------------------------------------------
def is_money_name(name: str) -> bool:
    words = set(name.lower().split("_"))
    return bool(words & MONEY_WORDS) and not words & NOT_MONEY_WORDS


def data_type_places(schema: Schema, judge_naive_sql_timestamps: bool = True) -> list[Place]:
    places = []
    for table in schema.tables.values():
        # SQLite has no time-zone-aware column type to ask for; MySQL has TIMESTAMP (stored in UTC), so its
        # DATETIME is judged like Postgres' TIMESTAMP
        sqlite = table.source.startswith("sql:") and schema.dialect == "sqlite"
        for column in table.columns.values():
            fam = family(column.type)
            name = column.name.lower()
            file, line = column.file or table.file, column.line or table.line
            where = f"{table.name}.{column.name} ({column.type or '?'})"
            if column.type in ("simple-array", "simple-json"):
                what = "a comma-joined list" if column.type == "simple-array" else "JSON"
                places.append(Place(False, file, line, f"{where}: {what} stored in a text column (use an array or "
                                    "JSON type, or a child table)", table.name, table.source,
                                    "list-in-text" if column.type == "simple-array" else "json-in-text"))
            elif JSON_NAME.search(name) and fam in ("text", "json"):
                ok = fam == "json"
                places.append(Place(ok, file, line, f"{where}: " + ("JSON column" if ok else
                                    "holds JSON by its name but is a text column (use JSON/JSONB)"),
                                    table.name, table.source, "json-type" if ok else "json-in-text"))
            elif is_money_name(name) and fam in ("float", "exact_numeric", "integer"):
                ok = fam != "float"
                places.append(Place(ok, file, line, f"{where}: " + ("exact type for money" if ok else
                                    "money in floating point loses cents (use NUMERIC/DECIMAL or integer cents)"),
                                    table.name, table.source, "money-exact" if ok else "money-in-float"))
            elif fam in ("naive_timestamp", "aware_timestamp"):
                if sqlite and fam == "naive_timestamp":
                    continue
                ok = fam == "aware_timestamp"
                places.append(Place(ok, file, line, f"{where}: " + ("timestamp with time zone" if ok else
                                    "timestamp without time zone is ambiguous (use timezone=True / TIMESTAMPTZ)"),
                                    table.name, table.source, "timestamp-aware" if ok else "naive-timestamp"))
    return places


def json_dumps_into_text(rel: str, tree: ast.Module, text_columns: set[str]) -> list[tuple[int, str]]:
    """(line, column) where code stores `json.dumps(...)` into an attribute/keyword named like a text column."""
    out = []

    def is_dumps(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Call) and dotted(node.func) in ("json.dumps", "dumps", "simplejson.dumps", "orjson.dumps")

    for node in walk(tree):
        if isinstance(node, ast.Assign) and is_dumps(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in text_columns:
                    out.append((node.lineno, target.attr))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in text_columns and is_dumps(kw.value):
                    out.append((kw.value.lineno, kw.arg))
    return out


# ---- DB-NORMALIZATION --------------------------------------------------------------------------------
def normalization_hints(schema: Schema) -> list[Place]:
    hints = []
    for table in schema.tables.values():
        groups: dict[str, list] = {}
        for column in table.columns.values():
            m = REPEATED_GROUP.match(column.name.lower())
            if m and not column.name.lower().endswith("_id"):
                groups.setdefault(m.group("stem"), []).append(column)
        for stem, cols in groups.items():
            if len(cols) >= 2:
                first = cols[0]
                hints.append(Place(False, first.file or table.file, first.line or table.line,
                                   f"{table.name}: repeated column group {', '.join(c.name for c in cols)} "
                                   "(a child table may fit better)", table.name, table.source, "repeated-group"))
        for column in table.columns.values():
            if LIST_COLUMN.search(column.name.lower()) and family(column.type) == "text":
                hints.append(Place(False, column.file or table.file, column.line or table.line,
                                   f"{table.name}.{column.name} is a text column named like a list: if it holds "
                                   "comma-separated values, a join table (or an array/JSON type) is safer",
                                   table.name, table.source, "list-in-text"))
        for fk in table.foreign_keys:
            parent = schema.tables.get(fk.ref_table.lower())
            if parent is None or parent is table:
                continue
            singular = parent.name.lower().rsplit("_", 1)[-1].rstrip("s")
            fk_cols = set(fk.columns)
            for column in table.columns.values():
                name = column.name.lower()
                if name in fk_cols or column.primary_key:
                    continue
                copied = None
                if name in parent.columns and name not in COMMON_COLUMNS:
                    copied = name
                elif name.startswith(singular + "_") and name[len(singular) + 1:] in parent.columns \
                        and name[len(singular) + 1:] not in ("id",):
                    copied = name[len(singular) + 1:]
                if copied:
                    hints.append(Place(False, column.file or table.file, column.line or table.line,
                                       f"{table.name}.{column.name} duplicates {parent.name}.{copied} across a foreign "
                                       "key: deliberate snapshot or drift risk?", table.name, table.source,
                                       "duplicated-column"))
    return hints
