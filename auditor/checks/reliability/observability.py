"""REL-OBSERVABILITY: logging configured, metrics, tracing and error tracking ("Add logging and monitoring").

A presence question, answered from the imports index (auditor.probes.presence) and a small scan of
settings and start-up calls: no semgrep rule runs for it. Each of the four aspects is present when the
application code imports a library that provides it (a dependency only declared in a manifest is not
configured), or, for logging, configures the standard library (basicConfig, dictConfig, Django LOGGING).
"""
from __future__ import annotations

import ast
import re
from typing import Callable

from auditor.astwalk import nodes_of
from auditor.catalog import CatalogItem
from auditor.collectors.imports import IMPORTS
from auditor.context import AuditContext, Key
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, Evidence, ItemResult, partial_result
from auditor.probes.presence import Imports, matches
from auditor.registry import check, collector

ITEM = "REL-OBSERVABILITY"

# aspect -> libraries (Python modules, npm packages, Go modules) that provide it once imported
ASPECTS: dict[str, tuple[str, ...]] = {
    "logging": ("structlog", "loguru", "pythonjsonlogger", "json_log_formatter", "json_logging", "ecs_logging",
                "winston", "pino", "pino-http", "bunyan", "morgan", "log4js", "express-winston",
                "go.uber.org/zap", "github.com/sirupsen/logrus", "github.com/rs/zerolog", "log/slog"),
    "metrics": ("prometheus_client", "prometheus_flask_exporter", "django_prometheus",
                "prometheus_fastapi_instrumentator", "starlette_exporter", "aioprometheus", "statsd",
                "datadog", "opentelemetry.metrics", "opentelemetry.sdk.metrics",
                "prom-client", "express-prom-bundle", "hot-shots", "node-statsd", "@opentelemetry/sdk-metrics",
                "@opentelemetry/api-metrics", "github.com/prometheus/client_golang",
                "go.opentelemetry.io/otel/metric", "go.opentelemetry.io/otel/sdk/metric"),
    "tracing": ("opentelemetry.trace", "opentelemetry.sdk.trace", "opentelemetry.instrumentation", "ddtrace",
                "newrelic", "elasticapm", "jaeger_client", "aws_xray_sdk", "@opentelemetry/sdk-trace-node",
                "@opentelemetry/sdk-node", "@opentelemetry/sdk-trace-base", "@opentelemetry/auto-instrumentations-node",
                "@opentelemetry/api", "dd-trace", "elastic-apm-node", "jaeger-client", "aws-xray-sdk",
                "go.opentelemetry.io/otel", "gopkg.in/DataDog/dd-trace-go.v1", "github.com/DataDog/dd-trace-go"),
    "error tracking": ("sentry_sdk", "raven", "rollbar", "bugsnag", "honeybadger", "airbrake", "pybrake",
                       "@sentry", "@bugsnag/js", "@bugsnag/node", "@honeybadger-io/js", "@airbrake/node",
                       "github.com/getsentry/sentry-go", "github.com/rollbar/rollbar-go"),
}
ASPECT_ORDER = tuple(ASPECTS)
LOGGING_CALLS = frozenset({"basicConfig", "dictConfig", "fileConfig"})
SETTING_STRINGS = re.compile(r"['\"](django_prometheus|elasticapm\.contrib\.django|ddtrace|"
                             r"opentelemetry\.instrumentation[\w.]*|sentry_sdk[\w.]*)['\"]")


LOGGING_SETUP: Key[list[Evidence]] = Key("logging_setup")


