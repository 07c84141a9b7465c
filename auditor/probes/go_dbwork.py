"""What Go functions do with the database, read as text (never run): writes, reads, transactions.

A database call is a method call whose chain starts at a database handle (`db`, `tx`, `r.db`, `m.Conn`,
`DB`, a name ending in DB/Db/Tx/Conn): `db.Where(...).Delete(...)`, `r.db.With(ctx).Model(&a).Insert()`.
Writes are GORM Create/Save/Update/Updates/UpdateColumn(s)/Delete, ozzo-dbx/bun Insert/Update/Delete,
sqlx NamedExec, and database/sql Exec/ExecContext whose SQL (a literal, a constant or a variable of the
package, or the query of the statement it was prepared from) is INSERT/UPDATE/DELETE/REPLACE; DDL does not
count. A write inside `db.Transaction(func(tx ...) {...})` (or `Transactional`, `RunInTx`, `WithTx`) or on a
handle opened by `Begin`/`BeginTx`/`Beginx` is transactional. A call to a repository function that writes
counts as one write of the caller (its own writes are judged in it)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.endpoints.go import go_index
from auditor.endpoints.goread import GoFunc, GoIndex
from auditor.inventory import TEST_FILE
from auditor.paths import NO_REQUEST_PATH
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

HANDLE = re.compile(r"(?:^|\.)(?:db|DB|Db|tx|Tx|conn|Conn|orm|gorm|sqlx|pool|Pool|\w+(?:DB|Db|Tx|Conn|Pool))$")
WRITE_METHODS = {"Create", "CreateInBatches", "Save", "Update", "Updates", "UpdateColumn", "UpdateColumns", "Delete",
                 "Insert", "NamedExec", "NamedExecContext", "Upsert"}
EXEC_METHODS = {"Exec", "ExecContext", "MustExec", "MustExecContext"}
READ_METHODS = {"Find", "First", "Take", "Last", "Scan", "Pluck", "Count", "Query", "QueryContext", "QueryRow",
                "QueryRowContext", "Get", "GetContext", "Select", "SelectContext", "Queryx", "QueryRowx", "All", "One",
                "Row", "Rows", "Related", "Association", "Raw", "Prepare", "PrepareContext", "Model", "Where"}
CALL = re.compile(r"\.\s*(\w+)\s*\(")
BEGIN = re.compile(r"\b(\w+)[ \t]*(?:,[ \t]*\w+[ \t]*)?:?=[ \t]*[\w.]+(?:\([^()]*\))*\.\s*(?:Begin|BeginTx|Beginx|BeginTxx|MustBegin)\s*\(")
TX_CLOSURE = re.compile(r"\.\s*(?:Transaction|Transactional|RunInTx|RunInTransaction|WithTx|WithTransaction|InTx)\s*\(")
SQL_DDL = re.compile(r"^\s*(?:CREATE|DROP|ALTER|TRUNCATE)\b", re.I)
SQL_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE)\b", re.I)
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`')
PREPARED = re.compile(r"\b(\w+)[ \t]*,[ \t]*\w+[ \t]*:?=[ \t]*[\w.]+(?:\([^()]*\))*\.\s*(?:Prepare|PrepareContext|Preparex|PreparexContext)\s*\(")
MAX_DEPTH = 2


@dataclass
class DbCall:
    file: str
    line: int
    offset: int            # in the function's file source
    method: str
    root: str              # the handle the chain starts at (`r.db`, `tx`)
    text: str              # the call chain as written, shortened
    write: bool
    in_tx: str = ""        # file:line of the transaction that covers it, "" when none
    in_loop: bool = False
    via: str = ""          # for a call to a repository function: that function's name
    ddl: bool = False      # an Exec of CREATE/DROP/ALTER/TRUNCATE: schema setup, not a unit of work


@dataclass
class WritingFunc:
    fn: GoFunc
    writes: list[DbCall] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(2 if w.in_loop and not w.in_tx else 1 for w in self.writes)

    @property
    def atomic(self) -> bool:
        return all(w.in_tx for w in self.writes)


def request_functions(index: GoIndex) -> list[GoFunc]:
    """Functions of the Go code that can serve requests (tests, tooling and scripts apart)."""
    return [fn for path, gf in sorted(index.files.items()) if not TEST_FILE.search(path)
            and not NO_REQUEST_PATH.search(path) for fn in gf.functions]


def chain_root(src: str, end: int) -> tuple[str, int]:
    """The expression a method chain that ends just before `end` (at its last `.`) starts from, and its offset:
    `r.db.With(ctx).Model(&a)` -> ("r.db", offset of r)."""
    i = end
    names: list[str] = []
    root_at = end
    while i > 0:
        j = i
        while j > 0 and src[j - 1] in " \t\n":
            j -= 1
        if j > 0 and src[j - 1] == ")":
            depth = 0
            k = j - 1
            while k >= 0:
                if src[k] == ")":
                    depth += 1
                elif src[k] == "(":
                    depth -= 1
                    if depth == 0:
                        break
                k -= 1
            if k < 0:
                break
            names = []   # a call: what came before it is another link of the chain
            i = k
            m = re.search(r"(\w+)$", src[max(0, i - 80):i])
            if not m:
                break
            i -= len(m.group(1))
            root_at = i
        else:
            m = re.search(r"(\w+)$", src[max(0, j - 80):j])
            if not m:
                break
            i = j - len(m.group(1))
            names.insert(0, m.group(1))
            root_at = i
        k = i
        while k > 0 and src[k - 1] in " \t\n":
            k -= 1
        if k > 0 and src[k - 1] == ".":
            i = k - 1
            continue
        break
    text = src[root_at:end]
    first = re.match(r"[\w.\s]+?(?=\(|$)", text)
    root = re.sub(r"\s+", "", first.group(0)) if first else ""
    # `r.db.With` is a call: the handle is what precedes the first called name
    if first and first.end() < len(text) and "." in root:
        root = root.rsplit(".", 1)[0]
    elif first and first.end() < len(text):
        root = ""
    return root, root_at


def _strings_of(text: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in STRING.finditer(text)]


def _sql_of(arg: str, fn: GoFunc, index: GoIndex) -> str | None:
    """The SQL text an Exec argument holds: a literal, or a variable/constant assigned a literal in the function
    or its package."""
    arg = arg.strip()
    lit = _strings_of(arg)
    if lit and arg[:1] in "\"`":
        return lit[0]
    name = re.match(r"(\w+)$", arg)
    if not name:
        return " ".join(lit) if lit else None
    assign = re.compile(rf"\b{re.escape(name.group(1))}\s*(?::=|=)\s*(?:fmt\.Sprintf\(\s*)?(\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`)")
    for text in [fn.body] + [gf.src for gf in index.files.values() if gf.package == fn.source.package
                             and gf.path.rsplit("/", 1)[0] == fn.file.rsplit("/", 1)[0]]:
        m = assign.search(text)
        if m:
            return m.group(1)[1:-1]
    return None


def _first_args(src: str, open_at: int) -> list[str]:
    close = closing_bracket(src, open_at, "(", ")", skip_strings=True, limit=5000)
    if close is None:
        return []
    from auditor.endpoints.jsparse import split_args
    return split_args(src[open_at + 1:close])


def db_calls(fn: GoFunc, index: GoIndex) -> list[DbCall]:
    """The database calls a function makes directly, writes marked, each with its transaction and loop."""
    src = fn.source.src
    start, end = fn.body_start + 1, fn.body_end
    prepared = {m.group(1): m for m in PREPARED.finditer(src, start, end)}
    found: list[DbCall] = []
    seen_roots: set[int] = set()
    for m in CALL.finditer(src, start, end):
        method = m.group(1)
        if method not in WRITE_METHODS | EXEC_METHODS | READ_METHODS:
            continue
        root, root_at = chain_root(src, m.start())
        if not root:
            continue
        is_stmt = root in prepared and method in EXEC_METHODS | {"Query", "QueryContext", "QueryRow", "QueryRowContext"}
        if not HANDLE.search(root) and not is_stmt:
            continue
        write = ddl = False
        if method in WRITE_METHODS:
            write = True
        elif method in EXEC_METHODS:
            if is_stmt:
                pm = prepared[root]
                args = _first_args(src, pm.end() - 1)
                sql_arg = args[1] if pm.group(0).rstrip("( ").endswith("Context") and len(args) > 1 else (args or [""])[0]
            else:
                args = _first_args(src, m.end() - 1)
                sql_arg = args[1] if method.endswith("Context") and len(args) > 1 else (args or [""])[0]
            sql = _sql_of(sql_arg, fn, index)
            write = sql is None or bool(SQL_WRITE.match(sql))   # an unreadable Exec is taken as a write
            ddl = sql is not None and bool(SQL_DDL.match(sql))
        if root_at in seen_roots and not write:
            continue   # one read chain (`db.Where(...).First(...)`) is one call
        seen_roots.add(root_at)
        chain = " ".join(src[root_at:m.end()].split())
        found.append(DbCall(fn.file, line_of(src, m.start()), m.start(), method, root,
                            chain if len(chain) < 90 else chain[:87] + "...", write, ddl=ddl))
    _mark_transactions(fn, found)
    _mark_loops(fn, found)
    # several write methods in one chain (`db.Model(x).Update(...)`) are one write
    out: list[DbCall] = []
    for call in found:
        if out and out[-1].write and call.write and out[-1].root == call.root and out[-1].line == call.line:
            continue
        out.append(call)
    return out


def _mark_transactions(fn: GoFunc, calls: list[DbCall]) -> None:
    src = fn.source.src
    start, end = fn.body_start + 1, fn.body_end
    regions: list[tuple[int, int, str]] = []
    for m in TX_CLOSURE.finditer(src, start, end):
        close = closing_bracket(src, m.end() - 1, "(", ")", skip_strings=True, limit=40000)
        if close is not None and "func" in src[m.end():m.end() + 200]:
            regions.append((m.end(), close, f"{fn.file}:{line_of(src, m.start())}"))
    tx_vars = {m.group(1): m.start() for m in BEGIN.finditer(src, start, end)}
    for call in calls:
        for a, b, where in regions:
            if a <= call.offset <= b:
                call.in_tx = where
        first = call.root.split(".")[0]
        if call.via and not call.in_tx:   # a repository function handed the transaction
            args = src[call.offset:src.find("\n", call.offset)]
            first = next((v for v in tx_vars if re.search(rf"\b{re.escape(v)}\b", args)), "")
        if first in tx_vars and tx_vars[first] < call.offset and not call.in_tx:
            call.in_tx = f"{fn.file}:{line_of(src, tx_vars[first])}"
    if fn.params and any(re.search(r"\b(?:sql\.Tx|gorm\.DB|sqlx\.Tx|dbx\.Tx|pgx\.Tx|bun\.Tx)\b", t)
                         and re.fullmatch(r"tx\w*", n or "") for n, t in fn.params):
        for call in calls:   # a function handed the transaction runs inside its caller's
            if call.root.split(".")[0].startswith("tx") and not call.in_tx:
                call.in_tx = f"{fn.file}:{fn.line} (transaction passed in)"


def _mark_loops(fn: GoFunc, calls: list[DbCall]) -> None:
    src = fn.source.src
    for m in re.finditer(r"\bfor\b[^{\n]*\{", src[fn.body_start + 1:fn.body_end]):
        at = fn.body_start + 1 + m.end() - 1
        close = closing_bracket(src, at, skip_strings=True, limit=20000)
        for call in calls:
            if close is not None and at < call.offset < close:
                call.in_loop = True


@dataclass
class GoDb:
    index: GoIndex
    calls: dict[int, list[DbCall]]        # id(fn) -> direct calls
    functions: list[GoFunc]

    def direct(self, fn: GoFunc) -> list[DbCall]:
        return self.calls.get(id(fn), [])

    @property
    def files_with_queries(self) -> int:
        return len({fn.file for fn in self.functions if self.direct(fn)})

    @property
    def write_count(self) -> int:
        return sum(1 for fn in self.functions for c in self.direct(fn) if c.write)

    def callees(self, fn: GoFunc) -> list[tuple[int, str, list[GoFunc]]]:
        """(offset, name, candidate definitions) of the repository functions `fn` calls."""
        out = []
        body = fn.source.src
        for m in re.finditer(r"(?:\b(\w+(?:\.\w+)*)\s*\.\s*)?\b([A-Za-z_]\w*)\s*\(", body[fn.body_start + 1:fn.body_end]):
            qual, name = m.group(1) or "", m.group(2)
            if name in ("func", "if", "for", "switch", "return", "make", "len", "append") or name == fn.name and \
                    not qual:
                continue
            q = qual.split(".")[0] if qual else ""
            cands = [c for c in self.index.functions_named(name, q, fn.file) if c is not fn]
            if qual and q not in self.index.files[fn.file].imports:
                cands = [c for c in cands if c.receiver]   # `s.repo.Update(...)`: a method
                typ = self._type_of(fn, qual)
                if typ and not self._is_interface(typ):
                    cands = [c for c in cands if c.receiver.lower() == typ.lower()]
            if cands:
                out.append((fn.body_start + 1 + m.start(), name, cands))
        return out

    def sets_up_schema(self, fn: GoFunc) -> bool:
        """Runs DDL: schema setup (seed rows included), where MySQL commits each statement anyway."""
        return any(c.ddl for c in self.direct(fn))

    def _type_of(self, fn: GoFunc, qual: str) -> str:
        """The type name of `x` or `x.field` when `x` is a parameter or the receiver ("" when unknown)."""
        parts = qual.split(".")
        params = dict(fn.params)
        receiver = re.match(r"func\s*\(\s*(\w+)\s", fn.text)
        if receiver and fn.receiver:
            params[receiver.group(1)] = fn.receiver
        typ = params.get(parts[0], "")
        for name in parts[1:]:
            bodies = self.index.structs.get(re.sub(r"^[\[\]*]*(?:\w+\.)?", "", typ), [])
            field = next((m.group(1) for _, body in bodies
                          if (m := re.search(rf"^\s*{re.escape(name)}\s+([^\s`]+)", body, re.M))), "")
            typ = field
            if not typ:
                return ""
        return re.sub(r"^[\[\]*]*(?:\w+\.)?", "", typ)

    def _is_interface(self, typ: str) -> bool:
        return any(re.search(rf"^type\s+{re.escape(typ)}\s+interface\b", gf.src, re.M)
                   for gf in self.index.files.values())

    def writes_through(self, fn: GoFunc, depth: int = 0, seen: frozenset = frozenset()) -> bool:
        if self.sets_up_schema(fn):
            return False
        if self.direct(fn) and any(c.write for c in self.direct(fn)):
            return True
        if depth >= MAX_DEPTH or id(fn) in seen:
            return False
        return any(self.writes_through(c, depth + 1, seen | {id(fn)})
                   for _, _, cands in self.callees(fn) for c in cands)

    def queries_through(self, fn: GoFunc, depth: int = 0, seen: frozenset = frozenset()) -> DbCall | None:
        if self.direct(fn):
            return self.direct(fn)[0]
        if depth >= MAX_DEPTH or id(fn) in seen:
            return None
        for _, _, cands in self.callees(fn):
            for c in cands:
                found = self.queries_through(c, depth + 1, seen | {id(fn)})
                if found:
                    return found
        return None


def read_db(repo: Repository) -> GoDb:
    cached = repo.__dict__.get("_auditor_go_db")
    if cached is not None:
        return cached
    index = go_index(repo)
    functions = request_functions(index)
    calls = {id(fn): db_calls(fn, index) for fn in functions}
    db = GoDb(index, {k: v for k, v in calls.items() if v}, functions)
    repo.__dict__["_auditor_go_db"] = db
    return db


def writing_functions(db: GoDb) -> list[WritingFunc]:
    """Functions that write: their direct writes plus one write per call of a repository function that writes."""
    out = []
    for fn in db.functions:
        if db.sets_up_schema(fn):
            continue
        writes = [c for c in db.direct(fn) if c.write]
        src = fn.source.src
        for offset, name, cands in db.callees(fn):
            if any(db.writes_through(c) for c in cands):
                call = DbCall(fn.file, line_of(src, offset), offset, name, "", name + "(...)", True, via=name)
                writes.append(call)
        if writes:
            _mark_transactions(fn, writes)
            _mark_loops(fn, writes)
            writes.sort(key=lambda c: c.offset)
            out.append(WritingFunc(fn, writes))
    return out


def helper_query_loops(db: GoDb, direct: list) -> list:
    """`for ... range rows {` loops that call a repository function which queries (itself or one call down) with
    the loop's index or element: a query per row through a helper. Loops the direct scan flags are left to it."""
    from auditor.probes.go_query_loops import LOOP, TextQueryLoop
    flagged = {(q.file, q.loop_line) for q in direct}
    out = []
    for fn in db.functions:
        src = fn.source.src
        callees = db.callees(fn)
        for m in LOOP.finditer(src, fn.body_start + 1, fn.body_end):
            names = {n for n in m.groups() if n and n != "_"}
            close = closing_bracket(src, m.end() - 1, skip_strings=True, limit=20000)
            if not names or close is None or (fn.file, line_of(src, m.start())) in flagged:
                continue
            for offset, name, cands in callees:
                if not m.end() <= offset < close:
                    continue
                statement = src[offset:src.find("\n", offset)]
                used = next((n for n in sorted(names) if re.search(rf"(?<![\w.]){re.escape(n)}\b", statement)), None)
                query = next((q for c in cands if (q := db.queries_through(c)) is not None), None) if used else None
                if used and query is not None:
                    out.append(TextQueryLoop(fn.file, line_of(src, m.start()), line_of(src, offset),
                                             f"{name}() -> {query.text.split('(')[0]}(", used))
                    break
    return out


