"""QA-CONFIG: configuration from the environment, no hard-coded per-environment values."""
from __future__ import annotations

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe
from auditor.context import AuditContext
from auditor.model import ItemResult, partial_result
from auditor.paths import NOT_CONFIG_CODE, TEST_FILE
from auditor.registry import check


def _production_code(path: str) -> bool:
    """Hard-coded addresses in tests, docs and examples are expected; only application code counts.
    (Filtered here, not with semgrep `paths:`, whose patterns match the absolute target path.)"""
    return not TEST_FILE.search(path) and not NOT_CONFIG_CODE.search(path)


# violations that count only in an application that reads no configuration from the environment
ENVIRONMENT_ONLY_RULES = frozenset({"hardcoded-listen-port-js"})


@check("QA-CONFIG")
def environment_configuration(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    bad = dedupe([f for f in ctx.violations(item.id) if _production_code(f.file)])
    good = dedupe(ctx.practices(item.id))
    if good:   # a fixed listen port beside configuration read from the environment is only a default
        bad = [f for f in bad if f.evidence.rule_id not in ENVIRONMENT_ONLY_RULES]
    if not bad and not good:
        return ItemResult(item.id, "not_applicable",
                          "Heuristic: no configuration surface found: no environment reads (os.environ, getenv, "
                          "BaseSettings, django-environ, dotenv, process.env, os.Getenv) and no hard-coded "
                          "database/service URLs.")
    good_files = sorted({f.file for f in good})
    evidence = [f.evidence for f in bad] + [f.evidence for f in good][:10]
    details = {"environment_reads": len(good), "hard_coded_values": len(bad), "files_reading_env": good_files}
    if not bad:
        return ItemResult(item.id, "pass",
                          f"Heuristic: configuration comes from the environment ({len(good)} read(s) in "
                          f"{len(good_files)} file(s)); no hard-coded per-environment address found.",
                          evidence, details=details)
    if not good:
        return ItemResult(item.id, "fail",
                          f"Heuristic: {len(bad)} hard-coded per-environment value(s) (database URLs, internal or "
                          "localhost service addresses, database hosts, a fixed listen port) and no configuration read from the "
                          "environment.", evidence, details=details)
    return partial_result(item.id, len(good), len(good) + len(bad),
                          f"Heuristic: {len(good)} environment read(s), but {len(bad)} hard-coded per-environment "
                          "value(s) remain.", evidence, details)
