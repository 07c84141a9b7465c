"""What the code-level security items count: engine findings outside tests, examples, generated files and
development settings, with a note of how many were left out."""
from __future__ import annotations

import re

from auditor.catalog import CatalogItem
from auditor.checks.shared.verdicts import dedupe, violations_fail
from auditor.context import AuditContext
from auditor.files import is_generated
from auditor.model import Finding, ItemResult
from auditor.paths import NON_PRODUCTION_PATH

# settings rules whose findings do not count in a settings module meant for development, local or test use
# (semgrep `paths.exclude` would match folders above the scanned root inside a monorepo, so it is done here)
SETTINGS_RULES = frozenset({"settings-debug-true", "django-https-setting-disabled", "python-cookie-flag-disabled"})
NON_PRODUCTION_SETTINGS = re.compile(r"(dev|local|test|example|sample|(^|_)ci($|_))", re.IGNORECASE)


def production_filter(ctx: AuditContext):
    test_files = set(ctx.inventory.test_files)
    generated: dict[str, bool] = {}

    def is_generated_file(rel: str) -> bool:
        """A generated API client or protobuf module (`*.gen.ts`, "auto-generated" header) is regenerated,
        never edited: a finding there is the generator's, not the team's."""
        if rel not in generated:
            generated[rel] = is_generated(rel, (ctx.repo.read_text(rel) or "")[:4000])
        return generated[rel]

    def keep(finding: Finding) -> bool:
        if finding.file in test_files or NON_PRODUCTION_PATH.search(finding.file):
            return False
        if is_generated_file(finding.file):
            return False
        if finding.evidence.rule_id in SETTINGS_RULES:
            stem = finding.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            return not NON_PRODUCTION_SETTINGS.search(stem)
        return True
    return keep


def left_out_note(ctx: AuditContext, item_ids: tuple[str, ...], keep) -> str:
    dropped = dedupe([f for item_id in item_ids for f in ctx.violations(item_id) if not keep(f)])
    if not dropped:
        return ""
    files = len({f.file for f in dropped})
    return (f" {len(dropped)} finding(s) in test, example, generated or development-settings code "
            f"({files} file(s)) were not counted.")


def code_item(ctx: AuditContext, item: CatalogItem, clean: str,
               engines: tuple[str, ...] = ("semgrep", "bandit"),
               extra: list[Finding] | None = None) -> ItemResult:
    keep = production_filter(ctx)
    result = violations_fail(ctx, item, clean, engines=engines, extra=extra, where=keep)
    result.rationale += left_out_note(ctx, (item.id,), keep)
    result.details.setdefault("violations", sum(1 for e in result.evidence if e.kind == "violation"))
    return result
