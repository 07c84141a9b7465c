"""SEC-SECRETS: patterns, entropy, placeholders, redaction, file selection, git history, end to end."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.catalog import load_catalog
from auditor.checks.security.secrets import secrets_not_in_code
from auditor.context import AuditContext, Unavailable
from auditor.inventory import build_inventory
from auditor.pipeline import run_audit
from auditor.repo import Repository
from auditor.secrets.files import is_minified, scan_mode, skip_reason
from auditor.secrets.history import scan_history
from auditor.secrets.patterns import is_placeholder, is_secret_name, looks_like_secret_value, shannon_entropy
from auditor.secrets.scanner import CODE, CONFIG, KNOWN, redact, redact_literals, scan_lines, scan_text
from auditor.secrets.tree import scan_tree

FIXTURES = Path(__file__).parent / "fixtures" / "secrets"

# Real-looking, generated values (none is a live credential).
AWS_KEY_ID = "AKIAVQJXXVBOTHD0WTFL"
AWS_SECRET = "pdzPaEMM1ZA7V0FhHVJWDBt2hWdQZUm14QhoxhLP"
GITHUB = "ghp_j675eVq30XYqaNUDqN9Nifp28uwCDydesokF"
STRIPE = "sk_live_SnH6av1Ib8pp1qwXHU0BScJX"
DJANGO_KEY = "0qpKhg5QjWV1mKaUyvBPs0jSO2Jkf08MMF1ulMM^Cw3XVy27dF"


def rules(text: str, mode: str = CODE) -> list[str]:
    return [m.rule_id for m in scan_text(text, mode)]


# ---- known formats --------------------------------------------------------------------------------
@pytest.mark.parametrize("line, rule", [
    (f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"', "aws-access-key-id"),
    ('creds = {"id": "ASIAQ7ZR4M2XPLN8TW3K"}', "aws-access-key-id"),
    (f'aws_secret_access_key = "{AWS_SECRET}"', "aws-secret-access-key"),
    (f"GH_TOKEN={GITHUB}", "github-token"),
    ("token: gho_16C7e42F292c6912E7710c838347Ae178B4a", "github-token"),
    ("github_pat_11ABCDEFG0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV0123", "github-fine-grained-pat"),
    ('GITLAB = "glpat-x9Yk3LmQ7vZt2RbW8nDc"', "gitlab-pat"),
    ("SLACK_BOT=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack-token"),
    (f'stripe.api_key = "{STRIPE}"', "stripe-live-key"),
    ("RESTRICTED=rk_live_51HxQe2LkT9aBcDeFgHiJkLmN", "stripe-live-key"),
    ('maps_key = "AIzaSyD8x7Kq2Lm9Pz4Rt6Vw1Xy3Bn5Cm0Df7Gh"', "google-api-key"),
    ('jwt_secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
     "jwt-token"),
    ('KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7x9Qk2Lm8Pz4Rt6Vw1Xy3Bn5Cm0Df7Gh8Jk2Lm9Pz4"', "private-key"),
])
def test_known_formats_are_found_in_any_file(line: str, rule: str) -> None:
    mode = CODE if rule == "jwt-token" else KNOWN   # a JWT is a secret by the name it is assigned to
    assert rules(line, mode) == [rule]


def test_aws_key_id_alone_is_an_identifier_not_a_leak() -> None:
    # a sample presigned-POST response in a docstring: the key id is in a credential scope, no secret near it
    sample = ('    """\n    Response:\n    {\n        \'x-amz-credential\': \'AKIAQX7RM2ZL5TNP3VWD/20240312/eu-west-1/s3/'
              'aws4_request\',\n        \'x-amz-signature\': \'3c1f9be0a47d52c8e6b13f0a9d7e4c2b8a5f6d1e0c9b8a7f6e5d4c3b2a1f0e9d\'\n'
              '    }\n    """\n')
    [match] = scan_text(sample, CODE)
    assert match.rule_id == "aws-access-key-id" and match.identifier_only and match.line == 4
    # a key id in code whose secret comes from the environment is an identifier too
    [match] = scan_text(f'client = boto3.client("s3", aws_access_key_id="{AWS_KEY_ID}",\n'
                        '    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])\n', CODE)
    assert match.identifier_only


