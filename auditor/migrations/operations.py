"""A normalised schema operation, the common language of every migration parser.

Each parser (Alembic, Django, SQL files, Rails, Knex, Prisma) turns its forward and rollback code into a
list of Operation; replay applies them to a Schema, and the checks read them. An operation the parser could
not understand is kept as `raw_sql` / `run_python` / `unknown` with `opaque=True`: it is never treated as
understood.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.dbschema import Column, ForeignKey

CREATE_TABLE = "create_table"
DROP_TABLE = "drop_table"
RENAME_TABLE = "rename_table"
ADD_COLUMN = "add_column"
DROP_COLUMN = "drop_column"
ALTER_COLUMN = "alter_column"
RENAME_COLUMN = "rename_column"
CREATE_INDEX = "create_index"
DROP_INDEX = "drop_index"
ADD_CONSTRAINT = "add_constraint"
DROP_CONSTRAINT = "drop_constraint"
CREATE_ENUM = "create_enum"
DROP_ENUM = "drop_enum"
DATA = "data"              # INSERT/UPDATE/DELETE or a bulk insert: changes rows, not the schema
OTHER = "other"            # understood, without effect on tables (COMMENT, CREATE VIEW, GRANT, ...)
RAW_SQL = "raw_sql"        # SQL that was not understood (sqlglot Command, parse error, dynamic string)
RUN_PYTHON = "run_python"  # arbitrary code (RunPython, a helper call, a loop)
UNKNOWN = "unknown"        # a call the parser does not know

SCHEMA_KINDS = frozenset({CREATE_TABLE, DROP_TABLE, RENAME_TABLE, ADD_COLUMN, DROP_COLUMN, ALTER_COLUMN,
                          RENAME_COLUMN, CREATE_INDEX, DROP_INDEX, ADD_CONSTRAINT, DROP_CONSTRAINT,
                          CREATE_ENUM, DROP_ENUM})
DATA_LOSS_KINDS = frozenset({DROP_TABLE, DROP_COLUMN})


@dataclass
class Operation:
    kind: str
    file: str = ""
    line: int | None = None
    table: str | None = None
    column: str | None = None            # the column of add/drop/alter/rename_column
    new_name: str | None = None          # rename target (table or column)
    name: str | None = None              # index, constraint or enum name
    columns: tuple[str, ...] = ()        # index / constraint columns
    column_defs: list[Column] = field(default_factory=list)   # create_table / add_column definitions
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    unique_sets: list[tuple[str, ...]] = field(default_factory=list)
    constraint_type: str | None = None   # unique, foreign_key, check, primary_key
    ref_table: str | None = None
    new_type: str | None = None          # alter_column: the new type, when it changes
    nullable: bool | None = None         # alter_column: the new nullability, when it changes
    type_text: str = ""                  # alter_column: the new type as written ('sa.String(length=255)')
    old_type_text: str = ""              # alter_column: the declared existing type as written, when given
    unique: bool = False                 # create_index
    concurrently: bool = False           # create/drop index CONCURRENTLY (Postgres)
    if_exists: bool = False
    values: tuple[str, ...] = ()         # enum values
    opaque: bool = False                 # not understood: never counted as verified
    text: str = ""                       # the source text (one line) for evidence
    note: str = ""

    @property
    def is_schema_change(self) -> bool:
        return self.kind in SCHEMA_KINDS

    @property
    def loses_data(self) -> bool:
        return self.kind in DATA_LOSS_KINDS

    def describe(self) -> str:
        target = self.table or self.name or ""
        if self.column:
            target = f"{target}.{self.column}"
        if self.kind in (CREATE_INDEX, DROP_INDEX, ADD_CONSTRAINT, DROP_CONSTRAINT) and self.name:
            target = f"{self.name} on {self.table}" if self.table else self.name
        if self.new_name:
            target = f"{target} -> {self.new_name}"
        return f"{self.kind} {target}".strip()

    def to_json(self) -> dict:
        return {"kind": self.kind, "target": self.describe(), "file": self.file, "line": self.line,
                "opaque": self.opaque}


def column_def(name: str, type_: str = "", nullable: bool = True, primary_key: bool = False,
               unique: bool = False, default: str | None = None, file: str = "", line: int | None = None) -> Column:
    return Column(name=name, type=normalise_type(type_), nullable=nullable and not primary_key,
                  primary_key=primary_key, unique=unique, default=default, file=file, line=line)


_TYPE_ALIASES = {
    "int": "integer", "int4": "integer", "serial": "integer", "int8": "bigint", "bigserial": "bigint",
    "smallserial": "smallint", "int2": "smallint", "character varying": "varchar", "string": "varchar",
    "unicode": "varchar", "char": "char", "nvarchar": "varchar", "unicodetext": "text", "mediumtext": "text",
    "longtext": "text", "bool": "boolean", "decimal": "numeric", "real": "float", "double": "float",
    "double precision": "float", "float8": "float", "float4": "float", "datetime": "timestamp",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "largebinary": "bytea", "blob": "bytea", "binary": "bytea", "jsonb": "jsonb",
    "autostring": "varchar",   # sqlmodel.sql.sqltypes.AutoString: a String (VARCHAR) without a length
}


def normalise_type(type_: str) -> str:
    """Lower-case base type without length: 'VARCHAR(255)' -> 'varchar', 'sa.DateTime(timezone=True)' -> 'timestamptz'."""
    t = (type_ or "").strip().lower()
    if not t:
        return ""
    t = t.split("(", 1)[0].strip() if "timezone=true" not in t else "timestamptz"
    t = t.rsplit(".", 1)[-1]
    if t.endswith("type") and len(t) > 6:   # sqlalchemy_utils' TSVectorType, UUIDType, ...
        t = t[:-4]
    return _TYPE_ALIASES.get(t, t)


def type_length(type_text: str) -> int | None:
    """The length limit written in a type ('String(length=255)', 'VARCHAR(40)'), None when it has none."""
    import re
    m = re.search(r"\(\s*(?:length\s*=\s*)?(\d+)", type_text or "")
    return int(m.group(1)) if m else None


def narrows_length(old_type_text: str, new_type_text: str) -> bool:
    """A length limit added or lowered: the database must check (Postgres: rewrite) every row."""
    if not old_type_text or not new_type_text:
        return False
    old, new = type_length(old_type_text), type_length(new_type_text)
    return new is not None and (old is None or new < old)
