"""SEC-SENSITIVE-LOGGING (JavaScript): whole rows of a table with personal-data columns written to a log, from a
`.then(rows => console.log(rows))` on a repository query or a name bound to its awaited result
(auditor/program/js/row_logging.py). Twins: a count of the rows, a query that selects no personal column, and
rows of a table without personal data."""
from pathlib import Path

from auditor.program.js.row_logging import logged_personal_rows, personal_tables
from auditor.program.js import build_js_program
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "js_personal_rows"


def test_personal_tables_from_the_schema():
    assert personal_tables(Repository.scan(FIXTURE)) == {"customers": ("email", "phone")}


def test_whole_personal_rows_logged():
    repo = Repository.scan(FIXTURE)
    hits = logged_personal_rows(repo, build_js_program(repo))
    assert [(h.file, h.line, h.table) for h in hits] == [("routes/customers.js", 10, "customers"),
                                                          ("routes/customers.js", 18, "customers")]
    assert hits[0].query_file == "model/customers.js" and hits[0].query_line == 6
