"""A small Go reader: the functions, methods, struct types and imports of a repository's Go files.

Not a full parser: it relies on gofmt's layout (a function's body brace ends its signature line, a statement
starts a line) and blanks comments so that braces and parentheses inside them do not count. Strings are
kept (route paths live in them); brackets inside strings are skipped when matching. The route reader
(`auditor.endpoints.go`) walks function bodies statement by statement with it, and the items that read
what a handler or a middleware does read function bodies through `GoIndex.functions_named`.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from auditor.endpoints.jsparse import matching_paren, split_args, strip_comments
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

FUNC = re.compile(r"^func\s*(?:\(\s*(?:(\w+)\s+)?\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)\s*(?:\[[^\]]*\])?\s*\(", re.M)
IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.M | re.S)
IMPORT_LINE = re.compile(r"^import\s+(?:(\w+|\.|_)\s+)?\"([^\"]+)\"", re.M)
IMPORT_SPEC = re.compile(r"^\s*(?:(\w+|\.|_)\s+)?\"([^\"]+)\"", re.M)
STRUCT = re.compile(r"^(?:type\s+|\t)(\w+)\s+struct\s*\{", re.M)
PACKAGE = re.compile(r"^package\s+(\w+)", re.M)


@dataclass
class GoFunc:
    name: str
    receiver: str                  # the receiver's type name, "" for a plain function
    params: list[tuple[str, str]]  # (name, type) in order
    file: str
    line: int
    start: int                     # offset of `func`
    body_start: int                # offset of the body's `{`
    body_end: int                  # offset of the body's `}`
    source: "GoFile" = field(repr=False, compare=False, default=None)

    @property
    def text(self) -> str:
        return self.source.src[self.start:self.body_end + 1]

    @property
    def body(self) -> str:
        return self.source.src[self.body_start + 1:self.body_end]

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.file)

    def param_index(self, name: str) -> int | None:
        for i, (pname, _) in enumerate(self.params):
            if pname == name:
                return i
        return None


@dataclass
class GoFile:
    path: str
    src: str                       # comments blanked, offsets and lines kept
    package: str
    imports: dict[str, str]        # local name -> import path
    functions: list[GoFunc] = field(default_factory=list)


@dataclass
class GoIndex:
    files: dict[str, GoFile] = field(default_factory=dict)
    by_name: dict[str, list[GoFunc]] = field(default_factory=dict)
    structs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # name -> [(file, body text)]

    def functions_named(self, name: str, qualifier: str = "", from_file: str = "") -> list[GoFunc]:
        """Definitions a call `qualifier.name(...)` in `from_file` can mean: when the qualifier is an imported
        package, the functions of the directory its import path ends with; otherwise every function or
        method of that name, those of the caller's own package first."""
        found = self.by_name.get(name, [])
        if not found:
            return []
        caller = self.files.get(from_file)
        if qualifier and caller and qualifier in caller.imports:
            tail = caller.imports[qualifier].rstrip("/")
            return [f for f in found if not f.receiver and f.directory and _same_package(tail, f.directory)]
        if not qualifier and caller:
            local = [f for f in found if f.directory == posixpath.dirname(from_file) and not f.receiver]
            return local or [f for f in found if not f.receiver]
        return found

    def function_at(self, file: str, offset: int) -> GoFunc | None:
        f = self.files.get(file)
        if f is None:
            return None
        inner = None
        for fn in f.functions:
            if fn.start <= offset <= fn.body_end:
                inner = fn
        return inner

    def methods_of(self, type_name: str) -> list[GoFunc]:
        return [f for fns in self.by_name.values() for f in fns if f.receiver == type_name]


def _same_package(import_path: str, directory: str) -> bool:
    """An import path names a repository directory when their last two elements agree (the module path
    before them is the go.mod's, which a directory path does not carry)."""
    a = import_path.rstrip("/").split("/")[-2:]
    b = directory.split("/")[-2:]
    return a[-len(b):] == b if len(b) < len(a) else a == b


def read_go(repo: Repository, paths: list[str]) -> GoIndex:
    """The index of the given Go files (tests and vendored code are the caller's to leave out)."""
    index = GoIndex()
    for path in paths:
        text = repo.read_text(path)
        if text is None:
            continue
        gf = parse_file(path, text)
        index.files[path] = gf
        for fn in gf.functions:
            index.by_name.setdefault(fn.name, []).append(fn)
        for m in STRUCT.finditer(gf.src):
            close = closing_bracket(gf.src, m.end() - 1, skip_strings=True)
            if close is not None:
                index.structs.setdefault(m.group(1), []).append((path, gf.src[m.end():close]))
    return index


