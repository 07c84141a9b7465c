"""What a reader returns: the schema it built and what it could not read."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.dbschema import Schema, Table
from auditor.model import ParseProblem


@dataclass
class SqlStats:
    """Statements seen in SQL schema files. `opaque`: sqlglot returned an unparsed Command."""
    statements: int = 0
    understood: int = 0
    opaque: int = 0
    unparsed: int = 0

    def add(self, other: "SqlStats") -> None:
        self.statements += other.statements
        self.understood += other.understood
        self.opaque += other.opaque
        self.unparsed += other.unparsed


@dataclass
class ReadResult:
    schema: Schema = field(default_factory=Schema)
    model_files: list[str] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    sql: SqlStats = field(default_factory=SqlStats)

    def add_table(self, table: Table) -> None:
        """First declaration wins; a second one of the same table is reported, not merged."""
        key = table.name.lower()
        existing = self.schema.tables.get(key)
        if existing is not None:
            if (existing.file, existing.line) != (table.file, table.line):
                self.problems.append(ParseProblem(table.file, table.line,
                                                 f"table {table.name} is also declared in {existing.file}:{existing.line}; "
                                                 "the first declaration is used"))
            return
        self.schema.tables[key] = table

    def extend(self, other: "ReadResult") -> None:
        for table in other.schema.tables.values():
            self.add_table(table)
        for f in other.model_files:
            if f not in self.model_files:
                self.model_files.append(f)
        self.problems.extend(other.problems)
        self.sql.add(other.sql)
