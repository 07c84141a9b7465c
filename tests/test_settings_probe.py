"""Settings literals answered from the parsed module instead of semgrep string patterns (issue 17)."""
import ast

from auditor.probes.settings import repository_settings, settings_findings
from auditor.repo import Repository
from helpers import write_files

SETTINGS = '''INSTALLED_APPS = ["rest_framework", "drf_spectacular"]
MIDDLEWARE = [
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60,
                "OPTIONS": {"pool": {"min_size": 2}}},
    "replica": {"CONN_MAX_AGE": 0, "OPTIONS": {"pool": False}},
}
REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "EXCEPTION_HANDLER": "shop.errors.problem_handler",
}
'''


def found(source):
    return sorted((f.item_id, f.evidence.rule_id, f.evidence.line, f.evidence.end_line)
                  for f in settings_findings("settings.py", ast.parse(source), source))


def test_each_settings_literal_is_a_practice_at_its_line():
    assert found(SETTINGS) == [
        ("API-DOCS", "api-docs-generator-python", 1, 1),
        ("API-ERROR-FORMAT", "central-error-handler-python", 16, 16),
        ("API-FILTERING", "drf-filtering", 12, 12),
        ("API-PAGINATION", "drf-default-pagination", 14, 14),
        ("API-RATE-LIMIT", "global-rate-limit-python", 15, 15),
        ("API-VERSIONING", "api-version-negotiation", 13, 13),
        ("PERF-COMPRESSION", "response-compression-python", 3, 3),
        ("PERF-POOLING", "db-pool-configured-python", 7, 7),
        ("PERF-POOLING", "db-pool-configured-python", 8, 8),
    ]


def test_switched_off_or_absent_settings_are_not_practices():
    assert found('DATABASES = {"default": {"CONN_MAX_AGE": 0}}\nMIDDLEWARE = ["x.GZipMiddleware"]\n') == []
    assert found('POOL = {"pool": 5}\nname = "drf_spectacular_sidecar"\n') == []


def test_over_the_repository_with_snippets(tmp_path):
    write_files(tmp_path, {"proj/settings.py": SETTINGS, "proj/views.py": "def index():\n    return 1\n"})
    findings = repository_settings(Repository.scan(tmp_path))
    assert {f.file for f in findings} == {"proj/settings.py"} and len(findings) == 9
    assert all(f.evidence.engine == "ast" and f.kind == "practice" and f.evidence.snippet for f in findings)
