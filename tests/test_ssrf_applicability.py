"""SEC-SSRF is judged only where the service makes outbound HTTP calls: with none, no request can choose where
one goes (not applicable); with one whose URL is fixed, the item passes; with request data in the URL, it fails.
A fetch in a browser bundle or an HTTP call in a test is not the server's."""
from pathlib import Path

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, write_files

APP = """from flask import Flask, request, jsonify
app = Flask(__name__)

@app.get("/items")
def items():
    return jsonify(name=request.args.get("name", ""))
"""
OUTBOUND_FIXED = APP + """
import requests

@app.get("/rates")
def rates():
    return requests.get("https://rates.example.com/today", timeout=5).json()
"""
OUTBOUND_FROM_REQUEST = APP + """
import requests

@app.get("/fetch")
def fetch():
    return requests.get(request.args["url"], timeout=5).text
"""


def ssrf(root: Path) -> dict:
    return item(run_audit(root, AuditOptions(only=("SEC-SSRF",))), "SEC-SSRF")


def test_a_service_with_no_outbound_http_call_is_not_applicable(tmp_path):
    root = write_files(tmp_path / "app", {
        "app.py": APP,
        "requirements.txt": "flask\nrequests\n",
        "static/js/page.js": "fetch('/items?name=' + location.hash).then(r => r.json())\n",  # the browser's
        "tests/test_rates.py": "import requests\n\ndef test_live():\n    requests.get('http://localhost:5000/items')\n",
    })
    row = ssrf(root)
    assert row["verdict"] == "not_applicable", row["rationale"]
    assert "no outbound HTTP call" in row["rationale"]


def test_a_fixed_outbound_url_passes(tmp_path):
    row = ssrf(write_files(tmp_path / "app", {"app.py": OUTBOUND_FIXED, "requirements.txt": "flask\nrequests\n"}))
    assert row["verdict"] == "pass", row["rationale"]


def test_request_data_in_the_url_fails(tmp_path):
    row = ssrf(write_files(tmp_path / "app", {"app.py": OUTBOUND_FROM_REQUEST, "requirements.txt": "flask\nrequests\n"}))
    assert row["verdict"] == "fail", row["rationale"]


def test_an_http_client_of_the_clients_table_counts_as_outbound(tmp_path):
    root = write_files(tmp_path / "svc", {
        "package.json": '{"name": "svc", "dependencies": {"express": "4", "got": "12"}}',
        "src/app.js": "const express = require('express');\nconst got = require('got');\nconst app = express();\n"
                      "app.get('/rates', async (req, res) => {\n"
                      "  res.json(await got('https://rates.example.com/today', {timeout: {request: 5000}}).json());\n"
                      "});\nmodule.exports = app;\n",
    })
    row = ssrf(root)
    assert row["verdict"] == "pass", row["rationale"]


def test_curl_run_as_a_command_is_an_outbound_call(tmp_path):
    root = write_files(tmp_path / "app", {
        "app.py": APP + "\nimport subprocess\n\n@app.get('/ping')\ndef ping():\n"
                        "    return subprocess.run(['sh', '-c', 'curl -s https://status.example.com'], timeout=5).stdout\n",
        "requirements.txt": "flask\n",
    })
    row = ssrf(root)
    assert row["verdict"] != "not_applicable", row["rationale"]
