"""Network clients beyond the HTTP libraries the semgrep rules read: mail, Redis, brokers, cloud SDKs, gRPC,
and the JavaScript HTTP clients other than axios and fetch. Which clients, and how each one sets its timeout
and its retries, is data (rules/outbound_clients.yml); this module finds their call sites (Python through the
AST with import aliases resolved, JavaScript through the text with require/import bindings) and reads the
arguments. Nothing is executed."""
from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from auditor.astwalk import nodes_of
from auditor.resources import rules_dir
from auditor.text import line_of


@dataclass(frozen=True)
class ClientCall:
    """One call site of a network client, and how its timeout and retries are set there."""
    file: str
    line: int
    end_line: int
    client: str
    kind: str                    # mail, cache, broker, cloud, rpc, database, http, directory
    constructor: bool            # builds a client or a connection: nothing is requested at this line
    timeout: str | None          # how the timeout is set here ("timeout=10"), or None
    retry: str | None            # how retries are configured here, or None
    default_timeout: str         # what the library does when no timeout is set
    timeout_bounded_by_default: bool
    default_retry: str
    retries_by_default: bool

    @property
    def bounded(self) -> bool:
        return self.timeout is not None or self.timeout_bounded_by_default

    @property
    def retries(self) -> bool:
        return self.retry is not None or self.retries_by_default


@lru_cache(maxsize=1)
def client_table() -> dict[str, list[dict[str, Any]]]:
    """rules/outbound_clients.yml, by language."""
    data = yaml.safe_load((rules_dir() / "outbound_clients.yml").read_text(encoding="utf-8"))
    return {"python": list(data.get("python") or []), "javascript": list(data.get("javascript") or []),
            "go": list(data.get("go") or [])}


def _call(spec: dict[str, Any], file: str, node_line: int, end_line: int, timeout: str | None,
          retry: str | None) -> ClientCall:
    return ClientCall(file, node_line, end_line, spec["client"], spec.get("kind", ""), bool(spec.get("constructor")),
                      timeout, retry, spec.get("default_timeout", ""), bool(spec.get("timeout_bounded_by_default")),
                      spec.get("default_retry", ""), bool(spec.get("retries_by_default")))


# ---- Python ---------------------------------------------------------------------------------------------

def _aliases(tree: ast.AST) -> dict[str, str]:
    """local name -> dotted name it stands for, from the module's imports."""
    out: dict[str, str] = {}
    for node in nodes_of(tree, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    out[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif node.module and not node.level:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id]] + parts[::-1])


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _keywords_set(call: ast.Call, names: list[str]) -> str | None:
    for kw in call.keywords:
        if kw.arg is None:
            return "**" + ast.unparse(kw.value)     # passed through: assumed set, as the semgrep rules do
        if kw.arg in names and not _is_none(kw.value):
            return f"{kw.arg}={ast.unparse(kw.value)}"[:60]
    return None


def _assigned_calls(tree: ast.AST) -> dict[str, ast.Call]:
    out = {}
    for node in nodes_of(tree, ast.Assign):
        if isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value
    return out


def _config_settings(call: ast.Call, config: dict[str, Any], aliases: dict[str, str],
                     assigned: dict[str, ast.Call]) -> tuple[str | None, str | None]:
    """(timeout, retry) read from the configuration object passed as config[keyword]."""
    value = next((kw.value for kw in call.keywords if kw.arg == config.get("keyword")), None)
    if value is None or _is_none(value):
        return None, None
    if isinstance(value, ast.Name) and value.id in assigned:
        value = assigned[value.id]
    if isinstance(value, ast.Call) and (_dotted(value.func, aliases) or "") in set(config.get("constructors", [])):
        return _keywords_set(value, list(config.get("timeout", []))), _keywords_set(value, list(config.get("retry", [])))
    seen = ast.unparse(value)[:40]   # built elsewhere (settings, a factory): not read, not counted against the call
    return f"config={seen} (not read)", f"config={seen} (not read)"


