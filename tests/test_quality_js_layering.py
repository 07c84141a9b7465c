"""QA-LAYERING on an Express + Mongoose app: a controller (exported with `exports.x =`) that calls the model
itself, a static of its schema included, or builds `new Model(...)`, accesses data directly wherever the model
is defined; one that calls a service delegates; a named handler that cannot be found is not judged."""
from pathlib import Path

import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.repo import Repository
from auditor.checks.shared.js_models import model_names

ROOT = Path(__file__).parent / "fixtures" / "quality" / "js-layering"


@pytest.fixture(scope="module")
def item():
    report = run_audit(ROOT, AuditOptions(only=("QA-LAYERING",)))
    return next(i for i in report["items"] if i["id"] == "QA-LAYERING")


def test_controllers_calling_the_model_are_direct_access(item):
    assert item["verdict"] == "partial", item["rationale"]
    direct = {e["message"].split(" (")[0] for e in item["evidence"] if e["kind"] == "violation"}
    assert direct == {"POST /notes/", "GET /notes/mine"}
    assert item["details"]["layered"] == 2


def test_handler_is_found_in_the_module_its_receiver_is_bound_to(item):
    # `create` and `mine` are also keys of the validation module the route requires: the receiver decides
    messages = {e["message"].split(" (")[0]: e["message"] for e in item["evidence"]}
    assert "new Note(" in messages["POST /notes/"] and "Note.forOwner(" in messages["GET /notes/mine"]


def test_a_named_handler_that_cannot_be_found_is_not_judged(item):
    assert item["details"]["unread"] == 1


def test_model_names_come_from_the_model_module_and_its_importers():
    assert model_names(Repository.scan(ROOT)) == {"Note"}
