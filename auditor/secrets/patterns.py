"""What a secret looks like: known credential formats, secret-like names, entropy, placeholders.

Known formats (a provider's token prefix and length) are precise on their own and are looked for in
every text file. A value assigned to a secret-like name (`password = "..."`) is only a secret when it
is long and random enough (Shannon entropy) and is not a placeholder (`changeme`, `${DB_PASSWORD}`,
`<your key>`, `example`...): that filter is what keeps `token_type = "bearer"` out of the report.

Every regex here is bounded (no nested unbounded quantifiers), so a line costs linear time.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownFormat:
    rule_id: str
    description: str
    regex: re.Pattern[str]            # group "secret" is the part to redact
    anchors: tuple[str, ...]          # lowercase literals; the regex only runs on lines holding one
    context: re.Pattern[str] | None = None   # must also match the line (the AWS secret needs "aws" nearby)
    min_entropy: float = 0.0


KNOWN_FORMATS: tuple[KnownFormat, ...] = (
    KnownFormat("aws-access-key-id", "AWS access key id",
                re.compile(r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])"),
                ("akia", "asia")),
    KnownFormat("aws-secret-access-key", "AWS secret access key",
                re.compile(r"(?<![A-Za-z0-9/+])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
                ("aws",),
                context=re.compile(r"(?i)aws.{0,40}(?:secret|_sk\b)|secret.?access.?key"),
                min_entropy=4.0),   # 40 hex chars (a git sha) stay below 4 bits per char
    KnownFormat("github-token", "GitHub token",
                re.compile(r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9])"),
                ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    KnownFormat("github-fine-grained-pat", "GitHub fine-grained personal access token",
                re.compile(r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{50,255})"),
                ("github_pat_",)),
    KnownFormat("gitlab-pat", "GitLab personal access token",
                re.compile(r"(?<![A-Za-z0-9_])(?P<secret>glpat-[A-Za-z0-9_\-]{20,64})"),
                ("glpat-",)),
    KnownFormat("slack-token", "Slack token",
                re.compile(r"(?<![A-Za-z0-9])(?P<secret>xox[baprs]-[A-Za-z0-9-]{10,250})"),
                ("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-")),
    KnownFormat("slack-webhook", "Slack incoming webhook URL",
                re.compile(r"hooks\.slack\.com/services/(?P<secret>T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})"),
                ("hooks.slack.com/services/",)),
    KnownFormat("stripe-live-key", "Stripe live secret or restricted key",
                re.compile(r"(?<![A-Za-z0-9_])(?P<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,247})"),
                ("sk_live_", "rk_live_")),
    KnownFormat("google-api-key", "Google API key",
                re.compile(r"(?<![A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_\-]{35})(?![A-Za-z0-9_-])"),
                ("aiza",)),
)

# A PEM header is only a leaked key when key material follows it (on the next line, or after a "\n"
# escape in the same string): code that looks for the header (`startswith("-----BEGIN ...")`) is not.
PRIVATE_KEY_HEADER = re.compile(r"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----")
PRIVATE_KEY_INLINE_BODY = re.compile(r"(?:\\r)?\\n(?P<secret>[A-Za-z0-9+/=]{40,})")
PRIVATE_KEY_BODY_LINE = re.compile(r"^\s*[\"'`]?(?P<secret>[A-Za-z0-9+/=]{40,})")
PRIVATE_KEY_ENCRYPTED_PREAMBLE = re.compile(r"^\s*(?:Proc-Type|DEK-Info):")

JWT = re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$")

# scheme://user:password@host — the password part is the secret
URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{1,20})://(?P<user>[^\s:/@'\"`]{0,100}):"
    r"(?P<secret>[^\s@/'\"`]{1,200})@(?P<host>[^\s/'\"`:@?#]{1,200})")

# ---- secret-like names ----------------------------------------------------------------------------
SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token",
                          "apikey", "credential", "credentials", "privatekey", "accesskey"})
# two-word names: `api_key`, `access-key`, `signingKey`
SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("auth", "key"),
                          ("signing", "key"), ("encryption", "key"), ("master", "key"), ("secret", "key"),
                          ("app", "key"), ("client", "key"), ("license", "key")})
# A name ending in one of these holds something about the secret, not the secret itself:
# `token_type = "bearer"`, `password_reset_url`, `API_KEY_HEADER = "X-API-Key"`.
NOT_SECRET_LAST_WORDS = frozenset({
    "url", "uri", "urls", "endpoint", "path", "file", "filename", "dir", "name", "names", "type", "types",
    "field", "fields", "header", "headers", "prefix", "suffix", "length", "len", "size", "min", "max",
    "ttl", "expiry", "expires", "expiration", "lifetime", "age", "timeout", "regex", "re", "pattern",
    "format", "policy", "algorithm", "algorithms", "alg", "hash", "hashed", "digest", "hasher", "hashers",
    "id", "ids", "env", "var", "variable", "label", "placeholder", "message", "msg", "error", "errors",
    "hint", "help", "text", "title", "description", "param", "parameter", "query", "column", "attr",
    "attribute", "count", "enabled", "required", "class", "cls", "model", "form", "view", "route",
    "method", "mode", "scope", "scopes", "kind", "template", "version", "location", "store", "backend",
    "provider", "validator", "validators", "strategy", "storage", "rule", "rules", "strength", "key_name",
    "keyname", "location", "source", "sources", "usage", "audience", "issuer", "display", "label",
    "selector", "input", "button", "link", "icon", "page", "cookie", "reset", "changed", "flag",
    "option", "options", "setting", "settings", "config", "class", "ref", "reference", "lookup",
    "status", "state", "result", "results", "step", "action", "event", "success", "sent", "mismatch",
})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NAME_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def name_words(name: str) -> list[str]:
    """`self.DB_PASSWORD` -> ['self', 'db', 'password']; `apiKey` -> ['api', 'key']."""
    return [w.lower() for part in _NAME_SPLIT.split(name) if part for w in _CAMEL.split(part) if w]


def is_secret_name(name: str) -> bool:
    words = name_words(name)
    if not words or words[-1] in NOT_SECRET_LAST_WORDS:
        return False
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(pair in SECRET_PAIRS for pair in zip(words, words[1:]))


# ---- values ---------------------------------------------------------------------------------------
def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution (0 for '', 'aaaa')."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


PLACEHOLDER_MARKERS = (
    "changeme", "change_me", "change-me", "changethis", "change_this", "example", "dummy", "placeholder",
    "sample", "fake", "redacted", "replace", "your_", "your-", "yourkey", "yoursecret", "yourpassword",
    "insert", "xxx", "***", "...", "todo", "fixme", "notasecret", "not-a-secret", "not_a_secret",
    "not-secret", "notsecret", "password", "passwd", "secret-key-here", "<", ">", "${", "{{", "}}", "%(",
    "%s", "$(", "process.env", "os.environ", "os.getenv", "getenv(", "env(", "environ", "config(",
    "settings.", "vault:", "secretsmanager", "ssm:", "lorem", "ipsum", "foobar", "123456", "abcdef",
    "qwerty", "letmein", "insecure-dev", "development", "mock",
)
PLACEHOLDER_WORDS = frozenset({
    "test", "testing", "tests", "secret", "secrets", "token", "none", "null", "nil", "true", "false",
    "undefined", "admin", "root", "postgres", "postgresql", "mysql", "mariadb", "mongo", "redis", "rabbitmq",
    "guest", "default", "pass", "key", "apikey", "api_key", "secret_key", "secretkey", "dev", "local",
    "localhost", "user", "username", "demo", "sa", "oracle", "app", "hunter2", "required", "optional",
    "string", "str", "bearer", "basic",
})
PLACEHOLDER_PREFIXES = ("test", "dummy", "fake", "sample", "example", "my-", "my_", "mock", "local", "dev-", "dev_")
# words joined by separators, dotted module paths, CONSTANT_NAMES, CamelCase words: names, not secrets
_IDENTIFIER_LIKE = re.compile(
    r"[a-z]+(?:[_\-.:/|][a-z]+)*|[A-Z][A-Z_]*|[a-z]*(?:[A-Z][a-z]+)+|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_FILE_PATH = re.compile(r"(?:[\w.~-]*/)*[\w.-]+\.(?:pem|key|crt|cer|p12|pfx|json|txt|ya?ml|env|der|jks|keystore)")
_REPEATED = re.compile(r"(.)\1{5,}")
# validation rules such as "required|min:8|max:64" (a password field's rules, not a password)
_RULE_LIST = re.compile(r"[a-z_]+(?::[\w,.]+)?(?:\|[a-z_]+(?::[\w,.]+)?)+")


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not a real secret: empty, a template or env lookup, a marker
    word (changeme, example, dummy, xxx...), a well-known default (postgres, admin, test)."""
    v = value.strip().strip("\"'`")
    if not v:
        return True
    low = v.lower()
    if low in PLACEHOLDER_WORDS:
        return True
    if any(m in low for m in PLACEHOLDER_MARKERS):
        return True
    if low.startswith(PLACEHOLDER_PREFIXES):
        return True
    if v[0] in "$%{<[(@!&*" or v.startswith(("env:", "ENV[", "!ENV", "file:", "vault:")):
        return True
    if _REPEATED.search(v):
        return True
    return len(set(low)) <= 2


