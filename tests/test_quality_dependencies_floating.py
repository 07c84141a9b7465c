"""QA-DEPENDENCIES: versions that float. A caret/tilde range with no lock file installs whatever later minor
version exists on the day of the build; a package a production Dockerfile installs by name, outside any
manifest, has no version at all."""
from __future__ import annotations

import json
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from auditor.probes.dockerfile_installs import dockerfile_installs, is_production_dockerfile

DOCKERFILE = """FROM python:3.12-slim
COPY requirements.txt requirements.txt
RUN pip install --upgrade pip && pip install -r requirements.txt
RUN pip install gunicorn pymysql==1.1.0 \\
    "cryptography>=42" ./wheels/app.whl
RUN npm install -g nodemon pm2@5.3.0 && npm ci
"""


def test_dockerfile_installs_by_name():
    found = {d.name: d for d in dockerfile_installs("Dockerfile", DOCKERFILE)}
    assert set(found) == {"gunicorn", "pymysql", "cryptography", "nodemon", "pm2"}   # pip itself, -r and paths left out
    assert found["gunicorn"].constrained is False and found["gunicorn"].line == 4
    assert found["pymysql"].constrained is True
    assert found["cryptography"].constrained is False          # a lower bound only
    assert found["nodemon"].constrained is False and found["pm2"].constrained is True
    assert is_production_dockerfile("deploy/Dockerfile.prod")
    assert not is_production_dockerfile("Dockerfile-dev") and not is_production_dockerfile("docker/dev.Dockerfile")


def _verdict(root: Path) -> dict:
    report = run_audit(root, AuditOptions(only=("QA-DEPENDENCIES",)))
    return next(i for i in report["items"] if i["id"] == "QA-DEPENDENCIES")


def test_caret_ranges_need_a_lock_file(tmp_path):
    package = {"name": "shop", "dependencies": {"express": "^4.19.2", "pg": "~8.11.0"}}
    (tmp_path / "package.json").write_text(json.dumps(package, indent=2))
    (tmp_path / "server.js").write_text("const express = require('express');\nexpress().listen(3000);\n")
    item = _verdict(tmp_path)
    assert item["verdict"] == "fail"
    assert "no lock file" in item["evidence"][0]["message"]
    (tmp_path / "package-lock.json").write_text(json.dumps({"name": "shop", "lockfileVersion": 3, "packages": {}}))
    assert _verdict(tmp_path)["verdict"] == "pass"


def test_the_image_installs_what_no_manifest_pins(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nRUN pip install -r requirements.txt\n"
                                         "RUN pip install gunicorn pymysql\n")
    item = _verdict(tmp_path)
    assert item["verdict"] == "partial"
    assert item["details"]["unconstrained"] == ["Dockerfile:3 pymysql"]     # gunicorn is pinned by requirements.txt


def test_floating_base_image_is_a_note_not_a_failure(tmp_path):
    # everything pinned, on a base tag that names no version: a pass, with the base image in the details
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:slim\nRUN pip install -r requirements.txt\n")
    item = _verdict(tmp_path)
    assert item["verdict"] == "pass"
    assert item["details"]["floating_base_images"] == ["Dockerfile:1 python:slim"]
    assert "python:slim" in item["rationale"]
    # the same image with a versioned tag (or a digest, or an earlier stage) says nothing
    (tmp_path / "Dockerfile").write_text("FROM node:20-alpine AS assets\nFROM python:3.12-slim\n"
                                         "COPY --from=assets /dist /dist\nFROM assets\n"
                                         "FROM redis@sha256:" + "a" * 64 + "\n")
    item = _verdict(tmp_path)
    assert item["verdict"] == "pass" and "floating_base_images" not in item["details"]


def test_pinned_requirements_but_the_image_installs_names_on_a_floating_base(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\nsqlalchemy==2.0.30\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:slim\nCOPY requirements.txt requirements.txt\n"
                                         "RUN pip install -r requirements.txt\nRUN pip install gunicorn pymysql\n")
    item = _verdict(tmp_path)
    assert item["verdict"] in ("partial", "fail")
    assert item["details"]["unconstrained"] == ["Dockerfile:4 gunicorn", "Dockerfile:4 pymysql"]
    assert {(e["file"], e["line"]) for e in item["evidence"] if e["kind"] == "violation"} == {("Dockerfile", 4)}
    assert item["details"]["floating_base_images"] == ["Dockerfile:1 python:slim"]


def test_a_bun_lock_at_the_workspace_root_locks_member_ranges(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"name": "mono", "private": True, "workspaces": ["web"]}))
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text(json.dumps({"name": "web", "dependencies": {"react": "^19.1.0"}}))
    (tmp_path / "web" / "main.js").write_text("import React from 'react';\n")
    assert _verdict(tmp_path)["verdict"] == "fail"
    (tmp_path / "bun.lock").write_text('{"lockfileVersion": 1, "workspaces": {}}\n')
    assert _verdict(tmp_path)["verdict"] == "pass"
