"""Go errors that are dropped, read as text (never run): REL-ERROR-HANDLING for Go.

Go has no exceptions; an error is a value, and it is swallowed in three shapes:
- **discarded**: the error result is assigned to `_` (`hash, _ := bcrypt.GenerateFromPassword(...)`,
  `_ = db.QueryRow(q).Scan(&v)`), or a repository function that returns an error is called as a bare
  statement (`user.setPassword(p)`). A call counts only when it is known to return an error: a repository
  function whose last result is `error`, or a library call whose failure is data (persistence, hashing and
  signing, decoding, parsing input, file I/O; `ERROR_CALLS`). A logger or regexp built from a literal can
  fail only on a programming error, and is not listed.
- **logged and used anyway**: `db, err := open(); if err != nil { log.Println(err) }` and then `db` is used:
  the branch neither returns, nor stops, nor replaces the value, so the code goes on with a zero value.
  Logging a failed best-effort call whose result nobody uses (`Close`, `Shutdown`) is not a swallow.
- **assigned and never read**: `err = article.favoriteBy(u)` and the function goes on without reading `err`
  before it is written again or the function ends.
- **another error returned**: the branch of `if commitErr != nil` returns or wraps a different local error
  (`return errors.Wrap(err, "commit failed")`) and never mentions the one it checked: the failure it found is
  lost, and when the other variable is nil there (`errors.Wrap(nil, ...)` is nil) the failure reads as success.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.endpoints.go import go_index
from auditor.endpoints.goread import GoFunc, GoIndex
from auditor.endpoints.jsparse import matching_paren
from auditor.paths import TEST_FILE
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

# Library calls (package or method name) whose last result is an error that reports bad data or a failed
# write. Method names are matched on any receiver, so each one here is error-returning wherever it appears.
ERROR_CALLS = {
    "bcrypt.GenerateFromPassword", "bcrypt.CompareHashAndPassword", "json.Marshal", "json.MarshalIndent",
    "json.Unmarshal", "yaml.Unmarshal", "yaml.Marshal", "xml.Unmarshal", "xml.Marshal", "toml.Unmarshal",
    "strconv.Atoi", "strconv.ParseInt", "strconv.ParseUint", "strconv.ParseFloat", "strconv.ParseBool",
    "ioutil.ReadAll", "ioutil.ReadFile", "ioutil.WriteFile", "io.ReadAll", "io.Copy", "os.ReadFile",
    "os.WriteFile", "os.Open", "os.Create", "os.OpenFile", "os.MkdirAll", "os.Remove", "os.RemoveAll",
    "sql.Open", "sqlx.Open", "sqlx.Connect", "gorm.Open", "time.Parse", "uuid.Parse", "url.Parse",
    "base64.StdEncoding.DecodeString", "hex.DecodeString", "rand.Read",
    ".SignedString", ".Scan", ".Exec", ".ExecContext", ".QueryRow", ".Query", ".QueryContext", ".Prepare",
    ".Commit", ".Decode", ".Encode", ".ParseForm", ".ParseMultipartForm", ".Bind",
    ".BindJSON", ".ShouldBind", ".ShouldBindJSON",
}
ASSIGN = re.compile(r"^(?P<lhs>[\w.]+(?:\s*,\s*[\w.]+)*)\s*(?P<op>:=|=)\s*(?P<rhs>.+)$", re.S)
CALL_HEAD = re.compile(r"^(?P<callee>&?[\w.]+(?:\([^()]*\))?(?:\.\w+)*)\s*\(")
ERR_NAME = re.compile(r"^(?:err\w*|\w*Err|\w*Error)$")
NOT_CALLS = {"make", "len", "cap", "append", "new", "func", "string", "int", "int64", "float64", "byte", "rune"}
IF_ERR = re.compile(r"^if\s+(?:(?P<init>[^;{]+);\s*)?(?P<var>\w+)\s*!=\s*nil\s*\{")
STOPS = re.compile(r"\b(?:return|panic|goto|break|continue|os\.Exit|log\.Fatal\w*|log\.Panic\w*|\w+\.Fatal\w*|"
                   r"\w+\.Panic\w*|c\.Abort\w*|http\.Error)\b")
LOGS_ONLY = re.compile(r"^(?:\w+(?:\.\w+)*\.)?(?:Print|Println|Printf|Error|Errorf|Errorw|Warn|Warnf|Warning|"
                       r"Warningf|Info|Infof|Debug|Debugf|Log|Logf)\s*\(")


@dataclass
class DroppedError:
    file: str
    line: int
    shape: str       # discarded | logged-and-used | never-read
    call: str        # the call whose error is dropped, as written (shortened)
    message: str


@dataclass
class GoErrorReading:
    checks: int                   # `if err != nil` checks seen: the handlers of Go code
    dropped: list[DroppedError]


def read_go_errors(repo: Repository) -> GoErrorReading:
    index = go_index(repo)
    checks, dropped = 0, []
    for gf in index.files.values():
        if TEST_FILE.search(gf.path):
            continue
        for fn in gf.functions:
            checks += len(re.findall(r"\bif\b[^{\n]*\w+\s*!=\s*nil\s*\{", fn.body))
            dropped += _dropped_in(index, fn) + _other_error_returned(fn)
    return GoErrorReading(checks, dropped)


CHECKED_ERROR = re.compile(r"(?<![\w.])if\s+(?:[^;{\n]+;\s*)?([a-z]\w*)\s*!=\s*nil\s*\{")
LOCAL_ERROR = re.compile(r"(?<![\w.])((?:err|[a-z]\w*Err)\w*)\b(?!\s*[.(])")   # a value, not `errors.Wrap`


def _other_error_returned(fn: GoFunc) -> list[DroppedError]:
    """`if commitErr != nil { return errors.Wrap(err, ...) }`: the branch returns another local error and never
    mentions the one it checked."""
    out = []
    body = fn.body
    for m in CHECKED_ERROR.finditer(body):
        checked = m.group(1)
        if not ERR_NAME.match(checked):
            continue
        close = closing_bracket(body, m.end() - 1, skip_strings=True)
        if close is None:
            continue
        branch = body[m.end():close]
        if re.search(rf"(?<![\w.]){re.escape(checked)}\b", branch):
            continue
        for r in re.finditer(r"(?<![\w.])return\b([^\n]*)", branch):
            others = [name for name in LOCAL_ERROR.findall(r.group(1))
                      if name != checked and ERR_NAME.match(name) and name not in fn.source.imports]
            if others:
                line = line_of(fn.source.src, fn.body_start + 1 + m.end() + r.start())
                out.append(DroppedError(fn.file, line, "other-error-returned", f"return {others[0]}",
                                        f"the branch of `if {checked} != nil` returns `{others[0]}` instead of "
                                        f"`{checked}`: the error it checked is lost (and a nil `{others[0]}` makes "
                                        "the failure read as success)"))
                break
    return out


def _dropped_in(index: GoIndex, fn: GoFunc) -> list[DroppedError]:
    out: list[DroppedError] = []
    body = fn.body
    base = fn.body_start + 1
    src = fn.source.src
    named_err_result = bool(re.search(r"\b\w*err\w*\s+error\b", _results(fn), re.I))
    for offset, stmt in _statements(body):
        line = line_of(src, base + offset)
        if stmt.startswith(("defer ", "go ", "return", "if ", "for ", "switch ", "case ", "select ", "else")):
            continue
        assign = ASSIGN.match(stmt)
        if assign:
            names = [n.strip() for n in assign.group("lhs").split(",")]
            call = _call_of(assign.group("rhs"))
            if call is None:
                continue
            if names[-1] == "_" and _returns_error(index, fn, call):
                out.append(DroppedError(fn.file, line, "discarded", call,
                                        f"the error of `{call}(...)` is assigned to `_`: a failure goes unnoticed"))
            elif ERR_NAME.match(names[-1]):
                out += _ignored_after(fn, body, offset, stmt, names, call, line, named_err_result)
            continue
        call = _call_of(stmt)
        if call is not None and stmt.endswith(")") and _repository_returns_error(index, fn, call):
            out.append(DroppedError(fn.file, line, "discarded", call,
                                    f"`{call}(...)` returns an error, and this call drops it"))
    return out


def _ignored_after(fn: GoFunc, body: str, offset: int, stmt: str, names: list[str], call: str, line: int,
                   named_err_result: bool) -> list[DroppedError]:
    err = names[-1]
    values = [n for n in names[:-1] if n != "_"]
    after = body[offset + len(stmt):]
    check = IF_ERR.match(after.lstrip())
    if check and check.group("var") == err and not check.group("init"):
        brace = len(after) - len(after.lstrip()) + check.end() - 1
        close = closing_bracket(after, brace, skip_strings=True)
        if close is None:
            return []
        branch = after[brace + 1:close]
        rest = after[close + 1:]
        if STOPS.search(branch) or rest.lstrip().startswith("else") or not _only_logs(branch):
            return []
        if any(re.search(rf"^\s*{re.escape(v)}\s*(?:,[^=\n]*)?:?=", branch, re.M) for v in values):
            return []
        used = [v for v in values if re.search(rf"(?<![\w.]){re.escape(v)}\b", rest)]
        if not used:
            return []
        return [DroppedError(fn.file, line, "logged-and-used", call,
                             f"the error of `{call}(...)` is only logged, and `{used[0]}` is used anyway")]
    if named_err_result:
        return []
    mention = re.search(rf"(?<![\w.]){re.escape(err)}\b(?P<tail>\s*(?:,[^=\n]*)?(?::=|=(?!=)))?", after)
    if mention is not None and mention.group("tail"):
        rhs = after[mention.end():].split("\n", 1)[0]
        opened = _first_unclosed_paren(rhs)
        if opened is not None:   # the assigned call goes on below: read it whole
            close = matching_paren(after, mention.end() + opened)
            rhs = after[mention.end():close + 1] if close > 0 else rhs
        between = after[:mention.start()]
        if re.search(rf"(?<![\w.]){re.escape(err)}\b", rhs) or re.search(r"\belse\b|\bcase\b|\bdefault:", between):
            return []    # `err = multierr.Append(err, ...)` reads it; an else/case branch is another path
    if mention is None or mention.group("tail"):
        return [DroppedError(fn.file, line, "never-read", call,
                             f"the error of `{call}(...)` is assigned to `{err}` and never checked")]
    return []


def _only_logs(branch: str) -> bool:
    lines = [ln.strip() for ln in branch.splitlines() if ln.strip()]
    return all(LOGS_ONLY.match(ln) or ln.startswith(")") for ln in lines)


def _statements(body: str) -> list[tuple[int, str]]:
    """(offset, first line) of each line that starts a statement; a statement spanning lines keeps only
    its head (enough to read an assignment and its call)."""
    out = []
    pos = 0
    for raw in body.split("\n"):
        text = raw.strip()
        if text and not text.startswith(("}", ")", "//")):
            start = pos + len(raw) - len(raw.lstrip())
            opened = _first_unclosed_paren(text)
            if opened is not None:
                close = matching_paren(body, start + opened)
                text = body[start:close + 1] if close > 0 else text
            out.append((start, text))
        pos += len(raw) + 1
    return out


def _first_unclosed_paren(line: str) -> int | None:
    """Offset of the first `(` of a line that the line does not close (a call that goes on below)."""
    stack: list[int] = []
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"`'":
            quote = ch
        elif ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            stack.pop()
    return stack[0] if stack else None


def _call_of(expr: str) -> str | None:
    m = CALL_HEAD.match(expr.strip())
    if m is None:
        return None
    callee = re.sub(r"\([^()]*\)", "(...)", m.group("callee").lstrip("&"))
    if callee in NOT_CALLS or callee.rsplit(".", 1)[-1] in ("New", "Errorf") and callee.split(".")[0] in ("errors", "fmt"):
        return None
    return callee


def _returns_error(index: GoIndex, fn: GoFunc, call: str) -> bool:
    return _in_table(call) or _repository_returns_error(index, fn, call)


def _in_table(call: str) -> bool:
    plain = call.replace("(...)", "")
    method = "." + plain.rsplit(".", 1)[-1] if "." in plain else ""
    return plain in ERROR_CALLS or ".".join(plain.split(".")[-2:]) in ERROR_CALLS or method in ERROR_CALLS


def _repository_returns_error(index: GoIndex, fn: GoFunc, call: str) -> bool:
    """Every repository definition the call can mean returns an error as its last result."""
    plain = call.replace("(...)", "")
    name = plain.rsplit(".", 1)[-1]
    qualifier = plain.rsplit(".", 1)[0] if "." in plain else ""
    head = qualifier.split(".")[0]
    if qualifier and head not in fn.source.imports:     # a method call
        methods = [c for c in index.by_name.get(name, []) if c.receiver]
        types = _types_of(fn, qualifier)
        if types:
            candidates = [c for c in methods if c.receiver in types]
        elif name[:1].islower():   # unexported: only this repository's own methods can have that name
            candidates = methods
        else:
            return False
    else:
        candidates = index.functions_named(name, head, fn.file)
    if not candidates:
        return False
    return all(re.search(r"(?:^|[\s,(])error\s*\)?\s*$", _results(c).strip()) for c in candidates)


def _types_of(fn: GoFunc, receiver: str) -> set[str]:
    """The type names a receiver expression can hold when the function says: its own receiver variable,
    a parameter, or a local declared with its type (`var u User`, `u := &User{...}`). Empty when unknown."""
    if "." in receiver:
        return set()
    header = fn.source.src[fn.start:fn.body_start]
    own = re.match(r"func\s*\(\s*(\w+)\s+\*?\s*(\w+)", header)
    if own and own.group(1) == receiver:
        return {own.group(2)}
    for pname, ptype in fn.params:
        if pname == receiver:
            return {_bare_type(ptype)}
    local = re.search(rf"\bvar\s+{re.escape(receiver)}\s+\*?([\w.]+)|\b{re.escape(receiver)}\s*:?=\s*&?([\w.]+)\s*\{{",
                      fn.body)
    return {_bare_type(local.group(1) or local.group(2))} if local else set()


def _bare_type(written: str) -> str:
    return written.strip().lstrip("*").rsplit(".", 1)[-1]


def _results(fn: GoFunc) -> str:
    """The result list of a function's signature, as written."""
    src = fn.source.src
    header = src[fn.start:fn.body_start]
    name_at = header.find(fn.name + "(") if fn.name + "(" in header else header.find(fn.name)
    open_at = header.find("(", name_at)
    close = matching_paren(src, fn.start + open_at) if open_at >= 0 else -1
    return src[close + 1:fn.body_start] if close > 0 else ""