@collector(LOGGING_SETUP, serves=(ITEM,))
def collect_logging_setup(ctx: AuditContext) -> list[Evidence]:
    """Standard-library logging configured at start-up, Django LOGGING, and observability apps named in
    settings (INSTALLED_APPS / MIDDLEWARE strings such as "django_prometheus")."""
    repo = ctx.repo
    out: list[Evidence] = []
    for rel in repo.paths(language="python"):
        if TEST_FILE.search(rel):
            continue
        text = repo.read_text(rel) or ""
        if "Config" in text or "LOGGING" in text:
            tree = repo.python_ast(rel)
            if tree is not None:
                out += logging_configuration(rel, tree, repo.lines(rel))
        if "settings" in rel:
            for m in SETTING_STRINGS.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                out.append(Evidence(rel, line, repo.snippet(rel, line), rule_id=f"setting:{m.group(1)}",
                                    engine="ast", message=f"{m.group(1)} enabled in settings", kind=PRACTICE))
    return out


def logging_configuration(rel: str, tree: ast.Module, lines: list[str]) -> list[Evidence]:
    out = []
    for call in nodes_of(tree, ast.Call):
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name in LOGGING_CALLS:
            out.append(Evidence(rel, call.lineno, lines[call.lineno - 1].strip(), rule_id="logging-configured",
                                engine="ast", message=f"logging configured ({name})", kind=PRACTICE))
    for node in nodes_of(tree, ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == "LOGGING" for t in node.targets) and isinstance(node.value, ast.Dict):
            out.append(Evidence(rel, node.lineno, lines[node.lineno - 1].strip(), rule_id="logging-configured",
                                engine="ast", message="Django LOGGING configured", kind=PRACTICE))
    return out


def aspect_evidence(imports: Imports, settings: list[Evidence],
                    snippet: Callable[[str, int], str] = lambda f, text: "") -> dict[str, list[Evidence]]:
    """aspect -> the places that show it (imports of its libraries, logging set-up, settings)."""
    found: dict[str, list[Evidence]] = {aspect: [] for aspect in ASPECT_ORDER}
    for use in imports.imports:
        for aspect, names in ASPECTS.items():
            if matches(use.name, names) and not any(e.file == use.file and e.line == use.line for e in found[aspect]):
                found[aspect].append(Evidence(use.file, use.line, snippet(use.file, use.line),
                                              rule_id=f"import:{use.name}", engine="ast",
                                              message=f"{aspect}: {use.name} imported", kind=PRACTICE))
    for ev in settings:
        if ev.rule_id == "logging-configured":
            found["logging"].append(ev)
        else:
            name = ev.rule_id.split(":", 1)[1]
            for aspect, names in ASPECTS.items():
                if matches(name, names):
                    found[aspect].append(ev)
    return found


def evaluate_observability(item_id: str, found: dict[str, list[Evidence]], declared_only: dict[str, list[str]]) -> ItemResult:
    """Pass with all four aspects, fail with none, partial with the share present.

    `declared_only`: aspect -> libraries a manifest declares that the code never imports (named in the
    rationale: installed is not configured)."""
    present = [a for a in ASPECT_ORDER if found.get(a)]
    missing = [a for a in ASPECT_ORDER if not found.get(a)]
    evidence = []
    for aspect in present:
        evidence += found[aspect][:3]
    declared = [f"{lib} ({aspect})" for aspect in missing for lib in declared_only.get(aspect, [])]
    note = (f" Declared in a manifest but never imported by the application: {', '.join(declared)}."
            if declared else "")
    details = {"present": present, "missing": missing,
               "places": {a: [f"{e.file}:{e.line}" for e in found.get(a, [])][:10] for a in ASPECT_ORDER}}
    rationale = (f"Heuristic: {len(present)} of 4 observability aspects configured"
                 + (f" ({', '.join(present)})" if present else "")
                 + (f"; missing: {', '.join(missing)}" if missing else "") + "." + note)
    return partial_result(item_id, len(present), len(ASPECT_ORDER), rationale, evidence, details)


@check("REL-OBSERVABILITY")
def check_observability(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    imports: Imports = ctx.get(IMPORTS)
    found = aspect_evidence(imports, ctx.get(LOGGING_SETUP), ctx.repo.snippet)
    declared_only = {aspect: sorted({u.name for u in imports.dependencies if matches(u.name, names)})
                     for aspect, names in ASPECTS.items() if not found[aspect]}
    return evaluate_observability(item.id, found, declared_only)
