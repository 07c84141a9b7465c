"""The schema the DB-* checks judge: per table, the migrations' final schema when it has the table,
else the ORM models / schema files. Each Table keeps its `source`, so every verdict can say where it looked."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from auditor.dbschema import Schema, Table


@dataclass
class JudgedSchema:
    schema: Schema
    sources: dict[str, list[str]] = field(default_factory=dict)   # source label -> table names
    notes: list[str] = field(default_factory=list)                 # why a source was not used

    @property
    def tables(self) -> list[Table]:
        return sorted(self.schema.tables.values(), key=lambda t: (t.file, t.line or 0, t.name))

    def describe(self) -> str:
        parts = [f"{len(names)} table(s) from {label}" for label, names in sorted(self.sources.items())]
        return "Schema: " + ("; ".join(parts) if parts else "no tables") + "."


def merge_schemas(models: Schema | None, migrations: Schema | None) -> JudgedSchema:
    merged = Schema(dialect=(migrations.dialect if migrations and migrations.dialect else
                             models.dialect if models else None))
    judged = JudgedSchema(merged)
    for source, fallback in ((migrations, "migrations"), (models, "models")):
        if source is None:
            continue
        for key, table in source.tables.items():
            key = key.lower()
            if key in merged.tables:
                continue
            if not table.source:  # label it, without touching the other collector's object
                table = replace(table, source=fallback)
            merged.tables[key] = table
            judged.sources.setdefault(table.source, []).append(table.name)
    return judged