@pytest.mark.parametrize("text, mode", [
    (f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n", CONFIG),
    (f'boto3.client("s3",\n    aws_access_key_id="{AWS_KEY_ID}",\n    aws_secret_access_key="{AWS_SECRET}")\n', CODE),
    # the secret under a name the AWS format does not know, a few lines away
    (f'AWS_KEY = "{AWS_KEY_ID}"\nREGION = "eu-west-1"\nBUCKET = "invoices"\nSIGNING = "{AWS_SECRET}"\n', CODE),
])
def test_aws_key_id_with_its_secret_near_is_a_leak(text: str, mode: str) -> None:
    found = scan_text(text, mode)
    key_ids = [m for m in found if m.rule_id == "aws-access-key-id"]
    assert len(key_ids) == 1 and not key_ids[0].identifier_only


def test_private_key_with_its_body_on_the_next_line() -> None:
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\n"
    found = scan_text(pem, KNOWN)
    assert [(m.rule_id, m.line) for m in found] == [("private-key", 1)]
    assert "b3BlbnNzaC1r" not in found[0].snippet


@pytest.mark.parametrize("line", [
    'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"',                       # AWS documentation sample
    'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    'aws_commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"',         # 40 hex chars: a git sha
    'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):',           # code that looks for keys
    "GH_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "STRIPE_SECRET_KEY=sk_live_your_key_here",
    "STRIPE_TEST=sk_test_51HxQe2LkT9aBcDeFgHiJkLmN",                      # test keys are not live keys
    "asia_region = 'ASIA-PACIFIC'",
])
def test_samples_and_lookalikes_are_not_known_formats(line: str) -> None:
    assert rules(line, CONFIG) == []


# ---- generic assignments --------------------------------------------------------------------------
@pytest.mark.parametrize("line, mode", [
    ('password = "S3cr3t!Pass9"', CODE),
    ('password: str = "Zq9!mK2vL8xR"', CODE),
    (f'SECRET_KEY = "{DJANGO_KEY}"', CODE),
    ('SECRET_KEY = "django-insecure-8#k2$l9w@x!z3q7m^v5n&b1c0r4t6y8u"', CODE),
    ('app.config["SECRET_KEY"] = "a9Fk2LmQ8zXv4Rt7"', CODE),
    ('conn = connect(host="db", password="Wq8#nB4zL2pX")', CODE),     # keyword argument (bandit B106)
    ('def login(user, password="Wq8#nB4zL2pX"):', CODE),                # default argument (bandit B107)
    ('if password == "S3cr3t!Pass9":', CODE),                           # comparison with a literal
    ('const apiKey = "b7f3c9a1e5d24f8a9c6b0e1d2f3a4b5c";', CODE),
    ('token := "Zq9mK2vL8xRw3Tn5"', CODE),
    ('  "client_secret": "d8Fj3kLq9ZmX2vB7"', CONFIG),
    ("POSTGRES_PASSWORD: Hq7!vR2mZ9xK", CONFIG),
    ("export API_TOKEN=Zq9mK2vL8xRw3Tn5", CONFIG),
    ("- POSTGRES_PASSWORD=Hq7!vR2mZ9xK", CONFIG),
    ("DATABASE_URL=postgres://app:Xk39fj2lq8Zt@db.internal:5432/app", CONFIG),
    ('engine = create_engine("mysql://app:Xk39fj2lq8Zt@db/app")', CODE),
])
def test_high_entropy_values_assigned_to_secret_names_are_found(line: str, mode: str) -> None:
    assert len(scan_text(line, mode)) == 1


@pytest.mark.parametrize("line, mode", [
    ('token_type = "bearer"', CODE),                                     # bandit B105's classic false positive
    ('password = "changeme"', CODE),
    ('password = ""', CODE),
    ('password = "password"', CODE),
    ('password = "test"', CODE),
    ('password = "hunter2"', CODE),
    ('password = "xxxxxxxxxx"', CODE),
    ('api_key = "<your-api-key>"', CODE),
    ('api_key = "${API_KEY}"', CODE),
    ('secret = "{{ vault_secret }}"', CODE),
    ('password = "Enter your password"', CODE),
    ('password = os.environ["DB_PASSWORD"]', CODE),
    ('SECRET_KEY = os.getenv("SECRET_KEY", "dev")', CODE),
    ("api_key = settings.API_KEY", CODE),
    ('password = f"{prefix}abc123XYZ"', CODE),
    ('API_KEY_HEADER = "X-API-Key"', CODE),
    ('TOKEN_PREFIX = "Bearer "', CODE),
    ('auth_token_url = "https://auth.example.com/oauth/token"', CODE),
    ('password_hasher = "app.hashers.Argon2Hasher"', CODE),
    ('secret_key_file = "/run/secrets/app_key.pem"', CODE),
    ("  'password': 'required|min:8',", CODE),
    ('password = "dummy-password-123"', CODE),
    ('csrf_token_name = "csrfmiddlewaretoken"', CODE),
    ('  "resetPassword": "Réinitialiser",', CONFIG),                     # a translation
    ('  passwordConfirm: "Passwords do not match",', CODE),
    ("POSTGRES_PASSWORD: example", CONFIG),
    ("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}", CONFIG),
    ("- POSTGRES_PASSWORD=${POSTGRES_PASSWORD}", CONFIG),
    ("webhook_secret: !ENV STRIPE_WEBHOOK_SECRET", CONFIG),
    ("DATABASE_URL=postgres://postgres:postgres@localhost/app", CONFIG),
    ('url = "postgres://${DB_USER}:${DB_PASS}@db/app"', CODE),
    ("SECRET_KEY=changeme", CONFIG),
    ('password = "S3cr3t!Pass9"', KNOWN),                                # tests and docs: known formats only
])
def test_placeholders_lookups_and_names_are_not_secrets(line: str, mode: str) -> None:
    assert scan_text(line, mode) == []


@pytest.mark.parametrize("name, expected", [
    ("password", True), ("DB_PASSWORD", True), ("self.api_key", True), ("apiKey", True), ("SECRET_KEY", True),
    ("client_secret", True), ("githubToken", True), ("signingKey", True),
    ("token_type", False), ("password_reset_url", False), ("API_KEY_HEADER", False), ("key", False),
    ("cache_key", False), ("bypass", False), ("PASSWORD_MIN_LENGTH", False), ("secret_key_file", False),
])
def test_secret_like_names(name: str, expected: bool) -> None:
    assert is_secret_name(name) is expected


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaaaaaa") == 0.0
    assert shannon_entropy("abab") == pytest.approx(1.0)
    assert shannon_entropy("abcdefgh") == pytest.approx(3.0)
    assert shannon_entropy(AWS_SECRET) > 4.0
    assert shannon_entropy("9fceb02d0ae598e95dc970b74767f19372d61af8") < 4.0   # hex stays under 4 bits


@pytest.mark.parametrize("value", ["", "changeme", "CHANGE_ME", "example-key", "dummy", "xxx-xxx", "<token>",
                                   "${SECRET}", "{{ secret }}", "%(password)s", "os.environ['X']", "test",
                                   "password", "test-secret-123", "aaaaaaaaaaaa", "your_api_key_here", "null"])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["S3cr3t!Pass9", AWS_SECRET, DJANGO_KEY, "Wq8#nB4zL2pX"])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)
    assert looks_like_secret_value(value)


