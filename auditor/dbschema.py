"""A database schema model shared by the migration replay (SQL/ORM operations) and the ORM model reader.

Both produce a Schema; the DB-* checks read it. Each object remembers where it was declared.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Column:
    name: str
    type: str = ""                 # normalised lower-case type name: integer, varchar, text, json, numeric, float, timestamp, timestamptz, ...
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    default: str | None = None
    file: str = ""
    line: int | None = None


@dataclass
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...] = ()
    name: str | None = None
    file: str = ""
    line: int | None = None
    on_delete: str | None = None   # lower-case action when the reader records it ("cascade"); None: the default


@dataclass
class Index:
    name: str | None
    columns: tuple[str, ...]
    unique: bool = False
    file: str = ""
    line: int | None = None


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    unique_sets: list[tuple[str, ...]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    # column -> table it refers to by an ORM relation that creates no FOREIGN KEY in the database (gorm v1)
    references: dict[str, str] = field(default_factory=dict)
    file: str = ""
    line: int | None = None
    source: str = ""               # "migrations:alembic", "models:django", "sql:schema.sql", ...

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns.values() if c.primary_key)

    def is_indexed(self, columns: tuple[str, ...]) -> bool:
        """True when an index, the primary key or a unique constraint starts with these columns."""
        prefixes = [ix.columns for ix in self.indexes] + [self.primary_key] + list(self.unique_sets)
        prefixes += [(c.name,) for c in self.columns.values() if c.unique]
        return any(p[:len(columns)] == columns for p in prefixes if p)

    def unique_keys(self, primary: bool = True) -> list[set[str]]:
        """Column sets no two rows share: unique constraints, unique indexes, unique columns, and (with `primary`)
        each primary-key column as the readers mark it."""
        keys = [set(cols) for cols in self.unique_sets] + [set(ix.columns) for ix in self.indexes if ix.unique]
        return keys + [{c.name} for c in self.columns.values() if c.unique or (primary and c.primary_key)]

    def unique_within(self, columns: set[str]) -> bool:
        """Some unique key lies within `columns`: rows matching on all of them are at most one."""
        return any(key and key <= columns for key in self.unique_keys())


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    dialect: str | None = None

    def to_json(self) -> dict:
        return {
            "dialect": self.dialect,
            "tables": [
                {"name": t.name, "file": t.file, "line": t.line, "source": t.source,
                 "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable,
                              "primary_key": c.primary_key, "unique": c.unique} for c in t.columns.values()],
                 "foreign_keys": [{"columns": list(fk.columns), "ref_table": fk.ref_table,
                                   "ref_columns": list(fk.ref_columns)} for fk in t.foreign_keys],
                 "indexes": [{"name": ix.name, "columns": list(ix.columns), "unique": ix.unique} for ix in t.indexes]}
                for t in sorted(self.tables.values(), key=lambda t: t.name)
            ],
            "enums": self.enums,
        }
