"""Sample reports: a synthetic report dict in the JSON contract's shape, for render tests, the browser test,
the fleet samples and bench/ (kept out of auditor/render/, whose modules read only the report they are given).

It is built from the real catalog and scored with the real scoring, so every item id, category and
severity is the product's; only the verdicts and evidence are made up (deterministically, from a seed).
`hostile=True` puts `<script>` and `"><img onerror=...>` into file names, code, messages, endpoint paths
and migration names: every renderer must keep them inert. `flows=True` gives every third violation a data
flow (source, call, sink ending at the evidence, as the program model writes it), hostile ones included.
"""
from __future__ import annotations

import random

from auditor.catalog import load_catalog
from auditor.model import ItemResult
from auditor.scoring import GatePolicy, evaluate_gate, score_results

HOSTILE_NAME = 'app/"><img src=x onerror=alert(1)>/<script>alert(2)</script>.py'
HOSTILE_CODE = 'html = "<script>alert(document.cookie)</script>" + "\\"><img src=x onerror=alert(3)>"'

_FILES = ["app/api/users.py", "app/api/orders.py", "app/db/queries.py", "app/services/payments.py",
          "app/settings.py", "app/auth/session.py", "migrations/versions/0003_add_orders.py",
          "src/routes/admin.js", "internal/handlers/report.go"]
_CODE = ['cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")',
         'requests.get(url)',
         'app.run(debug=True)',
         'password_hash = hashlib.md5(password.encode()).hexdigest()',
         'except Exception:\n    pass',
         'subprocess.run(cmd, shell=True)',
         'return render_template_string(request.args["q"])',
         'logger.info("login %s %s", username, password)']

# verdict mix for a typical mid-quality repository, by position in the catalog
_VERDICT_CYCLE = ("fail", "pass", "partial", "pass", "fail", "pass", "unknown", "pass",
                  "not_applicable", "partial", "pass", "manual")