SELECT_STAR = re.compile(r"^\s*SELECT\s+(?:\w+\.)?\*\s", re.I)
SQL_SELECT = re.compile(r"^\s*SELECT\b", re.I)
UNBOUNDED_CHAIN = re.compile(r"\b(?:Where|Limit|Offset|Scopes|Paginate|Joins|Having|Raw|First|Take|Last|Not|Or)\s*\(")


@dataclass
class QueryProblem:
    file: str
    line: int
    message: str
    rule: str


def query_problems(db: GoDb) -> list[QueryProblem]:
    """SELECT * in a Go SQL string; a GORM Find with no condition or limit in its chain and a database/sql
    SELECT with no WHERE and no LIMIT (every row of a table), in code that serves requests."""
    out: list[QueryProblem] = []
    for path, gf in sorted(db.index.files.items()):
        if TEST_FILE.search(path) or NO_REQUEST_PATH.search(path):
            continue
        for m in STRING.finditer(gf.src):
            sql = m.group(1) if m.group(1) is not None else m.group(2)
            if SELECT_STAR.match(sql) and re.search(r"\bFROM\b", sql, re.I):
                out.append(QueryProblem(path, line_of(gf.src, m.start()), f"SELECT * in a Go SQL string: "
                                        f"{' '.join(sql.split())[:80]}", "db-query/select-star-go"))
    for fn in db.functions:
        src = fn.source.src
        for call in db.direct(fn):
            if call.method == "Find" and not UNBOUNDED_CHAIN.search(call.text) and not re.search(
                    r"\.Find\(\s*&?\w+\s*,\s*\S", src[call.offset:src.find("\n", call.offset)]):
                out.append(QueryProblem(call.file, call.line, f"{fn.name}() reads every row with {call.text}...) "
                                        "(no Where, no Limit)", "db-query/whole-table-read"))
            elif call.method in ("Query", "QueryContext", "Select", "SelectContext", "Queryx") and call.root != "":
                args = _first_args(src, src.find("(", call.offset))
                sql_arg = args[1] if call.method.endswith("Context") and len(args) > 1 else (args or [""])[0]
                if call.method.startswith("Select") and len(args) > 1:
                    sql_arg = args[2] if call.method.endswith("Context") and len(args) > 2 else args[1]
                sql = _sql_of(sql_arg, fn, db.index) or ""
                if SQL_SELECT.match(sql) and not re.search(r"\b(?:WHERE|LIMIT|TOP|FETCH)\b", sql, re.I) \
                        and not re.search(r"\bCOUNT\s*\(|\bMAX\s*\(|\bMIN\s*\(|\bVERSION\s*\(", sql, re.I):
                    out.append(QueryProblem(call.file, call.line, f"{fn.name}() runs {' '.join(sql.split())[:70]} "
                                            "(no WHERE, no LIMIT: every row)", "db-query/whole-table-read"))
    return out
