"""Scan text line by line for secrets; report each with its line and a redacted snippet.

Cost stays linear: str.find over the lowercased text finds the lines that hold a trigger (a known
prefix, a secret-like word, "://"), and only those lines are examined with the detailed patterns
(about 0.5 s for 200,000 lines of Python). The secret itself never leaves this module: a `SecretMatch` holds the first characters of it
and a fingerprint (to recognise the same secret in the tree and in history), never the value.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Iterable

from auditor.secrets.patterns import (
    JWT,
    KNOWN_FORMATS,
    PRIVATE_KEY_BODY_LINE,
    PRIVATE_KEY_ENCRYPTED_PREAMBLE,
    PRIVATE_KEY_HEADER,
    PRIVATE_KEY_INLINE_BODY,
    URL_CREDENTIALS,
    is_placeholder,
    is_secret_name,
    looks_like_env_file_url_password,
    looks_like_secret_value,
    looks_like_url_password,
    shannon_entropy,
)

# What a file may contain, from most to least checked:
#   CONFIG: known formats, URL credentials, quoted and unquoted `name = value` (.env, YAML, INI...)
#   CODE:   known formats, URL credentials, quoted `name = "value"` only
#   KNOWN:  known formats and private keys only (tests, docs, examples, templates, other text)
CONFIG, CODE, KNOWN = "config", "code", "known"

# A line is worth a closer look when it holds a known format's prefix or a secret-like word. These are
# found with str.find on the lowercased text (C speed), not with a regex over every line.
_KNOWN_TRIGGERS = tuple(sorted({a for f in KNOWN_FORMATS for a in f.anchors} | {"private key"}))
_GENERIC_TRIGGERS = ("pass", "pwd", "secret", "token", "key", "credential", "://")

# A quoted literal, then what stands before it: `name = `, `"name": `, `name: str = `, `name := `...
_STRING_LITERAL = re.compile(r"""(?P<q>["'`])(?P<value>[^"'`\n]{0,500})(?P=q)""")
# Matched on the text before the literal, REVERSED and anchored at its start, so one attempt costs
# the length of the assignment, not the length of the line. Forward, it reads:
#   name ["'`]? ]? \s* (: type)? (= | := | => | == | === | != | !== | :) \s* [bBrRuUfF]{0,2} <literal>
_ASSIGNED_BEFORE_REVERSED = re.compile(
    r"""(?P<prefix>[bBrRuUfF]{0,2})\s*"""
    r"""(?P<op>=:|>=|={2,3}!|={1,2}!|={2,3}|=|:)\s*"""
    r"""(?:[\w\[\]., |]{1,40}?\s*:\s*)?"""
    r"""\]?["'`]?(?P<name>[\w$.\-]{0,80}[A-Za-z_$])""")
LOOKBEHIND = 140
_UNQUOTED_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+|-\s+|ENV\s+|ARG\s+)?["']?(?P<name>[A-Za-z_][\w.\-]{0,80})["']?\s*"""
    r"""(?P<op>=|:)\s*(?P<value>[^\s"'`#][^\s#]{0,499})\s*(?:[#;].*)?$""")
_SECRET_NAME_HINT = re.compile(r"pass|pwd|secret|token|key|credential")   # on lowercased text
MIN_VALUE_LENGTH = 8

MAX_LINE = 4000          # longer lines are data or minified code: only the first part is examined
SNIPPET_WIDTH = 160


@dataclass(frozen=True)
class SecretMatch:
    rule_id: str
    description: str
    line: int                 # 1-based
    column: int               # 1-based, where the secret starts
    preview: str              # the secret redacted: first characters, the rest masked
    snippet: str              # the line with every secret on it redacted
    fingerprint: str          # sha256 prefix of the secret: compares occurrences without keeping it
    name: str = ""            # the variable or key it was assigned to, when known
    # an identifier, not a credential: an AWS access key id with no secret access key near it (a sample
    # response in a docstring, a credential scope in a signed URL). Reported as a note, never a leak.
    identifier_only: bool = False


def redact(secret: str) -> str:
    """First 4 characters, the rest masked (short secrets keep fewer: an 8-char password shows 2)."""
    keep = 4 if len(secret) >= 12 else max(1, len(secret) // 4)
    return secret[:keep] + "*" * max(4, min(len(secret) - keep, 16))


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class _Hit:
    rule_id: str
    description: str
    start: int
    end: int
    secret: str
    name: str = ""


def scan_text(text: str, mode: str = CODE, env_file: bool = False) -> list[SecretMatch]:
    """Every secret in `text`, in line order. `mode` is CONFIG, CODE or KNOWN (see above). `env_file`: the text
    is a committed environment file, whose DSN passwords are real even when they are plain words."""
    lines = text.split("\n")
    low = text.lower()
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    known = _lines_holding(low, _KNOWN_TRIGGERS, starts)
    generic = _lines_holding(low, _GENERIC_TRIGGERS, starts) if mode != KNOWN else set()
    out: list[SecretMatch] = []
    for idx in sorted(known | generic):
        line = lines[idx][:MAX_LINE]
        hits = _line_hits(line, lines[idx + 1] if idx + 1 < len(lines) else "", mode, idx in known, env_file)
        if hits:
            out.extend(_matches(idx + 1, line.rstrip("\r"), hits))
    if any(m.rule_id == "aws-access-key-id" for m in out):
        out = [_unpaired_key_id(m, out, lines) if m.rule_id == "aws-access-key-id" else m for m in out]
    return out


# An AWS access key id is half of a credential: it signs nothing without its secret access key. It is a
# leak when that secret is near it (a credentials file, a .env, a boto3 call); alone it is an identifier.
KEY_PAIR_WINDOW = 6        # lines either side
_AWS_SECRET_SHAPE = next(f for f in KNOWN_FORMATS if f.rule_id == "aws-secret-access-key")
PAIRING_RULES = frozenset({"aws-secret-access-key", "generic-secret", "private-key"})


def _unpaired_key_id(key_id: SecretMatch, found: list[SecretMatch], lines: list[str]) -> SecretMatch:
    near = range(key_id.line - KEY_PAIR_WINDOW, key_id.line + KEY_PAIR_WINDOW + 1)
    if any(m.rule_id == "aws-secret-access-key" or (m.rule_id in PAIRING_RULES and m.line in near)
           for m in found):
        return key_id
    # a 40-character secret-key-shaped value nearby, even under a name the scanner does not know
    for idx in range(max(0, key_id.line - 1 - KEY_PAIR_WINDOW), min(len(lines), key_id.line + KEY_PAIR_WINDOW)):
        for m in _AWS_SECRET_SHAPE.regex.finditer(lines[idx][:MAX_LINE]):
            value = m.group("secret")
            if shannon_entropy(value) >= _AWS_SECRET_SHAPE.min_entropy and not is_placeholder_token(value):
                return key_id
    return SecretMatch(key_id.rule_id, "AWS access key id without a secret access key near it (an identifier)",
                       key_id.line, key_id.column, key_id.preview, key_id.snippet, key_id.fingerprint,
                       key_id.name, identifier_only=True)


def _lines_holding(low: str, words: tuple[str, ...], starts: list[int]) -> set[int]:
    """Indexes of the lines holding any of the words (each occurrence found by str.find)."""
    found: set[int] = set()
    for word in words:
        pos = low.find(word)
        while pos != -1:
            idx = bisect_right(starts, pos) - 1
            found.add(idx)
            # skip to the next line: one hit per line is enough
            pos = low.find(word, starts[idx + 1]) if idx + 1 < len(starts) else -1
    return found


def scan_lines(numbered: Iterable[tuple[int, str]], mode: str = CODE) -> list[SecretMatch]:
    """Like scan_text for lines that are not one text (added lines of a diff): (line number, line)."""
    pairs = [(n, line.replace("\n", " ")) for n, line in numbered]
    if not pairs:
        return []
    found = scan_text("\n".join(line for _, line in pairs), mode)
    return [_renumber(m, pairs[m.line - 1][0]) for m in found]


def _renumber(match: SecretMatch, line: int) -> SecretMatch:
    return SecretMatch(match.rule_id, match.description, line, match.column, match.preview, match.snippet,
                       match.fingerprint, match.name, match.identifier_only)


def _line_hits(line: str, next_line: str, mode: str, known: bool, env_file: bool = False) -> list[_Hit]:
    low = line.lower()
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []

    def add(hit: _Hit) -> None:
        if any(hit.start < e and s < hit.end for s, e in taken):
            return   # a more specific rule already claimed this span
        taken.append((hit.start, hit.end))
        hits.append(hit)

    for fmt in KNOWN_FORMATS if known else ():
        if not any(a in low for a in fmt.anchors):
            continue
        if fmt.context is not None and not fmt.context.search(line):
            continue
        for m in fmt.regex.finditer(line):
            secret = m.group("secret")
            if is_placeholder_token(secret) or shannon_entropy(secret) < fmt.min_entropy:
                continue
            add(_Hit(fmt.rule_id, fmt.description, m.start("secret"), m.end("secret"), secret))

    if known and "private key" in low:
        for header in PRIVATE_KEY_HEADER.finditer(line):
            hit = _private_key(line, header.end(), next_line)
            if hit:
                add(hit)

    if mode == KNOWN:
        return hits

    if "://" in line and "@" in line:
        for m in URL_CREDENTIALS.finditer(line):
            password = m.group("secret")
            if (looks_like_env_file_url_password if env_file else looks_like_url_password)(password):
                add(_Hit("url-credentials", f"password in a {m.group('scheme')}:// URL",
                         m.start("secret"), m.end("secret"), password, m.group("scheme")))

    if not _SECRET_NAME_HINT.search(low):
        return hits
    for lit in _STRING_LITERAL.finditer(line):
        value = lit.group("value")
        if len(value) < MIN_VALUE_LENGTH:
            continue
        window_start = max(0, lit.start() - LOOKBEHIND)
        window = line[window_start:lit.start()]
        if not _SECRET_NAME_HINT.search(window.lower()):
            continue
        before = _ASSIGNED_BEFORE_REVERSED.match(window[::-1])
        if before:
            _assignment(before.group("name")[::-1], value, lit.start("value"), before.group("prefix")[::-1], add)
    if mode == CONFIG:
        m = _UNQUOTED_ASSIGNMENT.match(line)
        if m:
            value = m.group("value").rstrip(",;")
            _assignment(m.group("name"), value, m.start("value"), "", add)
    return hits


def _assignment(name: str, value: str, start: int, prefix: str, add) -> None:
    if not is_secret_name(name):
        return
    if "f" in prefix.lower() and "{" in value:
        return   # an f-string interpolates: not a literal
    if JWT.match(value):
        add(_Hit("jwt-token", "JWT assigned to a secret-like name", start, start + len(value), value, name))
    elif looks_like_secret_value(value):
        add(_Hit("generic-secret", f"hard-coded secret assigned to {name!r}",
                 start, start + len(value), value, name))


def _private_key(line: str, header_end: int, next_line: str) -> _Hit | None:
    inline = PRIVATE_KEY_INLINE_BODY.match(line, header_end)
    if inline:
        return _Hit("private-key", "private key (PEM)", inline.start("secret"), inline.end("secret"),
                    inline.group("secret"))
    if line[header_end:].strip(" \t\r\"'`,;)\\n") == "":
        body = PRIVATE_KEY_BODY_LINE.match(next_line)
        if body and shannon_entropy(body.group("secret")) >= 3.0 or PRIVATE_KEY_ENCRYPTED_PREAMBLE.match(next_line):
            # the key material is on the next line: the header line is the evidence, nothing on it to mask
            return _Hit("private-key", "private key (PEM)", header_end, header_end,
                        body.group("secret") if body else next_line.strip())
    return None


def is_placeholder_token(secret: str) -> bool:
    """Known-format tokens are real unless marked as samples (AKIAIOSFODNN7EXAMPLE, ghp_xxxx...)."""
    low = secret.lower()
    return any(m in low for m in ("example", "xxxx", "dummy", "fake", "sample", "placeholder", "0000000000"))


def _matches(line_no: int, line: str, hits: list[_Hit]) -> list[SecretMatch]:
    redacted = line
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        if hit.end > hit.start:
            redacted = redacted[:hit.start] + redact(hit.secret) + redacted[hit.end:]
    snippet = _trim(redacted, min(h.start for h in hits))
    return [SecretMatch(h.rule_id, h.description, line_no, h.start + 1, redact(h.secret), snippet,
                        fingerprint(h.secret), h.name) for h in sorted(hits, key=lambda h: h.start)]


def _trim(line: str, around: int) -> str:
    text = line.strip()
    if len(text) <= SNIPPET_WIDTH:
        return text
    offset = len(line) - len(line.lstrip())
    begin = max(0, around - offset - SNIPPET_WIDTH // 2)
    return ("…" if begin else "") + text[begin:begin + SNIPPET_WIDTH] + "…"


_LITERAL = re.compile(r"""(?P<q>["'`])(?P<value>[^"'`\n]{6,})(?P=q)""")


def redact_literals(snippet: str) -> str:
    """Mask the secrets in a snippet another engine produced (semgrep, bandit): every secret the scanner
    finds, then every quoted literal of 6+ characters, so no report prints a secret whole."""
    out = []
    for line in snippet.split("\n"):
        found = scan_text(line, CONFIG)
        if found:
            line = found[0].snippet
        line = _LITERAL.sub(lambda m: m.group("q") + (m.group("value") if "*" * 4 in m.group("value")
                                                      else redact(m.group("value"))) + m.group("q"), line)
        out.append(line)
    return "\n".join(out)


__all__ = ["CODE", "CONFIG", "KNOWN", "SecretMatch", "fingerprint", "is_placeholder", "redact",
           "redact_literals", "scan_lines", "scan_text"]