def synthetic_report(findings: int = 60, hostile: bool = False, seed: int = 7,
                     endpoints: int = 12, migrations: int = 6, flows: bool = False) -> dict:
    rng = random.Random(seed)
    catalog = load_catalog()
    items = catalog.items
    results: dict[str, ItemResult] = {}
    for index, item in enumerate(items):
        verdict = _VERDICT_CYCLE[index % len(_VERDICT_CYCLE)]
        if item.automation == "manual":
            verdict = "manual"
        results[item.id] = ItemResult(item.id, verdict, _rationale(verdict, item.title),
                                      partial_score=rng.randint(2, 8) if verdict == "partial" else None)
    failing = [i for i in items if results[i.id].verdict in ("fail", "partial")]
    evidence: dict[str, list[dict]] = {i.id: [] for i in items}
    for n in range(findings):
        item = failing[n % len(failing)]
        evidence[item.id].append(_evidence(rng, n, hostile and n % 7 == 0))
        if flows and n % 3 == 0:
            evidence[item.id][-1]["flow"] = _flow(evidence[item.id][-1], hostile and n % 7 == 0)
    for item in items:  # positive evidence for passes, as checks that ask for presence record it
        if results[item.id].verdict == "pass":
            evidence[item.id].append({"file": "app/main.py", "line": 3, "end_line": 3,
                                      "snippet": "limiter = Limiter(app, default_limits=['100/minute'])",
                                      "rule_id": "practice-present", "engine": "ast",
                                      "message": "the practice is in place here", "kind": "practice"})
    card = score_results(catalog, results)
    passed, reasons = evaluate_gate(GatePolicy(fail_under=70), card, items, results,
                                    ["zap-scanner failed: exit 3"])
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    endpoint_rows = [_endpoint(rng, n, hostile and n == 1) for n in range(endpoints)]
    item_rows = []
    for item in items:
        r = results[item.id]
        evs = sorted(evidence[item.id], key=lambda e: (e["kind"] != "violation", e["file"], e["line"] or 0))
        item_rows.append({
            "id": item.id, "title": item.title, "category": item.category, "severity": item.severity,
            "weight": item.weight, "automation": item.automation, "verdict": r.verdict, "score": r.score,
            "rationale": r.rationale + (f" {HOSTILE_CODE}" if hostile and r.verdict == "fail" else ""),
            "evidence": evs, "remediation": item.remediation,
            "details": {"places": len(evs), **_judged_endpoints(item.id, r.verdict, endpoint_rows)},
            "description": item.rationale, "cwe": list(item.cwe), "owasp": list(item.owasp),
        })
    return {
        "schema_version": "1.0",
        "tool": {"name": "backend-auditor", "version": "0.0.0-synthetic"},
        "repository": {"path": "/src/" + ("<script>alert(4)</script>shop" if hostile else "shop"),
                       "commit": "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", "branch": "main", "dirty": False},
        "generated_at": "2025-01-01T12:00:00Z",
        "duration_s": 4.2,
        "summary": {"score": card.score, "grade": card.grade, "grade_capped_by": card.grade_capped_by,
                    "verdicts": counts, "gate": {"passed": passed, "reasons": reasons}},
        "categories": card.categories,
        "items": item_rows,
        "inventory": {
            "languages": {"python": {"files": 41, "lines": 5210}, "javascript": {"files": 7, "lines": 830}},
            "frameworks": [{"name": "flask", "file": "requirements.txt", "line": 3},
                           {"name": "express", "file": "package.json", "line": 9}],
            "endpoints": endpoint_rows,
            "migrations": [_migration(n, hostile and n == 2) for n in range(migrations)],
            "skipped_files": [{"path": "app/legacy.py", "reason": "does not parse as Python 3 at line 3"}],
            "collector_errors": {},
        },
        "engines": [
            {"name": "semgrep", "version": "1.185.0", "status": "ok", "duration_s": 2.7, "error": None,
             "findings": findings, "scanned_files": 48, "messages": []},
            {"name": "bandit", "version": "1.9.4", "status": "ok", "duration_s": 0.3, "error": None,
             "findings": 7, "scanned_files": 41, "messages": []},
            {"name": "zap-scanner", "version": None, "status": "failed", "duration_s": 0.0,
             "error": "exit 3: <script>alert(5)</script>" if hostile else "exit 3", "findings": 0},
        ],
        "suppressed": [   # the shape auditor/suppressions.py writes
            {"file": "tests/conftest.py", "line": 12, "items": ["SEC-SECRETS"], "reason": "test-only key",
             "valid": True, "problem": None,
             "suppressed": [{"item": "SEC-SECRETS", "file": "tests/conftest.py", "line": 13, "rule_id": "generic-secret"}]},
            {"file": HOSTILE_NAME if hostile else "app/dev.py", "line": 4, "items": ["SEC-DEBUG"], "reason": "",
             "valid": False, "problem": "no reason given: the suppression is ignored", "suppressed": []},
        ],
    }


def _rationale(verdict: str, title: str) -> str:
    return {
        "pass": f"{title}: the practice is in place everywhere it was looked for.",
        "partial": f"{title}: 7 of 9 places comply; the others are listed as evidence.",
        "fail": f"{title}: violations found (see evidence).",
        "unknown": "semgrep failed: its findings are missing, so this item could not be analysed.",
        "not_applicable": "no database in this repository",
        "manual": "not decidable statically: review by hand (see remediation)",
    }[verdict]


def _evidence(rng: random.Random, n: int, hostile: bool) -> dict:
    code = HOSTILE_CODE if hostile else rng.choice(_CODE)
    line = rng.randint(1, 400)
    return {
        "file": HOSTILE_NAME if hostile else rng.choice(_FILES), "line": line,
        "end_line": line + code.count("\n"), "snippet": code,
        "rule_id": f"auditor.rule-{n % 13}", "engine": rng.choice(["semgrep", "bandit", "ast"]),
        "message": "<b>not bold</b> \"><img src=x onerror=alert(6)>" if hostile else "value reaches the sink unchecked",
        "kind": "violation",
    }


