"""JavaScript/TypeScript functions that write to the database two or more times, and whether atomically.

Text-level, like the Express reader (auditor.endpoints.jsparse): each function (declaration, function-valued
assignment, class or object method, callback) is cut from its opening brace to the matching close. A write is
a call of an ORM or driver write method (Mongoose, the MongoDB driver, Sequelize, TypeORM, Prisma, knex) or a
raw `query('INSERT|UPDATE|DELETE ...')`; a write inside a loop (for/while, forEach/map) counts twice. Calls to
functions of the same file or of a module the file requires by relative path are followed two levels deep,
and their writes count where they are called. A function is atomic when a transaction is opened in it
(sequelize.transaction, startSession/withTransaction, prisma.$transaction, a TypeORM transaction or
QueryRunner, knex.transaction) or when it is the callback handed to one. Only the innermost functions that
write two or more times are reported, so a module wrapper is not counted with the handlers it defines.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from auditor.endpoints.jsparse import matching_paren, strip_comments
from auditor.inventory import TEST_FILE
from auditor.text import line_of

# write methods with one meaning whatever the receiver
WRITE_METHODS = ("save|bulkCreate|insertMany|insertOne|updateOne|updateMany|replaceOne|deleteOne|deleteMany|"
                 "findOneAndUpdate|findByIdAndUpdate|findOneAndRemove|findByIdAndRemove|findOneAndDelete|"
                 "findByIdAndDelete|findOneAndReplace|findAndModify|upsert|destroy|createMany|bulkWrite")
# write methods whose name other objects use too (Map.delete, hash.update, Object.create, metrics.increment):
# a write only on a receiver that reads as a model, repository, collection or query builder
GENERIC_METHODS = "create|update|delete|remove|insert|del|increment|decrement"
DATA_RECEIVER = re.compile(r"(?:^|\.)(?:[A-Z][\w$]*|[\w$]*(?:[Rr]epo(?:sitory)?|[Mm]odel|[Cc]ol(?:lection)?|[Dd]ao|"
                           r"DAO|[Tt]able|[Mm]anager)|db|knex|prisma|trx|tx|qb|queryBuilder)$")
NOT_DATA = re.compile(r"^(?:Object|Array|Promise|Reflect|JSON|Math|Date|Map|Set|Buffer|Symbol|Error|URL|"
                      r"URLSearchParams|Intl|Number|String|Boolean|React|Vue|Stripe|AWS|Headers)$")
CALL = re.compile(rf"(?:(?P<recv>[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)|(?P<paren>\)))\s*\.\s*"
                  rf"(?P<method>{WRITE_METHODS}|{GENERIC_METHODS})\s*\(")
RAW_WRITE = re.compile(r"\.(?:query|execute|raw|exec)\s*\(\s*[`'\"]\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.I)
CRYPTO_CALL = re.compile(r"(?:createHash|createHmac|createCipher\w*|createDecipher\w*|createSign|createVerify)\s*$")
TRANSACTION = re.compile(r"\.transaction\s*\(|\$transaction\s*\(|\bstartSession\s*\(|\bwithTransaction\s*\(|"
                         r"\bstartTransaction\s*\(|\bcreateQueryRunner\s*\(|@Transaction\s*\(|\bBEGIN\b|"
                         r"[{,]\s*(?:session|transaction)\s*(?::\s*[\w$.]+\s*)?[,}]|\.session\s*\(\s*[\w$]+\s*\)")
HANDED_TO_TRANSACTION = re.compile(r"(?:\.transaction|\$transaction|withTransaction)\s*\(\s*(?:[^()]{0,40},\s*)?(?:async\s*)?$")
LOOP = re.compile(r"\b(?:for|while)\s*\(|\.\s*(?:forEach|map|each|flatMap)\s*\(")

# function starts; the group `name` names it when it has one
FUNCTION_START = re.compile(
    r"(?:\b(?:const|let|var)\s+|(?:\bthis|\bexports|module\.exports|\.prototype)\s*\.\s*)(?P<n2>[\w$]+)\s*=\s*"
    r"(?:async\s+)?(?:function\b\s*\*?\s*[\w$]*\s*)?(?=\(|[\w$]+\s*=>)|"
    r"\bfunction\s*\*?\s*(?P<n1>[\w$]*)\s*(?=\()|"
    r"(?<![\w$.])(?P<n3>[\w$]+)\s*:\s*(?:async\s+)?(?=\([^()]*\)\s*=>)|"
    r"^[ \t]*(?:(?:public|private|protected|static|async|override)\s+)*(?P<n4>[\w$]+)\s*(?=\([^()]*\)\s*(?::[^{;=]+)?\{)|"
    r"(?<![\w$])(?=(?:async\s*)?(?:\([^()]*\)|[\w$]+)\s*(?::\s*[\w$<>\[\]]+\s*)?=>\s*\{)",
    re.M)
KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "function", "with", "typeof", "await", "new",
                      "constructor", "super", "else", "do"})
HELPER_CALL = re.compile(r"(?<![\w$.])(?:(?P<recv>this|[A-Za-z_$][\w$]*)\s*\.\s*)?(?P<name>[A-Za-z_$][\w$]*)\s*\(")
REQUIRE = re.compile(r"(?:const|let|var)\s+(?P<name>[\w$]+)\s*=\s*require\(\s*['\"](?P<spec>\.[^'\"]+)['\"]\s*\)"
                     r"(?:\s*\.\s*(?P<member>[\w$]+))?|"
                     r"import\s+(?:\*\s+as\s+)?(?P<iname>[\w$]+)\s+from\s+['\"](?P<ispec>\.[^'\"]+)['\"]|"
                     r"import\s*\{(?P<names>[^}]+)\}\s*from\s+['\"](?P<nspec>\.[^'\"]+)['\"]|"
                     r"(?:const|let|var)\s+\{(?P<dnames>[^}]+)\}\s*=\s*require\(\s*['\"](?P<dspec>\.[^'\"]+)['\"]\s*\)")
NEW_OF = re.compile(r"(?:const|let|var)\s+(?P<name>[\w$]+)\s*=\s*new\s+(?P<cls>[\w$]+)\s*\(")
HELPER_DEPTH = 2
HANDLER_PARAMS = re.compile(r"\(\s*(?:req|request)\b[^,()]*,\s*(?:res|response|reply)\b")
EXTENSIONS = (".js", ".mjs", ".cjs", ".ts")


@dataclass
class JsWrite:
    file: str
    line: int
    call: str
    in_loop: bool
    via: str = ""                   # the helper call it was reached through, "" when written in the function


@dataclass
class JsWritingFunction:
    file: str
    name: str
    line: int
    start: int
    end: int
    writes: list[JsWrite] = field(default_factory=list)
    atomic: bool = False
    protection: str = ""
    protection_line: int | None = None

    @property
    def write_count(self) -> int:
        return sum(2 if w.in_loop else 1 for w in self.writes)


@dataclass
class _Module:
    path: str
    src: str
    functions: list[tuple[str, int, int]]              # (name, start, end) with start at the header
    imports: dict[str, tuple[str, str | None]]         # local name -> (module path, member)


class JsWriteScanner:
    """Reads the modules of one repository on demand; `read(path, text)` gives its multi-write functions."""

    def __init__(self, sources: dict[str, str]):
        self.sources = sources          # path -> text of every candidate module
        self._modules: dict[str, _Module] = {}

    def module(self, path: str) -> _Module | None:
        if path not in self._modules:
            text = self.sources.get(path)
            if text is None:
                return None
            src = strip_comments(text)
            self._modules[path] = _Module(path, src, _functions(src), _imports(path, src, self.sources))
        return self._modules[path]

    def writing_functions(self, path: str) -> list[JsWritingFunction]:
        mod = self.module(path)
        if mod is None:
            return []
        found = []
        for name, start, end in mod.functions:
            writes = self._writes(mod, start, end, HELPER_DEPTH, {(path, start)})
            fn = JsWritingFunction(path, name, line_of(mod.src, start), start, end, writes)
            if fn.write_count < 2:
                continue
            own = TRANSACTION.search(mod.src, start, end)
            if own:
                fn.atomic, fn.protection, fn.protection_line = True, own.group(0).strip(), line_of(mod.src, own.start())
            elif HANDED_TO_TRANSACTION.search(mod.src[max(0, start - 120):start]):
                fn.atomic, fn.protection, fn.protection_line = True, "a transaction callback", fn.line
            found.append(fn)
        # innermost only: a function that holds another multi-write function is reported through that one
        return [f for f in found if not any(o is not f and f.start <= o.start and o.end <= f.end
                                            and (o.start, o.end) != (f.start, f.end) for o in found)]

    def request_handlers(self, path: str) -> list[tuple[str, int, int]]:
        """(name, start, end) of the functions of a module shaped like request handlers: `(req, res` first."""
        mod = self.module(path)
        if mod is None:
            return []
        return [(name, start, end) for name, start, end in mod.functions
                if HANDLER_PARAMS.match(mod.src, _params_at(mod.src, start, end))]

    def reached(self, path: str, start: int, end: int, pattern: re.Pattern, depth: int = HELPER_DEPTH,
                via: str = "", seen: frozenset = frozenset()):
        """(file, line, text, via) of each match of `pattern` in a function's text or in the same-repository
        helpers it calls, `depth` levels deep."""
        mod = self.module(path)
        if mod is None:
            return
        for m in pattern.finditer(mod.src, start, end):
            yield mod.path, line_of(mod.src, m.start()), _snippet(mod.src, m.start()), via
        if depth <= 0:
            return
        for m in HELPER_CALL.finditer(mod.src, start, end):
            target = self._resolve(mod, m.group("recv"), m.group("name"))
            if target is None:
                continue
            tmod, tstart, tend = target
            if (tmod.path, tstart) in seen or (tmod is mod and start <= tstart < end):
                continue
            yield from self.reached(tmod.path, tstart, tend, pattern, depth - 1, via or f"{m.group(0).strip()})",
                                    seen | {(tmod.path, tstart)})

    def _writes(self, mod: _Module, start: int, end: int, depth: int, seen: set) -> list[JsWrite]:
        src = mod.src
        loops = _loop_spans(src, start, end)
        out: list[JsWrite] = []
        followed: set[int] = set()
        for m in HELPER_CALL.finditer(src, start, end):
            if m.start() == start or src[max(0, m.start() - 9):m.start()].rstrip().endswith("function"):
                continue
            target = self._resolve(mod, m.group("recv"), m.group("name"))
            if target is None or depth <= 0:
                continue
            tmod, tstart, tend = target
            if (tmod.path, tstart) in seen or start <= tstart < end and tmod is mod:
                continue
            inner = self._writes(tmod, tstart, tend, depth - 1, seen | {(tmod.path, tstart)})
            if not inner:
                continue
            followed.add(m.start())
            in_loop = _inside(m.start(), loops)
            atomic = TRANSACTION.search(tmod.src, tstart, tend)
            call = f"{m.group(0).strip()[:60]})"
            if atomic or len(inner) == 1:
                w = inner[0]
                out.append(JsWrite(w.file, w.line, w.call, in_loop or w.in_loop, via=call))
            else:
                out += [JsWrite(w.file, w.line, w.call, in_loop or w.in_loop, via=call) for w in inner]
        # one write site reached through several calls (`if (a) solve(x) else solve(y)`) counts once
        unique: dict[tuple[str, int], JsWrite] = {}
        for w in out:
            if (w.file, w.line) not in unique or w.in_loop:
                unique[(w.file, w.line)] = w
        out = list(unique.values())
        for m in CALL.finditer(src, start, end):
            recv = re.sub(r"\s+", "", m.group("recv") or "")
            if not _is_write(src, m, recv) or _call_of(src, m) in followed:
                continue
            out.append(JsWrite(mod.path, line_of(src, m.start("method")), _snippet(src, m.start("method")),
                               _inside(m.start(), loops)))
        for m in RAW_WRITE.finditer(src, start, end):
            out.append(JsWrite(mod.path, line_of(src, m.start()), _snippet(src, m.start()), _inside(m.start(), loops)))
        return out

    def _resolve(self, mod: _Module, recv: str | None, name: str) -> tuple[_Module, int, int] | None:
        """The definition a call `name(` / `recv.name(` / `this.name(` reaches in this repository, if any."""
        if name in KEYWORDS:
            return None
        if recv is None or recv == "this":
            return _defined(mod, name)
        if recv in mod.imports:
            path, _member = mod.imports[recv]
            target = self.module(path)
            return _defined(target, name) if target is not None else None
        return None


def _defined(mod: _Module, name: str) -> tuple[_Module, int, int] | None:
    for fname, start, end in mod.functions:
        if fname == name:
            return mod, start, end
    return None


def _functions(src: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for m in FUNCTION_START.finditer(src):
        name = next((m.group(g) for g in ("n1", "n2", "n3", "n4") if m.group(g)), "") or "<anonymous>"
        if name in KEYWORDS:
            continue
        body = _body_open(src, m.end())
        if body is None:
            continue
        close = matching_paren(src, body)
        if close > body and not (out and out[-1][2] == close + 1):   # `async (x) => {` seen at async and at (
            out.append((name, m.start(), close + 1))
    return out


def _params_at(src: str, start: int, end: int) -> int:
    """Offset of the parameter list of the function whose header starts at `start`."""
    paren = src.find("(", start, end)
    return paren if paren >= 0 else start


def _body_open(src: str, pos: int) -> int | None:
    """Offset of the `{` that opens the function body whose parameters start at or after `pos`."""
    i = pos
    n = len(src)
    while i < n and src[i] in " \t\r\n":
        i += 1
    if src.startswith("async", i):
        i += 5
        while i < n and src[i] in " \t\r\n":
            i += 1
    if i < n and src[i] == "(":
        close = matching_paren(src, i)
        if close < 0:
            return None
        i = close + 1
    else:
        m = re.compile(r"[\w$]+").match(src, i)
        if not m:
            return None
        i = m.end()
    m = re.compile(r"\s*(?::\s*[^{;=]*?)?\s*(?:=>\s*)?\{").match(src, i)
    return m.end() - 1 if m else None


def _loop_spans(src: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in LOOP.finditer(src, start, end):
        open_at = m.end() - 1
        close = matching_paren(src, open_at)
        if close < 0:
            continue
        if m.group(0).lstrip(".").lstrip().startswith(("forEach", "map", "each", "flatMap")):
            spans.append((m.start(), close))
            continue
        rest = re.compile(r"\s*\{").match(src, close + 1)
        if rest:
            body_close = matching_paren(src, rest.end() - 1)
            spans.append((m.start(), body_close if body_close > 0 else end))
        else:
            semi = src.find(";", close)
            spans.append((m.start(), semi if semi > 0 else end))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos <= b for a, b in spans)


def _is_write(src: str, m: re.Match, recv: str) -> bool:
    method = m.group("method")
    head = recv.split(".")[0] if recv else ""
    if NOT_DATA.match(head) or re.search(r"(?:^|\.)(?:res|req|response|request|http|axios|router|app|cache|headers|"
                                         r"localStorage|sessionStorage|searchParams|console|\$http|HttpClient)$", recv):
        return False
    if m.group("paren"):   # createHash('md5').update(x) is not a write
        open_at = _open_of(src, m.start("paren"))
        if open_at is not None and CRYPTO_CALL.search(src[max(0, open_at - 40):open_at]):
            return False
        if re.fullmatch(GENERIC_METHODS, method):
            callee = re.search(r"([\w$]+)\s*$", src[max(0, (open_at or 0) - 60):open_at or 0])
            # knex('users').update(...), Model.query().delete(), repo.createQueryBuilder()...delete()
            return bool(callee and (DATA_RECEIVER.search(callee.group(1)) or callee.group(1) in
                                    ("where", "whereIn", "query", "createQueryBuilder", "from", "table", "into")))
        return True
    if re.fullmatch(GENERIC_METHODS, method):
        return bool(DATA_RECEIVER.search(recv))
    return bool(recv)


def _open_of(src: str, close: int) -> int | None:
    depth = 0
    for i in range(close, max(-1, close - 4000), -1):
        ch = src[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            depth -= 1
            if depth == 0:
                return i
    return None


def _call_of(src: str, m: re.Match) -> int:
    return m.start()


def _snippet(src: str, pos: int) -> str:
    start = src.rfind("\n", 0, pos) + 1
    end = src.find("\n", pos)
    return src[start:end if end >= 0 else len(src)].strip()[:120]


def _imports(path: str, src: str, sources: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for m in REQUIRE.finditer(src):
        spec = m.group("spec") or m.group("ispec") or m.group("nspec") or m.group("dspec")
        target = resolve_module(path, spec, sources)
        if target is None:
            continue
        if m.group("name") or m.group("iname"):
            out[m.group("name") or m.group("iname")] = (target, m.group("member"))
        for name in re.split(r"\s*,\s*", (m.group("names") or m.group("dnames") or "").strip()):
            local = re.split(r"\s+as\s+|\s*:\s*", name)[-1].strip()
            if local:
                out[local] = (target, name.split(":")[0].split(" as ")[0].strip())
    for m in NEW_OF.finditer(src):   # const userDAO = new UserDAO(db): methods of the module UserDAO comes from
        if m.group("cls") in out:
            out[m.group("name")] = out[m.group("cls")]
    return out


def resolve_module(base: str, spec: str, sources: dict[str, str]) -> str | None:
    root = posixpath.normpath(posixpath.join(posixpath.dirname(base), spec))
    for cand in (root, *(root + e for e in EXTENSIONS), *(root + "/index" + e for e in EXTENSIONS)):
        if cand in sources:
            return cand
    return None


# code that is not the server: browser bundles and front-end apps, vendored libraries
NOT_SERVER = re.compile(r"(?:^|/)(?:node_modules|frontend|client|public|static|assets|dist|build|vendor|www|"
                        r"bower_components)/|\.min\.js$")
# code that serves no request: migrations, seeders, one-off scripts
NO_REQUEST_PATH = re.compile(r"(?:^|/)(?:migrations?|seeders?|seeds?|scripts?|bin)/")
REGISTERS_ROUTES = re.compile(r"\b(?:app|router|server|api|routes)\s*\.\s*(?:get|post|put|patch|delete|use|route|all)\s*\(|"
                              r"@(?:Controller|Injectable|Resolver)\b|\bmodule\.exports\b|\bexports\.|\bexport\s")
RELATIVE_SPEC = re.compile(r"""require\(\s*['"](\.[^'"]+)['"]\s*\)|\bfrom\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]""")


def server_sources(paths, read) -> dict[str, str]:
    """path -> text of the JavaScript/TypeScript modules that can run in the server."""
    out = {}
    for path in paths:
        if not path.endswith(EXTENSIONS) or path.endswith(".d.ts") or TEST_FILE.search(path) or NOT_SERVER.search(path):
            continue
        out[path] = read(path) or ""
    return out


def serves_no_request(path: str, sources: dict[str, str], imported: set[str]) -> bool:
    """A migration, seeder or script: under such a folder, or a module nothing imports that exports nothing and
    registers no route (run on its own with `node script.js`)."""
    if NO_REQUEST_PATH.search(path):
        return True
    return path not in imported and not REGISTERS_ROUTES.search(sources.get(path, ""))


def imported_modules(sources: dict[str, str]) -> set[str]:
    out = set()
    for path, text in sources.items():
        for m in RELATIVE_SPEC.finditer(text):
            target = resolve_module(path, m.group(1) or m.group(2) or m.group(3), sources)
            if target:
                out.add(target)
    return out
