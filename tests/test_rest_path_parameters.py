"""API-REST-SEMANTICS on FastAPI handler parameters (issue 15, group 17): a route whose path declares `{id}`
that neither the handler nor its dependencies take ignores the id in the URL; a DELETE on the collection path
that takes the record's id from the query string does not address the record. The safe twin binds the path
id through a dependency defined in another module and deletes at the record's own path."""
import textwrap
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item

DEPS = textwrap.dedent('''
    from fastapi import HTTPException


    def get_repository(repo_type):
        def _get_repo(note_id: int):
            return repo_type(note_id)
        return _get_repo


    async def existing_note(note_id: int):
        if note_id < 0:
            raise HTTPException(status_code=404)
        return note_id
''')

FLAWED = textwrap.dedent('''
    from fastapi import APIRouter, Depends

    from app.deps import existing_note

    router = APIRouter(prefix="/notes")
    NOTES = {}


    @router.get("/{note_id}")
    async def read_note(note_id: int):
        return NOTES.get(note_id, {})


    @router.patch("/{note_id}")
    async def update_note(query_id: int, text: str):
        NOTES[query_id] = {"text": text}
        return NOTES[query_id]


    @router.delete("")
    async def delete_note(note_id: int):
        NOTES.pop(note_id, None)
        return {"deleted": note_id}
''')

SAFE = textwrap.dedent('''
    from fastapi import APIRouter, Depends

    from app.deps import existing_note, get_repository

    router = APIRouter(prefix="/notes")
    NOTES = {}


    @router.get("/{note_id}")
    async def read_note(note_id: int):
        return NOTES.get(note_id, {})


    @router.patch("/{note_id}")
    async def update_note(text: str, note: int = Depends(existing_note)):
        NOTES[note] = {"text": text}
        return NOTES[note]


    @router.put("/{note_id}")
    async def replace_note(text: str, repo=Depends(get_repository(repo_type=dict))):
        return {"text": text}


    @router.delete("/{note_id}", status_code=204)
    async def delete_note(note_id: int):
        NOTES.pop(note_id, None)
''')

MAIN = "from fastapi import FastAPI\n\nfrom app.notes import router\n\napp = FastAPI()\napp.include_router(router)\n"


def audit(tmp_path: Path, routes: str) -> dict:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "deps.py").write_text(DEPS)
    (tmp_path / "app" / "notes.py").write_text(routes)
    (tmp_path / "app" / "main.py").write_text(MAIN)
    (tmp_path / "requirements.txt").write_text("fastapi==0.111.0\n")
    return item(run_audit(tmp_path, AuditOptions(only=("API-REST-SEMANTICS",))), "API-REST-SEMANTICS")


def test_an_ignored_path_id_and_a_collection_delete_are_rest_problems(tmp_path):
    row = audit(tmp_path, FLAWED)
    assert row["verdict"] in ("fail", "partial"), row["rationale"]
    messages = " ".join(e["message"] for e in row["evidence"])
    assert "PATCH /notes/{note_id}: the path parameter {note_id} is not taken" in messages
    assert "DELETE /notes: DELETE on the collection path takes the record's id (note_id)" in messages
    assert "GET /notes/{note_id}" not in messages


def test_ids_bound_by_the_handler_or_its_dependencies_pass(tmp_path):
    row = audit(tmp_path, SAFE)
    assert row["verdict"] == "pass", (row["rationale"], row["evidence"])
