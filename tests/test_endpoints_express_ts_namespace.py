"""Express handlers of a TypeScript app reached through namespace imports: `import * as noteController` and
`app.post("/notes", noteController.createNote)`, with handlers written as `export const createNote = async
(req, res) => {...}` or `export async function searchNotes(...)`. Their bodies are read (what they do with the
request), as for a `require`d controller; handlers that read no request data stay so."""
from pathlib import Path

import pytest

from auditor.endpoints.express import extract
from auditor.repo import Repository

FIXTURE = Path(__file__).parent / "fixtures" / "express_ts_namespace"


@pytest.fixture(scope="module")
def endpoints():
    found, _ = extract(Repository.scan(FIXTURE))
    return {f"{e.method} {e.path}": e for e in found}


def test_namespace_imported_handlers_are_read(endpoints):
    assert {"GET /", "POST /notes", "POST /notes/search", "GET /about"} <= set(endpoints)
    assert endpoints["POST /notes"].input_validated is False        # reads req.body, validates nothing
    assert endpoints["POST /notes/search"].input_validated is False


def test_handlers_that_read_nothing_stay_so(endpoints):
    assert endpoints["GET /"].input_validated is None
    assert endpoints["GET /about"].input_validated is None


def test_ownership_through_an_alias_of_the_caller(endpoints):
    # `const user = req.user as UserDocument; User.findById(user.id, ...)`: the caller's own record
    assert endpoints["GET /account/unlink/{provider}"].authorized is True
    # `const { user } = req; if (note.owner !== user.id) ... 404`: compared and rejected
    assert endpoints["POST /notes/{id}/remove"].authorized is True
    # the alias is there, but the record the client names is deleted unchecked
    assert endpoints["POST /notes/{id}/delete"].authorized is False


def test_an_array_find_is_no_list_query(endpoints):
    assert endpoints["GET /linked"].paginated is None       # user.tokens.find(t => ...): an array, not rows
    assert endpoints["GET /notes"].paginated is False       # Note.find({}): every row
