"""Which paths hold code that does not ship: the one place these definitions live.

They differ on purpose, and each item says which it uses:
- TEST_FILE: test suites (tests/ folders, test_*.py, *_test.go, *.test.js). Every item leaves tests out.
- NON_PRODUCTION_PATH: tests plus fixtures, examples, samples, docs, e2e and benchmarks: the code-level
  security items (a SQL string built in an example is not shipped).
- NOT_CONFIG_CODE: conftest, docs, examples and fixtures, which QA-CONFIG leaves out beside TEST_FILE
  (a hard-coded localhost address is expected there).
- NO_REQUEST_PATH: code that serves no request (migrations, management commands, scripts, CLIs, tests): not
  held to the request-path items (N+1, transactions through helpers, breakers, timeouts) and whose callers do
  not make a value request data. Not `tasks.py`: Celery tasks are started from request handlers with
  `.delay()`/`.apply_async()`, calls the program model does not follow, so their arguments may be request data.
- TEST_FOLDER: a tests/ or __tests__/ folder anywhere in the path (MIG-PRESENT's model scan).
Merging them into one would move verdicts (a finding in docs/ would stop counting for QA-CONFIG, ...), so a
change to any of them is a change of behaviour to make on purpose, with its tests.
"""
from __future__ import annotations

import re

TEST_FILE = re.compile(r"(^|/)(tests?|__tests__|spec|specs)/|(^|/)test_[^/]+\.py$|(^|/)tests\.py$|_test\.(py|go)$|"
                       r"(^|/)conftest\.py$|"   # pytest's fixtures file, wherever it lives
                       r"\.(test|spec)\.(js|ts|jsx|tsx|mjs)$")

# code that does not ship: test suites, fixtures, examples, docs, the scanned project's own scripts for CI
NON_PRODUCTION_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec|specs|fixtures?|examples?|samples?|docs?|e2e|benchmarks?)/"
    r"|(^|/)test_[^/]+\.py$|(^|/)[^/]+_tests?\.(py|go)$|(^|/)conftest\.py$|\.(test|spec)\.[jt]sx?$",
    re.IGNORECASE)

NOT_CONFIG_CODE = re.compile(r"(^|/)(conftest\.py|docs?/|examples?/|fixtures?/)")
TEST_FOLDER = re.compile(r"(^|/)(tests?|__tests__)/")

NO_REQUEST_PATH = re.compile(
    r"(^|/)(migrations?|alembic|management/commands|scripts?|bin|tools|fixtures|tests?)/|(^|/)(manage|setup|conftest"
    r"|__main__|cli|wsgi|asgi|fabfile|noxfile)\.py$|(^|/)test_[^/]+\.py$|_test\.py$", re.IGNORECASE)