def python_client_calls(path: str, tree: ast.AST) -> list[ClientCall]:
    specs = [s for s in client_table()["python"] if not s.get("covered_by_rules")]
    aliases = _aliases(tree)
    if not aliases:
        return []
    by_call = {name: spec for spec in specs for name in spec.get("calls", [])}
    assigned: dict[str, ast.Call] | None = None
    out = []
    for node in nodes_of(tree, ast.Call):
        name = _dotted(node.func, aliases)
        spec = by_call.get(name or "")
        if spec is None:
            continue
        timeout = _keywords_set(node, list(spec.get("timeout", [])))
        position = spec.get("timeout_position")
        if timeout is None and position is not None and len(node.args) > position and not _is_none(node.args[position]):
            timeout = f"timeout (argument {position + 1})"
        retry = _keywords_set(node, list(spec.get("retry", [])))
        if spec.get("config"):
            if assigned is None:
                assigned = _assigned_calls(tree)
            c_timeout, c_retry = _config_settings(node, spec["config"], aliases, assigned)
            timeout, retry = timeout or c_timeout, retry or c_retry
        out.append(_call(spec, path, node.lineno, node.end_lineno or node.lineno, timeout, retry))
    return out


# ---- JavaScript / TypeScript ----------------------------------------------------------------------------

JS_BINDING = re.compile(
    r"""(?:const|let|var)\s+(?P<default>[\w$]+)\s*=\s*require\(\s*['"](?P<m1>[^'"]+)['"]\s*\)|"""
    r"""(?:const|let|var)\s+\{(?P<names>[^}]*)\}\s*=\s*require\(\s*['"](?P<m2>[^'"]+)['"]\s*\)|"""
    r"""import\s+(?:\*\s+as\s+)?(?P<idefault>[\w$]+)\s*(?:,\s*\{(?P<inames2>[^}]*)\})?\s*from\s*['"](?P<m3>[^'"]+)['"]|"""
    r"""import\s*\{(?P<inames>[^}]*)\}\s*from\s*['"](?P<m4>[^'"]+)['"]""")


def _names(text: str | None) -> list[str]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            out.append(re.split(r"\s+as\s+|\s*:\s*", part)[-1].strip())
    return out


def _js_bindings(text: str) -> list[tuple[str, list[str], list[str]]]:
    """(module, default bindings, named bindings) for each require/import."""
    out = []
    for m in JS_BINDING.finditer(text):
        module = m.group("m1") or m.group("m2") or m.group("m3") or m.group("m4")
        default = [b for b in (m.group("default"), m.group("idefault")) if b]
        named = _names(m.group("names")) + _names(m.group("inames")) + _names(m.group("inames2"))
        out.append((module, default, named))
    return out


def _call_text(text: str, open_at: int) -> tuple[str, int]:
    depth, i = 0, open_at
    while i < len(text) and i < open_at + 4000:
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        i += 1
        if depth == 0:
            break
    tail = re.match(r"(?:\s*\.\s*[\w$]+\s*\([^()]*\))*", text[i:i + 400])   # chained .timeout(5000).retry(2)
    end = i + (tail.end() if tail else 0)
    return text[open_at:end], end


def _js_patterns(spec: dict[str, Any], default: list[str], named: list[str], text: str = "") -> list[re.Pattern[str]]:
    out = []
    for call in spec.get("calls", []):
        if call.startswith("this."):   # a method the client class gives its subclasses: `class X extends Base`
            if any(re.search(rf"\bclass\s+[\w$]+\s+extends\s+{re.escape(b)}\b", text) for b in default + named):
                out.append(re.compile(rf"\bthis\.{re.escape(call[5:])}\s*\("))
        elif call == "":
            out += [re.compile(rf"(?<![\w$.]){re.escape(b)}\s*\(") for b in default + named if b not in ("require",)]
        elif call == "new ":
            out += [re.compile(rf"\bnew\s+{re.escape(b)}\s*\(") for b in default + named]
        elif call.startswith("new ") and call.endswith(".*"):
            out += [re.compile(rf"\bnew\s+{re.escape(b)}\.\w+\s*\(") for b in default]
        elif call.startswith("new ") and "*" in call:
            glob = call[4:]
            out += [re.compile(rf"\bnew\s+{re.escape(b)}\s*\(") for b in named if fnmatch.fnmatchcase(b, glob)]
        elif call.startswith("new "):
            out += [re.compile(rf"\bnew\s+{re.escape(b)}\s*\(") for b in named if b == call[4:]]
        else:
            out += [re.compile(rf"(?<![\w$]){re.escape(b)}\.{re.escape(call)}\s*\(") for b in default]
            out += [re.compile(rf"(?<![\w$.]){re.escape(call)}\s*\(") for b in named if b == call]
    return out


