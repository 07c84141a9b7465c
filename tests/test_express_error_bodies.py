"""API-ERROR-FORMAT reads what Express error middleware answers: every res.json/res.send in a function of four
parameters (err, req, res, next) is an error body, whatever status it sets. Two middlewares answering {message}
and {errors: {...}} are two shapes; one answering a variable set to an object literal is that object's shape."""
from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.probes.express_error_bodies import error_bodies
from helpers import item, write_files

TWO_SHAPES = """const express = require('express');
const app = express();

app.get('/api/items', (req, res) => res.json({ items: [] }));

app.use((err, req, res, next) => {
  if (err.name === 'UnauthorizedError') {
    return res.status(err.status).send({ message: err.message }).end();
  }
  return next(err);
});
app.use((err, req, res, next) => {
  res.status(err.status || 500);
  res.json({
    errors: { message: err.message },
  });
});

module.exports = app;
"""
ONE_SHAPE = """const express = require('express');
const app = express();

app.get('/api/items', (req, res) => res.json({ items: [] }));

const handler = (err, req, res, next) => {
  const response = { code: err.status || 500, message: err.message };
  res.status(response.code);
  res.json(response);
};
app.use(handler);

module.exports = app;
"""


def test_the_bodies_error_middleware_answers_are_read():
    assert error_bodies(TWO_SHAPES) == [("message", 8), ("errors", 14)]
    assert error_bodies(ONE_SHAPE) == [("code", 9)]
    typed = "app.use((\n  err: Error | HttpException,\n  req: Request,\n  res: Response,\n  next: NextFunction,\n) => {\n" \
            "  res.status(500).json(err.message);\n});\n"
    assert error_bodies(typed) == [("plain text", 7)]


def test_two_middlewares_with_two_shapes_are_partial_one_is_pass(tmp_path):
    for name, source, verdict, shapes in (("two", TWO_SHAPES, "partial", ["errors", "message"]),
                                          ("one", ONE_SHAPE, "pass", ["code"])):
        root = write_files(tmp_path / name, {"package.json": '{"dependencies": {"express": "4"}}', "app.js": source})
        row = item(run_audit(root, AuditOptions(only=("API-ERROR-FORMAT",))), "API-ERROR-FORMAT")
        assert (row["verdict"], row["details"]["error_shapes"]) == (verdict, shapes), row["rationale"]