def parse_file(path: str, text: str) -> GoFile:
    src = strip_comments(text)
    package = PACKAGE.search(src)
    gf = GoFile(path, src, package.group(1) if package else "", _imports(src))
    for m in FUNC.finditer(src):
        open_at = m.end() - 1
        close = matching_paren(src, open_at)
        if close < 0:
            continue
        body_start = _body_brace(src, close + 1)
        if body_start is None:
            continue
        body_end = closing_bracket(src, body_start, skip_strings=True)
        if body_end is None:
            continue
        gf.functions.append(GoFunc(m.group(3), m.group(2) or "", parameters(src[open_at + 1:close]), path,
                                   line_of(src, m.start()), m.start(), body_start, body_end, gf))
    return gf


def _body_brace(src: str, pos: int) -> int | None:
    """The `{` that opens a function body: the last character of the signature's (last) line."""
    depth = 0
    i = pos
    while i < len(src):
        ch = src[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "{" and depth == 0:
            rest = src[i + 1:src.find("\n", i) if src.find("\n", i) >= 0 else len(src)]
            if not rest.strip():
                return i
            close = closing_bracket(src, i, skip_strings=True)   # `interface{}` / `struct{}` in the results
            if close is None:
                return None
            i = close
        elif ch == "\n" and depth == 0 and src[pos:i].strip() and not src[pos:i].rstrip().endswith((",", "(")):
            return None   # a declaration without a body
        i += 1
    return None


def parameters(text: str) -> list[tuple[str, str]]:
    """(name, type) pairs of a Go parameter list: `a, b string, r *gin.RouterGroup` -> three pairs."""
    parts = split_args(text)
    out: list[tuple[str, str]] = []
    pending: list[str] = []
    for part in parts:
        m = re.match(r"(\w+)\s+(.+)$", part.strip(), re.S)
        if m and not part.strip().startswith(("*", "[", "func", "map", "chan")):
            for name in pending:
                out.append((name, m.group(2).strip()))
            pending = []
            out.append((m.group(1), m.group(2).strip()))
        else:
            pending.append(part.strip())
    out += [("", name) for name in pending]   # unnamed parameters: types only
    return out


def _imports(src: str) -> dict[str, str]:
    out: dict[str, str] = {}
    specs = [(m.group(1), m.group(2)) for m in IMPORT_LINE.finditer(src)]
    for block in IMPORT_BLOCK.finditer(src):
        specs += [(m.group(1), m.group(2)) for m in IMPORT_SPEC.finditer(block.group(1))]
    for alias, path in specs:
        name = alias or _package_name(path)
        if name not in ("_", "."):
            out[name] = path
    return out


def _package_name(path: str) -> str:
    """The default name of an imported package: the last element, skipping a /vN major-version suffix and
    a `go-` prefix (`github.com/go-chi/chi/v5` -> chi, `github.com/go-ozzo/ozzo-routing/v2` -> routing)."""
    parts = path.rstrip("/").split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    if last.startswith("ozzo-"):
        last = last[5:]
    last = re.sub(r"^go-", "", last)
    last = re.sub(r"[.-]go$", "", last)
    return last.replace("-", "_").replace(".", "_")


def statements(body: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement that starts a line outside any parenthesis of `body`, extended to the
    balanced end of its last bracket; lines inside a multi-line call (and the closures it takes) are
    part of that statement, not statements of their own."""
    out = []
    depth = 0
    quote = ""
    i = 0
    n = len(body)
    starts = [0]
    while i < n:
        ch = body[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"`'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "\n" and depth == 0 and not quote:
            starts.append(i + 1)
        i += 1
    for start in starts:
        text = body[start:]
        end = _statement_end(text)
        stmt = text[:end].strip()
        if stmt and stmt not in ("{", "}"):
            out.append((start + (len(text[:end]) - len(text[:end].lstrip())), stmt))
    return out


def _statement_end(text: str) -> int:
    depth = 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"`'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "\n" and depth <= 0:
            return i
        i += 1
    return len(text)