def test_length_and_entropy_thresholds() -> None:
    assert not looks_like_secret_value("aB3$xY7")          # 7 characters: below the length threshold
    assert not looks_like_secret_value("abababab12")       # long enough, but 2 bits per character
    assert looks_like_secret_value("aB3$xY7!")


# ---- redaction ------------------------------------------------------------------------------------
def test_redaction_keeps_four_characters_and_masks_the_rest() -> None:
    assert redact(AWS_SECRET) == "pdzP" + "*" * 16
    assert redact("Wq8#nB4zL2pX") == "Wq8#" + "*" * 8
    assert redact("aB3$xY7!")[:2] == "aB" and "xY7!" not in redact("aB3$xY7!")   # short: fewer shown


@pytest.mark.parametrize("line, secret", [
    (f'AWS = {{"id": "{AWS_KEY_ID}", "secret": "{AWS_SECRET}"}}  # aws secret access', AWS_SECRET),
    (f'SECRET_KEY = "{DJANGO_KEY}"', DJANGO_KEY),
    ("DATABASE_URL=postgres://app:Xk39fj2lq8Zt@db.internal:5432/app", "Xk39fj2lq8Zt"),
])
def test_snippets_never_hold_the_secret(line: str, secret: str) -> None:
    found = scan_text(line, CONFIG)
    assert found
    for m in found:
        assert secret not in m.snippet and secret not in m.preview
        assert AWS_KEY_ID not in m.snippet
        assert m.preview.startswith(secret[:4]) or m.rule_id == "aws-access-key-id"


