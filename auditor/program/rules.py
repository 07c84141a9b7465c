"""The taint rules (rules/taint.yml) as matchers: sources, sanitizers, sinks, database results, effects.

A name pattern is a dotted call name (`os.system`, `subprocess.run`) or `*.<suffix>` for any receiver
(`*.execute`). Calls are matched on their dotted name with imports resolved by the caller."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from auditor.resources import rules_dir

SINK_KINDS = ("sql", "shell", "code", "deserialisation", "template", "path", "url", "html", "log", "password")
EFFECTS = ("query", "write", "commit", "outbound", "slow")
ALL = "all"


class NameSet:
    """Dotted names and `*.suffix` patterns; `match(name)` is a dict/set look-up per suffix."""

    def __init__(self, patterns: list[str]) -> None:
        self.exact: set[str] = set()
        self.suffixes: set[str] = set()
        self.prefixes: set[str] = set()     # `pkg.queries.*`: every method of one object
        for p in patterns:
            if p.startswith("*."):
                self.suffixes.add(p[2:])
            elif p.endswith(".*"):
                self.prefixes.add(p[:-2])
            else:
                self.exact.add(p)

    def extended(self, patterns: list[str]) -> NameSet:
        """A copy with more patterns (the rules are shared; a repository's own names go into a copy)."""
        copy = NameSet(patterns)
        copy.exact |= self.exact
        copy.suffixes |= self.suffixes
        copy.prefixes |= self.prefixes
        return copy

    def match(self, name: str) -> bool:
        if not name:
            return False
        if name in self.exact:
            return True
        if self.prefixes and name.rpartition(".")[0] in self.prefixes:
            return True
        if not self.suffixes:
            return False
        parts = name.split(".")
        for i in range(1, len(parts)):
            if ".".join(parts[i:]) in self.suffixes:
                return True
        return False


@dataclass(frozen=True)
class SinkRule:
    kind: str
    names: NameSet
    arg: int | None
    keywords: frozenset[str]
    when: str | None


@dataclass
class TaintRules:
    receivers: frozenset[str]
    attributes: frozenset[str]
    handler_frameworks: frozenset[str]
    not_parameters: frozenset[str]
    resolver_context: frozenset[str]
    scalar_annotations: frozenset[str]
    sanitizers: list[tuple[NameSet, frozenset[str]]]
    database_results: NameSet
    sinks: list[SinkRule]
    effects: dict[str, NameSet] = field(default_factory=dict)
    propagating_methods: frozenset[str] = frozenset()
    # HTTP client session classes: a method called on an instance reads as `<class>.<method>` for the sinks
    clients: frozenset[str] = frozenset()
    # relationship attributes of the repository's models that load lazily: reading one is a query
    lazy_relations: frozenset[str] = frozenset()
    # answers per call name: the same few thousand names are asked about again and again
    _cache: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)

    def _about(self, name: str) -> tuple:
        found = self._cache.get(name)
        if found is None:
            kinds: set[str] = set()
            for names, for_kinds in self.sanitizers:
                if names.match(name):
                    kinds |= for_kinds
            found = (frozenset(kinds) if kinds else None,
                     [s for s in self.sinks if s.names.match(name)],
                     {effect for effect, names in self.effects.items() if names.match(name)},
                     self.database_results.match(name))
            self._cache[name] = found
        return found

    @property
    def client_names(self) -> frozenset[str]:
        """The clients' class names without their module (`Session`): a call named otherwise is no client."""
        return frozenset(c.rsplit(".", 1)[-1] for c in self.clients)

    def sanitized_kinds(self, name: str) -> frozenset[str] | None:
        """The sink kinds a call to `name` makes its result safe for (`all` for every kind), or None."""
        return self._about(name)[0]

    def sinks_of(self, name: str) -> list[SinkRule]:
        return self._about(name)[1]

    def effects_of(self, name: str) -> set[str]:
        return self._about(name)[2]

    def database_result(self, name: str) -> bool:
        return self._about(name)[3]

    def with_query_objects(self, objects: list[str]) -> TaintRules:
        """These rules plus objects whose every method runs a query and returns rows (`queries.get_user(conn)`
        of an aiosql loader): a copy, the shared rules stay as loaded."""
        if not objects:
            return self
        patterns = [f"{o}.*" for o in objects]
        effects = dict(self.effects)
        effects["query"] = effects.get("query", NameSet([])).extended(patterns)
        return dataclasses.replace(self, database_results=self.database_results.extended(patterns), effects=effects,
                                   _cache={})


    def with_lazy_relations(self, names: set[str]) -> TaintRules:
        """These rules with the lazy relationship names of the repository's models (a copy)."""
        return dataclasses.replace(self, lazy_relations=frozenset(names), _cache={}) if names else self

    def with_credential_models(self, classes: list[str]) -> TaintRules:
        """These rules plus a `password` sink for each model class that stores its password column as given
        (auditor.program.credentials): `User(password=...)`, `User.create(password=...)`,
        `User.objects.create(password=...)`. A copy; the shared rules stay as loaded."""
        if not classes:
            return self
        patterns = [p for c in classes for p in (c, f"*.{c}", f"{c}.create", f"*.{c}.create",
                                                 f"{c}.objects.create", f"*.{c}.objects.create")]
        sink = SinkRule("password", NameSet(patterns), None, frozenset({"password", "passwd", "pwd", "user_password"}),
                        None)
        return dataclasses.replace(self, sinks=self.sinks + [sink], _cache={})


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"rules/taint.yml: {where} must be a list of names")
    return list(value)


def parse_rules(data: dict) -> TaintRules:
    sources = data["sources"]
    sanitizers = [(NameSet(_strings(s["names"], "sanitizers.names")), frozenset(_strings(s["kinds"], "sanitizers.kinds")))
                  for s in data.get("sanitizers", [])]
    sinks = []
    for kind, rules in data.get("sinks", {}).items():
        if kind not in SINK_KINDS:
            raise ValueError(f"rules/taint.yml: unknown sink kind {kind!r} (known: {', '.join(SINK_KINDS)})")
        for rule in rules:
            sinks.append(SinkRule(kind, NameSet(_strings(rule["names"], f"sinks.{kind}.names")), rule.get("arg"),
                                  frozenset(rule.get("keyword", [])), rule.get("when")))
    effects = {name: NameSet(_strings(names, f"effects.{name}")) for name, names in data.get("effects", {}).items()}
    return TaintRules(
        receivers=frozenset(_strings(sources["receivers"], "sources.receivers")),
        attributes=frozenset(_strings(sources["attributes"], "sources.attributes")),
        handler_frameworks=frozenset(sources.get("handler_parameters", [])),
        not_parameters=frozenset(sources.get("not_parameters", [])),
        resolver_context=frozenset(sources.get("resolver_context", [])),
        scalar_annotations=frozenset(sources.get("scalar_annotations", [])),
        sanitizers=sanitizers,
        database_results=NameSet(_strings(data.get("database_results", []), "database_results")),
        sinks=sinks,
        effects=effects,
        propagating_methods=frozenset(_strings(data.get("propagating_methods", []), "propagating_methods")),
        clients=frozenset(_strings(data.get("clients", []), "clients")),
    )


@lru_cache(maxsize=1)
def load_rules(path: Path | None = None) -> TaintRules:
    path = path or rules_dir() / "taint.yml"
    with open(path, encoding="utf-8") as handle:
        return parse_rules(yaml.safe_load(handle))
