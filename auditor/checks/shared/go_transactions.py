"""DB-TRANSACTIONS for Go (text): functions that write two or more times, directly or through repository
functions they call, outside a transaction (auditor/probes/go_dbwork.py reads the writes)."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.schema import MAX_PRACTICE_EVIDENCE
from auditor.context import AuditContext, Unavailable
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.probes import go_dbwork

HOW = ("Heuristic (text): writes are database/sql Exec/ExecContext of INSERT/UPDATE/DELETE, GORM Create/Save/"
       "Update(s)/Delete, ozzo-dbx/bun Insert/Update/Delete, sqlx NamedExec, and calls of repository functions that "
       "write (two levels); a write in a loop counts twice; protection is Begin/BeginTx ... Commit or a "
       "Transaction(func(tx) ...) closure. Get-or-create (FirstOrCreate) is not counted as a write: it is "
       "idempotent, a retry completes it. Functions that run DDL (schema setup, seed rows) are left out.")


def go_transactions(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    db = go_dbwork.read_db(ctx.repo)
    if not db.calls:
        raise Unavailable("no database call found in the Go code (database/sql, sqlx, GORM, ozzo-dbx or bun on a "
                          "db/tx handle): multi-write functions not judged")
    writers = go_dbwork.writing_functions(db)
    multi = [w for w in writers if w.count > 1]
    if not writers:
        return ItemResult(item.id, "not_applicable", "no Go function writes to the database (text scan of "
                          f"{db.files_with_queries} file(s) that query). {HOW}")
    evidence: list[Evidence] = []
    for w in multi:
        if w.atomic:
            tx = w.writes[0].in_tx
            file, line = tx.split(" ")[0].rsplit(":", 1)
            evidence.append(Evidence(file, int(line), ctx.repo.snippet(file, int(line)),
                                     rule_id="db-transactions/atomic", engine="text", kind=PRACTICE,
                                     message=f"{w.fn.name}(): {w.count} writes inside the transaction at {tx}"))
        else:
            places = ", ".join(f"{c.file}:{c.line} {c.text}" + (" (in a loop)" if c.in_loop else "")
                               for c in w.writes[:6] if not c.in_tx)
            evidence.append(Evidence(w.fn.file, w.fn.line, ctx.repo.snippet(w.fn.file, w.fn.line),
                                     rule_id="db-transactions/not-atomic", engine="text", kind=VIOLATION,
                                     message=f"{w.fn.name}(): {w.count} writes outside a transaction ({places}): a "
                                             "failure between them leaves a partial update"))
    details = {"functions": len(multi), "atomic": sum(w.atomic for w in multi), "writing_functions": len(writers),
               "not_atomic": [f"{w.fn.file}:{w.fn.line} {w.fn.name}" for w in multi if not w.atomic]}
    if not multi:
        single = [w.writes[0] for w in writers][:MAX_PRACTICE_EVIDENCE]
        evidence = [Evidence(c.file, c.line, ctx.repo.snippet(c.file, c.line), rule_id="db-transactions/single-write",
                             engine="text", kind=PRACTICE, message=f"the one write of its function: {c.text}")
                    for c in single]
        return ItemResult(item.id, "pass", f"each of the {len(writers)} Go function(s) that write does so once "
                          f"(directly or through one repository call), so every write is atomic by itself. {HOW}",
                          evidence, details=details)
    good = sum(w.atomic for w in multi)
    kept = [e for e in evidence if e.kind == VIOLATION] + [e for e in evidence if e.kind == PRACTICE][:MAX_PRACTICE_EVIDENCE]
    return partial_result(item.id, good, len(multi), f"{good} of {len(multi)} Go function(s) that write two or more "
                          f"times do so in a transaction. {HOW}", kept, details)