def test_engine_snippets_are_redacted() -> None:
    snippet = '    return jwt.encode(payload, "ag1xYKiuMw7TpHD8-signing", algorithm="HS256")'
    redacted = redact_literals(snippet)
    assert "ag1xYKiuMw7TpHD8-signing" not in redacted
    assert 'jwt.encode(payload, "ag1x' in redacted


def test_scan_lines_keeps_the_given_line_numbers() -> None:
    found = scan_lines([(41, "x = 1"), (42, f"GH={GITHUB}")], CONFIG)
    assert [(m.line, m.rule_id) for m in found] == [(42, "github-token")]


# ---- robustness and speed -------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000), st.sampled_from([CODE, CONFIG, KNOWN]))
def test_scanner_never_raises_on_arbitrary_text(text: str, mode: str) -> None:
    for m in scan_text(text, mode):
        assert m.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('password=:"\' secret_key token -----BEGIN PRIVATE KEY\\n AKIA ://@\n'),
               max_size=400))
def test_scanner_never_raises_on_adversarial_fragments(text: str) -> None:
    scan_text(text, CONFIG)
    scan_lines(enumerate(text.split("\n"), 1), CODE)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%^&*", min_size=16, max_size=40))
def test_found_values_are_always_redacted(value: str) -> None:
    for m in scan_text(f'api_key = "{value}"', CODE):
        assert value not in m.snippet


def test_pathological_lines_stay_fast() -> None:
    lines = ['password = "' + "a" * 3990 + '"', "x" * 100_000, ('"password": ' * 400), "-----BEGIN " * 500,
             "a:" * 3000 + "=", "postgres://" + "u:" * 2000 + "@"]
    started = time.perf_counter()
    for line in lines:
        scan_text(line, CONFIG)
    assert time.perf_counter() - started < 2.0


# ---- which files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path, reason", [
    ("package-lock.json", "lock file"), ("poetry.lock", "lock file"), ("web/yarn.lock", "lock file"),
    ("static/app.min.js", "minified or generated bundle"), ("img/logo.png", "binary file"),
    ("app/settings.py", None), (".env", None),
])
def test_skipped_files(path: str, reason: str | None) -> None:
    assert skip_reason(path) == reason


@pytest.mark.parametrize("path, mode", [
    (".env", CONFIG), (".env.production", CONFIG), ("deploy/docker-compose.yml", CONFIG), ("config.toml", CONFIG),
    ("Dockerfile", CONFIG), ("app/settings.py", CODE), ("src/server.js", CODE), ("cmd/main.go", CODE),
    ("tests/test_auth.py", KNOWN), ("app/conftest.py", KNOWN), ("docs/setup.md", KNOWN), (".env.example", KNOWN),
    ("README.md", KNOWN), ("src/api.test.ts", KNOWN), ("proj/settings/test.py", KNOWN),
    ("proj/settings_ci.py", KNOWN), ("proj/settings/production.py", CODE), (".env.test", KNOWN),
])
def test_scan_modes(path: str, mode: str) -> None:
    assert scan_mode(path) == mode


def test_minified_content_is_recognised() -> None:
    assert is_minified("var a=1;" * 2000)
    assert not is_minified("x = 1\n" * 2000)


# ---- git history ----------------------------------------------------------------------------------
def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.org", "GIT_COMMITTER_NAME": "Dev",
           "GIT_COMMITTER_EMAIL": "dev@example.org", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(repo)}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


def counted(findings: list) -> list:
    """Findings that count as secrets: the compliant fixture's sample AWS key id is an identifier only."""
    return [f for f in findings if not f.match.identifier_only]


