"""What the code-level security items count: engine findings outside tests, examples and development
settings, with a note of how many were left out. Generated files count: their marker is written by whoever
writes the file, so it cannot hide a security finding (they are listed in the report as generated)."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe, violations_fail
from auditor.context import AuditContext
from auditor.endpoints.django_deploy import overridden_in_production, setting_assigned_at
from auditor.model import Finding, ItemResult
from auditor.paths import NON_PRODUCTION_PATH

# settings rules whose findings do not count in a settings module meant for development, local or test use,
# nor in a shared base module whose value every production settings module overrides (split settings)
# (semgrep `paths.exclude` would match folders above the scanned root inside a monorepo, so it is done here)
SETTINGS_RULES = frozenset({"settings-debug-true", "django-https-setting-disabled", "python-cookie-flag-disabled",
                            "python-session-cookie-samesite-disabled"})
NON_PRODUCTION_SETTINGS = re.compile(r"(dev|local|test|example|sample|(^|_)ci($|_))", re.IGNORECASE)


def production_filter(ctx: AuditContext):
    test_files = set(ctx.inventory.test_files)

    def keep(finding: Finding) -> bool:
        if finding.file in test_files or NON_PRODUCTION_PATH.search(finding.file):
            return False
        if finding.evidence.rule_id in SETTINGS_RULES:
            stem = finding.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if NON_PRODUCTION_SETTINGS.search(stem):
                return False
            setting = setting_assigned_at(ctx.repo, finding.file, finding.line)
            return not (setting and overridden_in_production(ctx.repo, finding.file, setting))
        return True
    return keep


def left_out_note(ctx: AuditContext, item_ids: tuple[str, ...], keep) -> str:
    dropped = dedupe([f for item_id in item_ids for f in ctx.violations(item_id) if not keep(f)])
    if not dropped:
        return ""
    files = len({f.file for f in dropped})
    return (f" {len(dropped)} finding(s) in test, example or development-settings code "
            f"({files} file(s)) were not counted.")


def code_item(ctx: AuditContext, item: CatalogItem, clean: str,
               engines: tuple[str, ...] = ("semgrep", "bandit"),
               extra: list[Finding] | None = None, not_counted: frozenset[str] = frozenset()) -> ItemResult:
    """`not_counted`: rule ids whose findings the caller knows do not apply to this repository."""
    production = production_filter(ctx)

    def keep(finding: Finding) -> bool:
        return production(finding) and finding.evidence.rule_id not in not_counted
    result = violations_fail(ctx, item, clean, engines=engines, extra=extra, where=keep)
    result.rationale += left_out_note(ctx, (item.id,), production)   # the caller says why `not_counted` ones are out
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result
