"""SEC-SENSITIVE-LOGGING: a catch-all error handler that logs the caught error whole, in a project validating
request bodies with yup (`.validate`) or joi's throwing forms, logs the rejected body (the ValidationError's
`.value` / `_original`), password included."""
from pathlib import Path

import pytest

from auditor.pipeline import run_audit
from auditor.probes.validation_error_logging import catch_all_error_logs, validation_errors_logged
from auditor.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "validation_logging"


def _hits(name: str):
    return [(h.log.file, h.log.line, h.validation.file, h.validation.line, h.library)
            for h in validation_errors_logged(Repository.scan(FIXTURES / name))]


def test_koa_middleware_logging_a_yup_error_whole():
    assert _hits("koa_yup_flawed") == [("src/errors.js", 5, "src/accounts.js", 6, "yup")]


def test_express_error_middleware_logging_a_joi_error_in_an_object():
    assert _hits("express_joi_flawed") == [("src/app.js", 19, "src/app.js", 11, "joi")]


def test_message_only_or_a_branch_leaving_validation_out_is_not_counted():
    assert _hits("koa_yup_safe") == []


@pytest.mark.parametrize("body, counted", [
    ("console.error(err)", True),
    ("logger.error('failed', err)", True),
    ("console.error(err.message)", False),
    ("console.error(err.stack)", False),
    ("if (ctx.status >= 500) { console.error(err) }", False),
    ("console.error(other)", False),
])
def test_only_the_whole_error_at_the_top_of_the_catch_counts(body, counted):
    source = ("module.exports = async (ctx, next) => {\n  try {\n    await next()\n  } catch (err) {\n    "
              + body + "\n    ctx.status = 500\n  }\n}\n")
    assert bool(catch_all_error_logs({"src/errors.js": source})) is counted


def test_a_catch_around_other_work_is_not_an_error_handler():
    source = "async function load(ctx) {\n  try {\n    await db.query()\n  } catch (err) {\n    console.error(err)\n  }\n}\n"
    assert catch_all_error_logs({"src/load.js": source}) == []


def test_without_a_validation_library_nothing_is_reported(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"koa": "^2.15.0"}}')
    (tmp_path / "errors.js").write_text("module.exports = async (ctx, next) => {\n  try {\n    await next()\n"
                                        "  } catch (err) {\n    console.error(err)\n  }\n}\n")
    (tmp_path / "handler.js").write_text("exports.h = async (ctx) => { ctx.body = check.validate(ctx.request.body) }\n")
    assert validation_errors_logged(Repository.scan(tmp_path)) == []


@pytest.mark.parametrize("name, verdict", [("koa_yup_flawed", "fail"), ("koa_yup_safe", "pass")])
def test_verdict(name, verdict):
    item = {i["id"]: i for i in run_audit(FIXTURES / name)["items"]}["SEC-SENSITIVE-LOGGING"]
    assert item["verdict"] == verdict, item["rationale"]
    if verdict == "fail":
        (evidence,) = [e for e in item["evidence"] if e["rule_id"] == "validation-error-logged-whole"]
        assert (evidence["file"], evidence["line"]) == ("src/errors.js", 5)
        assert "src/accounts.js:6" in evidence["message"]
