"""SEC-DEBUG: an error handler that sends the error's details, mounted only when app.get('env') is
'development', is live in production unless the deployment sets NODE_ENV=production (Express's env defaults to
'development'). The same app deployed with NODE_ENV=production passes and names where it is set."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item

APP = """var express = require('express');
var app = express();

app.get('/', function (req, res) { res.render('index'); });

if (app.get('env') === 'development') {
  app.use(function (err, req, res, next) {
    res.status(err.status || 500);
    res.render('error', { message: err.message, error: err });
  });
}

app.use(function (err, req, res, next) {
  res.status(err.status || 500);
  res.render('error', { message: err.message, error: {} });
});

module.exports = app;
"""
PACKAGE = '{"name": "shop", "scripts": {"start": "node ./bin/www"}, "dependencies": {"express": "^4.18.0"}}\n'
DOCKERFILE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"start\"]\n"


def debug(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("SEC-DEBUG",))), "SEC-DEBUG")


def _app(tmp_path: Path, dockerfile: str) -> Path:
    (tmp_path / "app.js").write_text(APP)
    (tmp_path / "package.json").write_text(PACKAGE)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    return tmp_path


def test_a_development_handler_is_live_when_nothing_sets_node_env(tmp_path):
    row = debug(_app(tmp_path, DOCKERFILE))
    assert row["verdict"] == "fail", row["rationale"]
    assert [(e["file"], e["line"]) for e in row["evidence"]] == [("app.js", 9)]


def test_the_same_app_deployed_with_node_env_production_passes(tmp_path):
    row = debug(_app(tmp_path, DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nENV NODE_ENV=production\n")))
    assert row["verdict"] == "pass", row["rationale"]
    assert "NODE_ENV=production is set at Dockerfile:3" in row["rationale"]