@pytest.fixture(scope="module")
def leaky_history(tmp_path_factory) -> tuple[Path, str]:
    """A clean working tree whose history once held a Stripe key and a hard-coded settings key."""
    repo = tmp_path_factory.mktemp("leaky") / "repo"
    shutil.copytree(FIXTURES / "compliant", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial", date="2024-01-10T09:00:00+00:00")
    settings_file = repo / "billing" / "settings.py"
    clean = settings_file.read_text()
    settings_file.write_text(clean + f'\nSTRIPE_SECRET_KEY = "{STRIPE}"\n')
    git(repo, "commit", "-q", "-am", "add payments", date="2024-02-03T10:00:00+00:00")
    leak = git(repo, "rev-parse", "HEAD")
    settings_file.write_text(clean)
    git(repo, "commit", "-q", "-am", "read the stripe key from the environment", date="2024-02-04T10:00:00+00:00")
    return repo, leak


def test_history_reports_a_removed_secret_with_its_commit(leaky_history) -> None:
    repo, leak = leaky_history
    history = scan_history(repo)
    assert history.is_git and history.commits_scanned == 3 and not history.more_commits
    [found] = counted(history.findings)
    clean_lines = len((repo / "billing" / "settings.py").read_text().splitlines())
    assert (found.path, found.commit, found.date[:10]) == ("billing/settings.py", leak, "2024-02-03")
    assert found.match.rule_id == "stripe-live-key"
    assert found.match.line == clean_lines + 2        # the line it had in that commit
    assert STRIPE not in found.match.snippet


def test_history_commit_limit(leaky_history) -> None:
    history = scan_history(leaky_history[0], commit_limit=1)
    assert history.commits_scanned == 1 and history.more_commits and history.findings == []


def test_history_of_a_subfolder_reports_paths_relative_to_it(leaky_history) -> None:
    history = scan_history(leaky_history[0] / "billing")
    assert [h.path for h in counted(history.findings)] == ["settings.py"]


def test_history_of_a_folder_outside_git(tmp_path) -> None:
    history = scan_history(tmp_path)
    assert not history.is_git and history.reason == "not a git repository"


def test_history_of_a_broken_repository_raises(tmp_path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "x")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text("0123456789012345678901234567890123456789\n")
    with pytest.raises(RuntimeError):
        scan_history(tmp_path)


def context_for(root: Path) -> AuditContext:
    """Real collectors, no engines: the semgrep rules are exercised by the end-to-end audits below."""
    from auditor.collectors.secrets import collect_secret_history, collect_tree_secrets
    repo = Repository.scan(root)
    ctx = AuditContext(repo=repo, inventory=build_inventory(repo), options={"extra": {}})
    ctx.collected["secrets"] = collect_tree_secrets(ctx)
    try:
        ctx.collected["secret_history"] = collect_secret_history(ctx)
    except Exception as exc:   # as the pipeline records a collector failure
        ctx.collector_errors["secret_history"] = f"{type(exc).__name__}: {exc}"
    return ctx


SEC_SECRETS = load_catalog().by_id["SEC-SECRETS"]


def test_check_fails_on_a_secret_only_in_history(leaky_history) -> None:
    repo, leak = leaky_history
    result = secrets_not_in_code(context_for(repo), SEC_SECRETS)
    assert result.verdict == "fail"
    [ev] = result.evidence
    assert (ev.file, ev.engine, ev.rule_id) == ("billing/settings.py", "git", "secrets.stripe-live-key")
    assert leak[:7] in ev.message and "2024-02-03" in ev.message
    assert STRIPE not in ev.snippet
    assert "3 commit(s)" in result.rationale


def test_check_is_unknown_when_history_fails_on_a_git_repository(tmp_path) -> None:
    shutil.copytree(FIXTURES / "compliant", tmp_path / "repo")
    repo = tmp_path / "repo"
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    (repo / ".git" / "refs" / "heads" / "main").write_text("0123456789012345678901234567890123456789\n")
    with pytest.raises(Unavailable, match="git history could not be scanned"):
        secrets_not_in_code(context_for(repo), SEC_SECRETS)


def test_git_ignored_files_are_not_scanned(tmp_path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "compliant", repo)
    (repo / ".env").write_text(f"STRIPE_SECRET_KEY={STRIPE}\n")     # a local .env that .gitignore keeps out
    git(repo, "init", "-q", "-b", "main")
    scan = scan_tree(Repository.scan(repo))
    assert counted(scan.findings) == [] and scan.skipped[".env"] == "ignored by git (never committed)"


def fast_import_history(repo: Path, commits: int, lines_per_commit: int) -> None:
    """Build a history quickly with git fast-import: commit n adds a new module of `lines_per_commit` lines."""
    git(repo, "init", "-q", "-b", "main")
    chunks = []
    for n in range(commits):
        body = "".join(f"def handler_{n}_{i}(request, token=None):\n    return {{'password_min': {i}}}\n"
                       for i in range(lines_per_commit // 2)).encode()
        message = f"commit {n}".encode()
        chunks.append(b"commit refs/heads/main\n" + f"mark :{n + 1}\n".encode()
                      + f"author D <d@e.org> {1700000000 + n * 60} +0000\n".encode()
                      + f"committer D <d@e.org> {1700000000 + n * 60} +0000\n".encode()
                      + f"data {len(message)}\n".encode() + message + b"\n"
                      + (f"from :{n}\n".encode() if n else b"")
                      + f"M 644 inline pkg{n % 20}/mod_{n}.py\ndata {len(body)}\n".encode() + body + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(chunks), check=True,
                   capture_output=True)
    git(repo, "reset", "-q", "--hard", "main")


def test_history_scan_of_500_commits_is_fast(tmp_path) -> None:
    """500 commits of 200 added lines each (100,000 lines): the scan must stay within a few seconds."""
    repo = tmp_path / "big"
    repo.mkdir()
    fast_import_history(repo, 500, 200)
    started = time.perf_counter()
    history = scan_history(repo)
    elapsed = time.perf_counter() - started
    assert history.commits_scanned == 500 and not history.more_commits and history.findings == []
    assert elapsed < 10, f"history scan of 500 commits took {elapsed:.1f}s"


# ---- end to end -----------------------------------------------------------------------------------
def item(report: dict, item_id: str = "SEC-SECRETS") -> dict:
    return next(i for i in report["items"] if i["id"] == item_id)


@pytest.fixture(scope="module")
def noncompliant_report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("secrets-nc") / "app"      # outside any git repository
    shutil.copytree(FIXTURES / "noncompliant", root)
    return run_audit(root)


@pytest.fixture(scope="module")
def compliant_report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("secrets-ok") / "app"
    shutil.copytree(FIXTURES / "compliant", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    (root / ".env").write_text(f"STRIPE_SECRET_KEY={STRIPE}\n")    # ignored by .gitignore: not a leak
    return run_audit(root)


def test_noncompliant_fixture_fails_with_every_secret(noncompliant_report) -> None:
    result = item(noncompliant_report)
    assert result["verdict"] == "fail"
    found = {(e["file"], e["line"], e["rule_id"]) for e in result["evidence"]}
    assert found == {
        (".env", 3, "secrets.aws-access-key-id"),
        (".env", 4, "secrets.aws-secret-access-key"),
        (".env", 5, "secrets.stripe-live-key"),
        (".env", 6, "secrets.url-credentials"),
        ("billing/settings.py", 6, "secrets.generic-secret"),
        ("deploy/notify.py", 3, "secrets.github-token"),
        ("docker-compose.yml", 6, "secrets.generic-secret"),
        ("billing/tokens.py", 8, "jwt-literal-key"),
        ("billing/tokens.py", 12, "jwt-literal-key"),
    }
    assert "not a git repository" in result["rationale"]
    engines = {e["engine"] for e in result["evidence"]}
    assert engines == {"secrets", "semgrep"}


def test_no_report_field_holds_a_secret(noncompliant_report) -> None:
    import json
    text = json.dumps(noncompliant_report)
    for secret in (AWS_KEY_ID, AWS_SECRET, STRIPE, GITHUB, DJANGO_KEY, "lNbc7Hrd0APsmYaUSRCs", "BHbNdZU0NYJ2gC",
                   "ag1xYKiuMw7TpHD8-signing"):
        assert secret not in text


def test_noncompliant_test_files_are_not_flagged(noncompliant_report) -> None:
    assert not [e for e in item(noncompliant_report)["evidence"] if e["file"].startswith("tests/")]


def test_compliant_fixture_passes_with_what_was_scanned(compliant_report) -> None:
    result = item(compliant_report)
    assert result["verdict"] == "pass", result["rationale"]
    assert result["evidence"] == []
    assert "file(s)" in result["rationale"] and "1 commit(s) of git history" in result["rationale"]
    # the key id in billing/storage.py's sample response is noted, not counted
    assert result["details"]["identifiers_not_counted"] == ["billing/storage.py:17"]
    assert "AWS access key id(s) with no secret access key near them were not counted" in result["rationale"]
    assert "not the 1 file(s) git ignores" in result["rationale"]
