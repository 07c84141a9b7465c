"""QA-DEPENDENCIES: dependency versions constrained or locked."""
from __future__ import annotations

from dataclasses import replace

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.probes.dependencies import Dependency, ecosystem_of, lock_files_for, parse_manifest, parse_requirements
from auditor.probes.dockerfile_installs import dockerfile_installs, floating_base_images, is_production_dockerfile
from auditor.registry import check

# what the manifest reader says of an npm/Poetry ^ or ~ range, or a 4.x range
FLOATING_RANGES = ("caret/tilde range", "x-range within a major version")


def manifest_paths(ctx: AuditContext) -> list[str]:
    """Inventory manifests plus requirements files kept in a requirements/ folder."""
    extra = [f.path for f in ctx.repo.files
             if "/requirements/" in f"/{f.path}" and f.path.endswith((".txt", ".in"))]
    return sorted({p for p in (*ctx.inventory.manifests, *extra)
                   if ecosystem_of(p) or "/requirements/" in f"/{p}"} - {p for p in extra if TEST_FILE.search(p)})


def collect_dependencies(ctx: AuditContext) -> dict[str, list[Dependency]]:
    """Manifest -> its dependencies; lines reached through `-r` includes are attributed to their own file."""
    out: dict[str, list[Dependency]] = {}
    seen: set[tuple[str, int]] = set()
    for path in manifest_paths(ctx):
        text = ctx.repo.read_text(path)
        if text is None:
            continue
        if "/requirements/" in f"/{path}":
            deps = parse_requirements(text, path, ctx.repo.read_text)
        else:
            deps = parse_manifest(path, text, ctx.repo.read_text)
        for dep in deps or []:
            if (dep.file, dep.line) not in seen:
                seen.add((dep.file, dep.line))
                out.setdefault(dep.file, []).append(dep)
    # a package the manifests declare is installed at their version (a reinstall step in the image)
    declared = {_package_key(d) for deps in out.values() for d in deps}
    for path, text in production_dockerfiles(ctx):
        installs = [d for d in dockerfile_installs(path, text) if _package_key(d) not in declared]
        if installs:
            out[path] = installs
    return out


def _package_key(dep: Dependency) -> tuple[str, str]:
    return dep.ecosystem, dep.name.lower().replace("_", "-")


def production_dockerfiles(ctx: AuditContext) -> list[tuple[str, str]]:
    """(path, text) of each Dockerfile that builds a production image."""
    return [(f.path, ctx.repo.read_text(f.path) or "") for f in ctx.repo.files
            if is_production_dockerfile(f.path) and not TEST_FILE.search(f.path)]


def floating_bases(ctx: AuditContext) -> list[str]:
    """`Dockerfile:1 python:slim` for each production Dockerfile FROM whose tag names no version."""
    return [f"{path}:{line} {image}" for path, text in production_dockerfiles(ctx)
            for line, image in floating_base_images(text)]


@check("QA-DEPENDENCIES")
def dependencies_constrained(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    by_manifest = collect_dependencies(ctx)
    lock_files = list(ctx.inventory.lock_files)
    if not any(by_manifest.values()):
        unparsed = [m for m in ctx.inventory.manifests if ecosystem_of(m) is None
                    and m.rsplit("/", 1)[-1] not in ("setup.py", "setup.cfg")]
        if unparsed:
            raise Unavailable(f"dependency manifests in formats not read: {', '.join(unparsed[:5])}")
        return ItemResult(item.id, "not_applicable",
                          "No dependency declared in requirements*.txt, pyproject.toml, Pipfile, package.json or "
                          "go.mod" + (f" ({', '.join(ctx.inventory.manifests)} declare none)" if ctx.inventory.manifests else "") + ".")
    good = 0
    total = 0
    unconstrained: list[Dependency] = []
    locked_by: dict[str, list[str]] = {}
    constrained_examples: list[Dependency] = []
    for manifest, deps in sorted(by_manifest.items()):
        locks = [] if is_production_dockerfile(manifest) else lock_files_for(manifest, lock_files)
        if locks:
            locked_by[manifest] = locks
        for dep in deps:
            total += 1
            if dep.constrained and not locks and dep.reason.endswith(FLOATING_RANGES):
                # `^4.17.1` admits every later 4.x: without a lock file each install may resolve differently
                dep = replace(dep, constrained=False, reason=f"{dep.reason} and no lock file: any later "
                                                             "minor or patch version installs")
            if dep.constrained or locks:
                good += 1
                if dep.constrained and len(constrained_examples) < 5:
                    constrained_examples.append(dep)
            else:
                unconstrained.append(dep)
    evidence = [Evidence(d.file, d.line, d.text, rule_id="unconstrained-dependency", engine="manifest",
                         message=f"{d.name}: {d.reason}", kind=VIOLATION) for d in unconstrained]
    used_locks = sorted({lock for locks in locked_by.values() for lock in locks})
    evidence += [Evidence(lock, None, "", rule_id="lock-file", engine="manifest",
                          message="lock file committed: exact versions of every dependency", kind=PRACTICE)
                 for lock in used_locks]
    evidence += [Evidence(d.file, d.line, d.text, rule_id="constrained-dependency", engine="manifest",
                          message=f"{d.name}: {d.reason}", kind=PRACTICE) for d in constrained_examples]
    details = {"dependencies": total, "constrained_or_locked": good, "lock_files": used_locks,
               "manifests": {m: len(d) for m, d in by_manifest.items()},
               "unconstrained": [f"{d.file}:{d.line} {d.name}" for d in unconstrained]}
    floating = floating_bases(ctx)
    if floating:
        details["floating_base_images"] = floating
    lock_note = f" Lock file(s): {', '.join(used_locks)}." if used_locks else " No lock file."
    if floating:
        lock_note += (f" Base image tag(s) naming no version ({', '.join(floating[:3])}): the image under the "
                      "pinned packages changes between builds.")
    if not unconstrained:
        return ItemResult(item.id, "pass", f"All {total} dependencies are version-constrained or locked."
                          + lock_note, evidence, details=details)
    return partial_result(item.id, good, total,
                          f"{len(unconstrained)} of {total} dependencies are unconstrained "
                          f"(no version, lower bound only, '*', 'latest', or a caret/tilde range) in manifests "
                          f"without a lock file."
                          + lock_note, evidence, details)
