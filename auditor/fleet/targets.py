"""The fleet's targets: a targets file (plain lines, or TOML / YAML), or a folder of checkouts.

Plain form, one target a line (`#` starts a comment):

    TARGET[@REF] [TEAM]
    https://git.example.com/org/payments.git@v2.3 payments
    ../checkouts/orders                            orders
    /srv/git/billing.git                           # a bare repository: cloned, like a URL

TOML (`*.toml`) and YAML (`*.yml`, `*.yaml`): a `targets` list whose entries are such strings or tables
with `target`, `ref` and `team`. Relative paths are relative to the targets file. A folder given instead of
a file is a folder of checkouts: each subfolder (hidden ones aside) is a target.

Every mistake in the list is a usage error naming the file and line (exit 2); a target that then cannot be
cloned or audited is a per-target error at run time, and the rest go on.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from auditor.errors import AuditError
from auditor.remote import is_git_url, redact_url

TABLE_KEYS = {"target", "ref", "team"}
_SCP_URL = re.compile(r"^[\w.-]+@[\w.-]+:")
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Target:
    """One repository to audit.

    `target` is the name everywhere in the results (fleet.json, the database): as written, with any
    password or token in a URL replaced by `***`. `source` is what is cloned or read, and may carry one.
    """
    target: str
    source: str
    ref: str | None = None
    team: str | None = None
    origin: str = ""

    @property
    def is_remote(self) -> bool:
        return is_git_url(self.source)

    @property
    def slug(self) -> str:
        """A folder name for this target's reports: readable, and unique through a hash of the name."""
        readable = _SLUG_UNSAFE.sub("_", self.target.split("://", 1)[-1]).strip("._-")[-60:] or "target"
        return f"{readable}-{hashlib.sha1(self.target.encode('utf-8')).hexdigest()[:8]}"


def load_targets(path: Path) -> list[Target]:
    """The targets named by TARGETS: a folder of checkouts, or a targets file in one of its three forms."""
    if not path.exists():
        raise AuditError(f"targets not found: {path}")
    if path.is_dir():
        targets = _checkouts_in(path)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read targets file {path}: {getattr(exc, 'strerror', None) or exc}") from None
        base = path.resolve().parent
        if path.suffix in (".toml", ".yml", ".yaml"):
            targets = _from_entries(_structured(text, path), path, base)
        else:
            targets = _from_lines(text, path, base)
    if not targets:
        raise AuditError(f"no targets in {path}")
    _refuse_duplicates(targets)
    return targets


def _checkouts_in(folder: Path) -> list[Target]:
    if (folder / ".git").exists() or _is_bare_repository(folder):
        raise AuditError(f"{folder} is itself a repository: audit it with `auditor audit`, or list it in a "
                         "targets file (TARGETS is a targets file or a folder of checkouts)")
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise AuditError(f"cannot read folder {folder}: {exc.strerror or exc}") from None
    return [make_target(str(child), None, None, base=folder.resolve(), origin=str(child)) for child in children]


def _from_lines(text: str, path: Path, base: Path) -> list[Target]:
    targets = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        words = line.split()
        if len(words) > 2:
            raise AuditError(f"{path}:{number}: expected `TARGET[@REF] [TEAM]`, got {len(words)} words")
        spec, ref = split_ref(words[0])
        targets.append(make_target(spec, ref, words[1] if len(words) == 2 else None, base, f"{path}:{number}"))
    return targets


def _structured(text: str, path: Path) -> list:
    """The `targets` list of the TOML or YAML form."""
    kind = "TOML" if path.suffix == ".toml" else "YAML"
    try:
        data = tomllib.loads(text) if kind == "TOML" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise AuditError(f"{path}: not valid {kind}: {str(exc).splitlines()[0]}") from None
    return _entries_of(data, path)


def _entries_of(data: object, path: Path) -> list:
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise AuditError(f"{path}: expected a `targets` list")
    unknown = set(data) - {"targets"}
    if unknown:
        raise AuditError(f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))} (expected `targets`)")
    return data["targets"]


def _from_entries(entries: list, path: Path, base: Path) -> list[Target]:
    targets = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: targets[{number}]"
        if isinstance(entry, str):
            spec, ref = split_ref(entry.strip())
            targets.append(make_target(spec, ref, None, base, where))
            continue
        if not isinstance(entry, dict):
            raise AuditError(f"{where}: expected a string or a table with target, ref, team")
        unknown = set(entry) - TABLE_KEYS
        if unknown:
            raise AuditError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                             f"(expected {', '.join(sorted(TABLE_KEYS))})")
        for key in TABLE_KEYS & set(entry):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise AuditError(f"{where}: `{key}` must be a non-empty string")
        if "target" not in entry:
            raise AuditError(f"{where}: `target` is missing")
        spec, ref = entry["target"].strip(), entry.get("ref")
        if ref is None:
            spec, ref = split_ref(spec)
        targets.append(make_target(spec, ref, entry.get("team"), base, where))
    return targets


def split_ref(spec: str) -> tuple[str, str | None]:
    """`TARGET@REF` -> (TARGET, REF). Only an `@` in the path part counts: `git@host:org/repo.git` and
    `https://user:token@host/...` keep theirs (as pip reads `git+URL@REF`)."""
    if is_git_url(spec) and "://" in spec:
        prefix_len = len(spec) - len(urlsplit(spec).path)
    elif _SCP_URL.match(spec):
        prefix_len = spec.index(":") + 1
    else:
        prefix_len = 0
    head, path = spec[:prefix_len], spec[prefix_len:]
    if "@" not in path:
        return spec, None
    path, ref = path.rsplit("@", 1)
    if not ref or not path:
        raise AuditError(f"empty target or ref in {redact_url(spec)!r}")
    return head + path, ref


def make_target(spec: str, ref: str | None, team: str | None, base: Path, origin: str) -> Target:
    """A target from its written form. A local bare repository, or a local checkout with a ref, is cloned
    through a file:// URL like any remote; a local checkout without a ref is audited in place."""
    if is_git_url(spec):
        return Target(_written(spec, ref), spec, ref, team, origin)
    folder = (base / spec).resolve()
    if ref is not None or _is_bare_repository(folder):
        return Target(_written(spec, ref), folder.as_uri(), ref, team, origin)
    return Target(_written(spec, ref), str(folder), None, team, origin)


def _written(spec: str, ref: str | None) -> str:
    return redact_url(spec) + (f"@{ref}" if ref else "")


def _is_bare_repository(folder: Path) -> bool:
    """A bare git repository by its layout (nothing in it is run to find out)."""
    return (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()


def _refuse_duplicates(targets: list[Target]) -> None:
    seen: dict[tuple[str, str | None], Target] = {}
    for t in targets:
        key = (redact_url(t.source), t.ref)
        if key in seen:
            raise AuditError(f"{t.origin}: duplicate target {t.target} (first at {seen[key].origin})")
        seen[key] = t
