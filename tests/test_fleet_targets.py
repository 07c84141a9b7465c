"""The fleet's targets (plain, TOML and YAML forms, a folder of checkouts) and what keys a finished audit
(resume.py), without a cluster: real git for the commits, nothing audited."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from auditor.errors import AuditError
from auditor.fleet.resume import audit_key, current_commit, settings_fingerprint
from auditor.fleet.targets import load_targets, split_ref

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def checkout(root: Path, name: str = "svc") -> Path:
    work = root / name
    work.mkdir()
    (work / "app.py").write_text("print('hi')\n")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "one", cwd=work)
    return work


@pytest.mark.parametrize("spec, expected", [
    ("https://git.example.com/org/repo.git", ("https://git.example.com/org/repo.git", None)),
    ("https://git.example.com/org/repo.git@v1.2", ("https://git.example.com/org/repo.git", "v1.2")),
    ("https://user:tok@git.example.com/org/repo.git@feature/x", ("https://user:tok@git.example.com/org/repo.git", "feature/x")),
    ("git@git.example.com:org/repo.git", ("git@git.example.com:org/repo.git", None)),
    ("git@git.example.com:org/repo.git@main", ("git@git.example.com:org/repo.git", "main")),
    ("../checkouts/api@release", ("../checkouts/api", "release")),
])
def test_a_ref_is_split_only_from_the_path_part(spec, expected):
    assert split_ref(spec) == expected


def test_plain_targets_file_with_teams_refs_comments_and_tokens(tmp_path):
    checkout(tmp_path, "orders")
    git("clone", "-q", "--bare", str(tmp_path / "orders"), str(tmp_path / "billing.git"), cwd=tmp_path)
    (tmp_path / "t.txt").write_text(
        "# services\n\n"
        "https://ci:SECRET@git.example.com/org/payments.git@v2 payments\n"
        "orders   orders-team   # a checkout, audited in place\n"
        "billing.git\n"
        "orders@main\n")
    targets = load_targets(tmp_path / "t.txt")
    assert [t.target for t in targets] == ["https://***@git.example.com/org/payments.git@v2", "orders",
                                           "billing.git", "orders@main"]
    payments, orders, billing, orders_main = targets
    assert payments.source.startswith("https://ci:SECRET@") and payments.ref == "v2" and payments.team == "payments"
    assert "SECRET" not in payments.slug and payments.is_remote
    assert orders.source == str((tmp_path / "orders").resolve()) and not orders.is_remote and orders.team == "orders-team"
    assert billing.source == (tmp_path / "billing.git").resolve().as_uri() and billing.is_remote   # bare: cloned
    assert orders_main.source.startswith("file://") and orders_main.ref == "main"   # a ref needs a checkout of it
    assert len({t.slug for t in targets}) == 4
    assert orders.origin == f"{tmp_path / 't.txt'}:4"


def test_toml_and_yaml_forms(tmp_path):
    (tmp_path / "t.toml").write_text(
        'targets = ["https://git.example.com/a.git", {target = "https://git.example.com/b.git", ref = "v1", team = "core"}]\n')
    (tmp_path / "t.yaml").write_text(
        "targets:\n  - https://git.example.com/a.git@dev\n  - {target: 'https://git.example.com/b.git', team: core}\n")
    toml = load_targets(tmp_path / "t.toml")
    yaml = load_targets(tmp_path / "t.yaml")
    assert [(t.target, t.ref, t.team) for t in toml] == [("https://git.example.com/a.git", None, None),
                                                          ("https://git.example.com/b.git@v1", "v1", "core")]
    assert [(t.target, t.ref, t.team) for t in yaml] == [("https://git.example.com/a.git@dev", "dev", None),
                                                          ("https://git.example.com/b.git", None, "core")]


def test_a_folder_of_checkouts_is_every_visible_subfolder(tmp_path):
    for name in ("b-svc", "a-svc"):
        checkout(tmp_path, name)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "notes.txt").write_text("not a folder\n")
    targets = load_targets(tmp_path)
    assert [Path(t.source).name for t in targets] == ["a-svc", "b-svc"]
    with pytest.raises(AuditError, match="is itself a repository"):
        load_targets(tmp_path / "a-svc")


@pytest.mark.parametrize("name, text, message", [
    ("t.txt", "a b c\n", "t.txt:1: expected `TARGET[@REF] [TEAM]`"),
    ("t.txt", "# nothing\n\n", "no targets in"),
    ("t.txt", "https://h/x.git\nhttps://h/x.git team\n", "t.txt:2: duplicate target https://h/x.git (first at"),
    ("t.toml", "targets = [{target = 'x', branch = 'main'}]\n", "unknown key(s) branch"),
    ("t.toml", "targets = [{ref = 'main'}]\n", "`target` is missing"),
    ("t.toml", "target = ['x']\n", "expected a `targets` list"),
    ("t.toml", "targets = [\n", "not valid TOML"),
    ("t.yml", "targets:\n  - target: [1]\n", "`target` must be a non-empty string"),
    ("t.yml", "targets: [\n", "not valid YAML"),
])
def test_mistakes_in_the_targets_file_are_usage_errors_that_say_where(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(AuditError) as info:
        load_targets(tmp_path / name)
    assert message in str(info.value)


def test_a_finished_audit_is_keyed_by_commit_ref_and_settings(tmp_path):
    work = checkout(tmp_path)
    git("clone", "-q", "--bare", str(work), str(tmp_path / "svc.git"), cwd=tmp_path)
    git("tag", "-a", "v1", "-m", "release", cwd=work)
    git("push", "-q", str(tmp_path / "svc.git"), "v1", cwd=work)
    (tmp_path / "t.txt").write_text("svc\nsvc.git\nsvc.git@v1\nsvc.git@no-such-ref\n")
    local, remote, tagged, unknown = load_targets(tmp_path / "t.txt")
    head = git("rev-parse", "HEAD", cwd=work)
    assert current_commit(local) == head
    assert current_commit(remote) == head
    assert current_commit(tagged) == head        # the commit the annotated tag points at, as the clone checks out
    assert current_commit(unknown) is None
    (work / "app.py").write_text("print('changed')\n")
    assert current_commit(local) is None         # uncommitted changes: always audited again
    settings = settings_fingerprint(None)
    assert audit_key(head, None, settings) != audit_key(head, "v1", settings)
    assert audit_key(None, None, settings) is None
    config = tmp_path / "policy.toml"
    config.write_text("fail_under = 50\n")
    assert settings_fingerprint(str(config)) != settings


def test_a_target_that_killed_its_worker_every_time_is_an_error_not_a_crash():
    """Fault injection: the future a dead worker leaves behind (Dask's KilledWorker after allowed-failures)."""
    distributed = pytest.importorskip("distributed")
    from auditor.fleet.runner import _result_of
    from auditor.fleet.targets import Target

    class Dead:
        def result(self):
            raise distributed.KilledWorker("auditor-fleet-x", "tcp://127.0.0.1:1", allowed_failures=3)

    result = _result_of(Dead(), Target("big.git", "file:///big.git"))
    assert result.status == "error" and "died each time" in result.error and "--memory-limit" in result.error