def _option_set(call_text: str, keys: list[str]) -> str | None:
    for key in keys:
        if key.startswith("."):
            if key in call_text:
                return key.rstrip("(") + "()"
        elif re.search(rf"(?<![\w$]){re.escape(key)}\s*:|[{{,]\s*{re.escape(key)}\s*[,}}]", call_text):
            return key
    return None


def javascript_client_calls(path: str, text: str) -> list[ClientCall]:
    if "require(" not in text and "import" not in text:
        return []
    out = []
    bindings = _js_bindings(text)
    for spec in client_table()["javascript"]:
        modules = spec.get("modules", [])
        for module, default, named in bindings:
            if not any(fnmatch.fnmatchcase(module, pattern) for pattern in modules):
                continue
            for pattern in _js_patterns(spec, default, named, text):
                for m in pattern.finditer(text):
                    call, end = _call_text(text, m.end() - 1)
                    line = line_of(text, m.start())
                    out.append(_call(spec, path, line, line_of(text, end), _option_set(call, spec.get("timeout", [])),
                                     _option_set(call, spec.get("retry", []))))
    unique = {(c.file, c.line): c for c in out}
    return sorted(unique.values(), key=lambda c: c.line)


# ---- Go -------------------------------------------------------------------------------------------------

GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:(\w+)\s+)?"([^"]+)"', re.M)
GO_FUNC = re.compile(r"^func\s", re.M)
STUB_CONSTRUCTOR = re.compile(r"^func\s+New(\w+Client)\s*\(\s*\w+\s+[\w.]*ClientConn(?:Interface)?\s*\)", re.M)
STUB_INTERFACE = re.compile(r"^type\s+(\w+Client)\s+interface\s*\{", re.M)
STUB_METHOD = re.compile(r"^\s+([A-Z]\w*)\s*\(\s*ctx\s+context\.Context\s*,", re.M)


@dataclass(frozen=True)
class GoStubs:
    """The gRPC clients generated in a repository: client interface names and their RPC method names."""
    clients: frozenset[str]
    methods: frozenset[str]


def go_stubs(generated: list[tuple[str, str]]) -> GoStubs:
    """Client interfaces of generated gRPC Go files (path, text): `type XClient interface { M(ctx, in, opts) }`
    for each X with a `NewXClient(cc grpc.ClientConnInterface)` constructor."""
    clients: set[str] = set()
    methods: set[str] = set()
    for _, text in generated:
        made = set(STUB_CONSTRUCTOR.findall(text))
        for m in STUB_INTERFACE.finditer(text):
            if m.group(1) not in made:
                continue
            close = text.find("\n}", m.end())
            clients.add(m.group(1))
            methods.update(STUB_METHOD.findall(text[m.end():close if close > 0 else len(text)]))
    return GoStubs(frozenset(clients), frozenset(methods))


def _go_aliases(text: str) -> dict[str, str]:
    head = text[:text.find("\nfunc ") if "\nfunc " in text else len(text)]
    out = {}
    for m in GO_IMPORT.finditer(head):
        path = m.group(2)
        name = m.group(1) or path.rstrip("/").split("/")[-1]
        out[name] = path
    return out


def _enclosing_function(text: str, pos: int) -> tuple[int, str]:
    start = max(text.rfind("\nfunc ", 0, pos), 0)
    nxt = GO_FUNC.search(text, pos)
    return start, text[start:nxt.start() if nxt else len(text)]