MIN_GENERIC_LENGTH = 8
MIN_GENERIC_ENTROPY = 3.0


def looks_like_secret_value(value: str) -> bool:
    """A value assigned to a secret-like name that is long, random enough and not a placeholder."""
    if len(value) < MIN_GENERIC_LENGTH or len(value) > 500:
        return False
    if any(ch.isspace() for ch in value):
        return False   # sentences: labels, help texts, validation messages
    if value.startswith(("http://", "https://", "/", "./", "../", "~/")):
        return False   # a URL or path; credentials inside URLs have their own rule
    if value.isalpha() and len(value) < 20:
        return False   # a word in any language ("Réinitialiser"): labels and translations, not keys
    if _IDENTIFIER_LIKE.fullmatch(value) or _FILE_PATH.fullmatch(value) or _RULE_LIST.fullmatch(value):
        return False
    if is_placeholder(value):
        return False
    return shannon_entropy(value) >= MIN_GENERIC_ENTROPY


def looks_like_url_password(password: str) -> bool:
    """The password part of scheme://user:password@host: a real one, not `${DB_PASS}`, `postgres`, `pass`."""
    if len(password) < 6 or is_placeholder(password):
        return False
    return not _IDENTIFIER_LIKE.fullmatch(password) or len(password) >= 12


def looks_like_env_file_url_password(password: str) -> bool:
    """The password of a DSN in a committed environment file (`.env`, `.env.production`): the file holds the
    values the deployment runs with, so a plain word (`admin`, `postgres`) is the real password there. Only
    lookups (`${DB_PASS}`) and marker words (changeme, example, xxx) are placeholders."""
    v = password.strip().strip("\"'`")
    if len(v) < 3 or v[0] in "$%{<[(":
        return False
    low = v.lower()
    return not any(m in low for m in PLACEHOLDER_MARKERS) and not _REPEATED.search(v)