def _flow(evidence: dict, hostile: bool) -> list[dict]:
    """Request data read in a handler, passed to a helper in another module, reaching the evidence (the sink)."""
    handler = HOSTILE_NAME if hostile else "app/api/items.py"
    return [
        {"file": handler, "line": 27, "snippet": 'q = request.args["q"]', "step": "source",
         "note": HOSTILE_CODE if hostile else "request.args"},
        {"file": handler, "line": 28, "snippet": HOSTILE_CODE if hostile else 'rows = query(f"SELECT * FROM items WHERE name = \'{q}\'")',
         "step": "call", "note": "calls query(sql)"},
        {"file": evidence["file"], "line": evidence["line"], "snippet": evidence["snippet"].split("\n")[0],
         "step": "sink", "note": "<b>execute</b>" if hostile else "execute"},
    ]


def _endpoint(rng: random.Random, n: int, hostile: bool) -> dict:
    method = ["GET", "POST", "PUT", "DELETE", "GET", "PATCH"][n % 6]
    state_changing = method != "GET"
    flag = lambda: rng.choice([True, True, False, None])  # noqa: E731
    return {
        "method": method, "path": '/api/"><img src=x onerror=alert(7)>' if hostile else f"/api/v1/resource{n}/<id>",
        "handler": f"handler_{n}", "file": "app/api/users.py", "line": 10 + n, "framework": "flask",
        "authenticated": flag(), "authorized": flag(), "csrf_protected": flag() if state_changing else None,
        "csrf_applies": state_changing, "rate_limited": flag(), "input_validated": flag(),
        "paginated": flag() if method == "GET" else None,
        "protections": {"authenticated": ["@login_required"]} if n % 2 else {}, "notes": [],
    }


# the endpoint items' field, and which endpoints each judges (as auditor/checks/security_endpoints.py does)
_JUDGES = {"SEC-AUTHN": ("authenticated", lambda e: True),
           "SEC-AUTHZ": ("authorized", lambda e: "<id>" in e["path"] and e["method"] != "POST"),
           "SEC-CSRF": ("csrf_protected", lambda e: e["csrf_applies"] is True),
           "SEC-RATE-LIMIT": ("rate_limited", lambda e: e["line"] % 4 == 0),
           "SEC-INPUT-VALIDATION": ("input_validated", lambda e: e["method"] != "DELETE"),
           "API-PAGINATION": ("paginated", lambda e: e["method"] == "GET")}


def _judged_endpoints(item_id: str, verdict: str, endpoints: list[dict]) -> dict:
    """details.endpoints of an endpoint item that reached a verdict: the endpoints it judged and how."""
    if item_id not in _JUDGES or verdict not in ("pass", "partial", "fail"):
        return {}
    field, judged = _JUDGES[item_id]
    rows = [{"method": e["method"], "path": e["path"], "handler": e["handler"], "file": e["file"], "line": e["line"],
             "compliant": e[field]} for e in endpoints if judged(e)]
    return {"endpoints": rows, "compliant": sum(1 for r in rows if r["compliant"] is True)}


def _migration(n: int, hostile: bool) -> dict:
    """A row of inventory.migrations, in the shape auditor/migrations/model.py writes."""
    name = "<script>alert(8)</script>" if hostile else f"step_{n}"
    return {"system": "alembic", "version": f"{n:04d}", "name": name,
            "file": f"migrations/versions/{n:04d}_step.py", "line": 9, "rollback_file": None,
            "reversible": "missing" if n % 3 == 0 else "verified", "rollback_correct": None if n % 3 == 0 else True,
            "rollback_note": "", "documented": n % 2 == 0, "dependencies": [f"{n - 1:04d}"] if n else [],
            "dangerous_operations": ["drop_column users.email (data loss) at migrations/versions/0004_step.py:12"]
            if n == 4 else [], "operations": 2, "parse_problems": []}