def _go_call_text(text: str, open_at: int) -> str:
    depth, i = 0, open_at
    while i < len(text) and i < open_at + 4000:
        depth += text[i] == "("
        depth -= text[i] == ")"
        i += 1
        if depth == 0:
            break
    return text[open_at:i]


def _dial_options_text(text: str, call: str, func_text: str) -> str:
    """The dial's arguments, plus the options it passes through a name: the statements of its function that
    assign that name, and the functions of the file that build `grpc.DialOption` values."""
    out = call
    for name in set(re.findall(r"\b([a-z]\w*)\s*(?:\.\.\.)?\s*[,)]", call)):
        out += "\n".join(line for line in func_text.splitlines() if re.search(rf"\b{name}\b.*(?::=|=)", line))
    for m in re.finditer(r"^func\s+\w+\s*\([^)]*\)\s*\(?\s*\[\]\s*\w+\.DialOption", text, re.M):
        out += "\n" + _enclosing_function(text, m.end())[1]
    return out


def _marker(text: str, markers: list[str]) -> str | None:
    for marker in markers:
        if marker in text:
            return marker.rstrip("(")
    return None


def go_client_calls(path: str, text: str, stubs: GoStubs, stub_timeout: str | None = None,
                    calls_judged: bool = False) -> list[ClientCall]:
    """Dials of the Go clients of rules/outbound_clients.yml, and the calls on generated gRPC clients (an RPC
    bounded when its context has a deadline set in the same function, or `stub_timeout`, a timeout interceptor
    set where the connection is dialled). `calls_judged`: the repository's RPC calls were found, so a
    non-blocking dial (no WithBlock, no timeout), where nothing waits, is left out: the calls are the waits."""
    aliases = _go_aliases(text)
    out = []
    for spec in client_table()["go"]:
        names = [a for a, p in aliases.items() if p in spec.get("packages", [])]
        for name in names:
            for m in re.finditer(rf"(?<![\w.]){re.escape(name)}\.({'|'.join(map(re.escape, spec.get('calls', [])))})\s*\(", text):
                call = _go_call_text(text, m.end() - 1)
                options = _dial_options_text(text, call, _enclosing_function(text, m.start())[1])
                line = line_of(text, m.start())
                timeout = _marker(options, spec.get("timeout", []))
                if timeout is None and calls_judged and "WithBlock" not in options:
                    continue   # a non-blocking dial: nothing waits here; each call is judged where it is made
                out.append(_call(spec, path, line, line + call.count("\n"), timeout,
                                 _marker(options, spec.get("retry", []))))
        if not spec.get("stubs") or not stubs.methods:
            continue
        typed = set(re.findall(rf"\b(\w+)\s+\*?\w+\.(?:{'|'.join(map(re.escape, sorted(stubs.clients)))})\b", text)) \
            if stubs.clients else set()
        typed |= set(re.findall(r"\b(\w+)\s*:?=\s*\w+\.New\w+Client\(", text))
        pattern = rf"([\w.]+)\.({'|'.join(map(re.escape, sorted(stubs.methods)))})\s*\(\s*(\w+)\s*,"
        for m in re.finditer(pattern, text):
            receiver = m.group(1).split(".")[-1]
            if receiver not in typed and not re.search(r"client|stub", receiver, re.I):
                continue
            start, func_text = _enclosing_function(text, m.start())
            before = func_text[:m.start() - start]
            deadline = next((marker for marker in spec.get("call_timeout", [])
                             if re.search(rf"\b{re.escape(m.group(3))}\s*,\s*\w+\s*:?=\s*{re.escape(marker)}\(", before)),
                            None)
            timeout = f"{deadline} on {m.group(3)}" if deadline else stub_timeout
            line = line_of(text, m.start())
            stub = {**spec, "client": f"{spec['client']} stub {m.group(2)}", "constructor": False}
            out.append(_call(stub, path, line, line, timeout, None))
    unique = {(c.file, c.line, c.client): c for c in out}
    return sorted(unique.values(), key=lambda c: c.line)
