"""The checklist catalog: data in rules/checklist/*.yml, one entry per checklist item."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from auditor.model import SEVERITIES
from auditor.resources import rules_dir

CATEGORY_ORDER = ("security", "migrations", "database", "api", "reliability", "performance", "quality")
AUTOMATION_LEVELS = ("automated", "heuristic", "manual")
APPLICABILITY = ("always", "code", "database", "migrations", "endpoints")
FEED_KINDS = ("semgrep", "bandit", "analyses")   # the keys of an item's `feeds` (tests check the first two)
_REQUIRED = ("id", "title", "seed", "severity", "weight", "automation", "applies_when",
             "rationale", "remediation")


@dataclass(frozen=True)
class CatalogItem:
    id: str
    title: str
    seed: str
    category: str
    severity: str
    weight: int
    automation: str
    applies_when: str
    rationale: str
    remediation: str
    feeds: tuple[str, ...] = ()            # everything that feeds the item, for display
    semgrep_rules: tuple[str, ...] = ()    # rule ids under rules/semgrep whose metadata.item is this id
    bandit_tests: tuple[str, ...] = ()     # bandit test ids mapped to this id in rules/bandit.yml
    analyses: tuple[str, ...] = ()         # our own analyses (endpoint inventory, migration parsers, ...)
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "seed": self.seed, "category": self.category,
            "severity": self.severity, "weight": self.weight, "automation": self.automation,
            "applies_when": self.applies_when, "rationale": self.rationale,
            "remediation": self.remediation, "feeds": list(self.feeds),
            "semgrep_rules": list(self.semgrep_rules), "bandit_tests": list(self.bandit_tests),
            "analyses": list(self.analyses),
            "cwe": list(self.cwe), "owasp": list(self.owasp),
        }


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    items: tuple[CatalogItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]

    @property
    def items(self) -> list[CatalogItem]:
        return [item for cat in self.categories for item in cat.items]

    def get(self, item_id: str) -> CatalogItem | None:
        return self.by_id.get(item_id.upper())

    @property
    def by_id(self) -> dict[str, CatalogItem]:
        return {item.id: item for item in self.items}


class CatalogError(ValueError):
    pass


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    folder = rules_dir() / "checklist"
    loaded: dict[str, Category] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cat_id = data["category"]
        items = tuple(_item(entry, cat_id, path.name) for entry in data["items"])
        loaded[cat_id] = Category(cat_id, data.get("title", cat_id), items)
    missing = [c for c in CATEGORY_ORDER if c not in loaded]
    if missing:
        raise CatalogError(f"checklist catalog is missing categories: {', '.join(missing)}")
    ordered = [loaded[c] for c in CATEGORY_ORDER] + [loaded[c] for c in loaded if c not in CATEGORY_ORDER]
    catalog = Catalog(tuple(ordered))
    ids = [item.id for item in catalog.items]
    if len(ids) != len(set(ids)):
        raise CatalogError("checklist catalog has duplicate item ids")
    return catalog


def _item(entry: dict, category: str, source: str) -> CatalogItem:
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise CatalogError(f"{source}: item {entry.get('id', '?')} lacks {', '.join(missing)}")
    if entry["severity"] not in SEVERITIES:
        raise CatalogError(f"{source}: {entry['id']} has unknown severity {entry['severity']!r}")
    if entry["automation"] not in AUTOMATION_LEVELS:
        raise CatalogError(f"{source}: {entry['id']} has unknown automation {entry['automation']!r}")
    if entry["applies_when"] not in APPLICABILITY:
        raise CatalogError(f"{source}: {entry['id']} has unknown applies_when {entry['applies_when']!r}")
    feeds = entry.get("feeds") or {}
    if not isinstance(feeds, dict) or set(feeds) - set(FEED_KINDS):
        raise CatalogError(f"{source}: {entry['id']} feeds must be a mapping of {', '.join(FEED_KINDS)}")
    semgrep, bandit, analyses = (tuple(str(v) for v in feeds.get(kind) or ()) for kind in FEED_KINDS)
    return CatalogItem(
        id=entry["id"], title=entry["title"], seed=entry["seed"], category=category,
        severity=entry["severity"], weight=int(entry["weight"]), automation=entry["automation"],
        applies_when=entry["applies_when"], rationale=" ".join(entry["rationale"].split()),
        remediation=" ".join(entry["remediation"].split()),
        feeds=analyses + tuple(f"semgrep {r}" for r in semgrep) + tuple(f"bandit {b}" for b in bandit),
        semgrep_rules=semgrep, bandit_tests=bandit, analyses=analyses,
        cwe=tuple(entry.get("cwe", ())), owasp=tuple(entry.get("owasp", ())),
    )
