"""GraphQL APIs: the servers (where a schema is served, with what limits) and the operations as endpoints.

One HTTP route (`/graphql`) carries every operation, so judging that route alone says nothing about who may
run `deletePaste`. Each mutation and query field of the schema becomes an endpoint of its own (method POST
for a mutation, GET for a query, the path of the GraphQL route, handler `Mutation.<field>`), judged on its
resolver: authentication when the resolver (or a schema-wide guard) rejects a caller without an identity,
input validation when its arguments are typed by the schema (a JSON/GenericScalar argument is not), rate
limiting only by a per-operation limiter (an HTTP request limiter does not bound the operations that
aliases and batching put in one request).

Read without running anything: JavaScript/TypeScript (SDL in template literals or .graphql files, resolver
maps, graphql-js `GraphQLObjectType` field maps; Apollo Server, express-graphql, GraphQL Yoga) and Python
(graphene `ObjectType`/`Mutation` classes, strawberry `@strawberry.mutation`, ariadne `@mutation.field`).
`servers()` also reports, per server, the query depth or complexity limit and whether batching is on, which
API-RATE-LIMIT reads.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from auditor.endpoints.classify import RECORD_ARGUMENT
from auditor.endpoints.common import mark
from auditor.endpoints.jsparse import matching_paren
from auditor.endpoints.jsvalues import resolve
from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

JS = (".js", ".mjs", ".cjs", ".ts")
SERVER = re.compile(r"new\s+ApolloServer\s*\(|\b[Gg]raph[Qq][Ll]HTTP\s*\(|\bcreateYoga\s*\(|\bcreateHandler\s*\(\s*\{\s*schema|"
                    r"\bGraphQLView\b|\bGraphQLRouter\b|\bgraphql_app\b|\bGraphQL\s*\(\s*\w*schema|"
                    r"\bmercurius\b|\bmake_executable_schema\s*\(|\bgraphene\.Schema\s*\(")
COST_LIMIT = re.compile(r"depthLimit|depth_limit|DepthLimit|QueryDepthLimiter|createComplexityLimitRule|"
                        r"queryComplexity|QueryComplexity|costAnalysis|complexityLimit|MaxAliasesRule|maxAliases|"
                        r"max_depth|MaxTokensLimiter|max_aliases|validationRules\s*:\s*\[[^\]]*\w", re.I)
BATCHING = re.compile(r"\bbatch\s*=\s*True|allowBatchedHttpRequests\s*:\s*true|batching\s*:\s*true|\bbatch\s*:\s*true")
SDL_BLOCK = re.compile(r"(?:extend\s+)?type\s+(Mutation|Query)\s*\{")
SDL_FIELD = re.compile(r"^\s*(\w+)\s*(\([^)]*\))?\s*:[ \t]*(\[?[ \t]*\w+!?[ \t]*\]?!?)?", re.M)
JS_OBJECT_TYPE = re.compile(r"new\s+GraphQLObjectType\s*\(\s*\{\s*name\s*:\s*['\"`](\w*(?:Mutation|Query)\w*)['\"`]")
RESOLVER_MAP = re.compile(r"\b(Mutation|Query)\s*:\s*\{")
AUTH_CHECK = re.compile(r"context\.user\b|ctx\.user\b|context\.currentUser|info\.context\.user|\.session\.user|req\.user\b|"
                        r"isAuthenticated|AuthenticationError|ForbiddenError|@login_required|login_required\(|"
                        r"jwt_required|IsAuthenticated|requireAuth|requireUser|get_jwt_identity|current_user|"
                        r"if\s*\(\s*!\s*(?:user|context\.user|ctx\.user|me)\s*\)|permission_classes")
SCHEMA_GUARD = re.compile(r"\bshield\s*\(|applyMiddleware\s*\(\s*\w+\s*,\s*\w*[Pp]ermission|@auth\b|authDirective")
UNTYPED_ARG = re.compile(r":\s*(?:JSON|JSONObject|GraphQLJSON|GenericScalar|Any)\b|type\s*:\s*GraphQLJSON|"
                         r"graphene\.(?:JSONString|GenericScalar)|\bJSON\b\s*[,)]")
PER_OPERATION_LIMIT = re.compile(r"graphql-rate-limit|rateLimitDirective|@rateLimit|createRateLimitRule|"
                                 r"\bratelimit\(|@limiter\.limit|\bRateLimit\w*\(")
COOKIE_SESSION = re.compile(r"express-session|cookie-session|\breq\.session\b|aiohttp_session|from flask import[^\n]*\bsession\b")
UNVERIFIED_IDENTITY = re.compile(r"Buffer\.from\([^)]*authorization[^)]*,\s*['\"]base64['\"]|atob\([^)]*authorization|"
                                 r"\bjwt\.decode\(", re.I)


@dataclass
class Operation:
    kind: str            # mutation | query
    name: str
    file: str
    line: int
    args: str = ""       # the argument declarations as written
    resolver: str = ""   # the resolver's source text, when found
    returns: str = ""    # the declared result type as written (`[Post]`, `graphene.List(Post)`, `new GraphQLList(Post)`)
    guard: str = ""      # a decorator that authenticates the operation (type-graphql `@Authorized` with an authChecker)
    callees: str = ""    # the service methods the resolver calls on injected services, one level


@dataclass
class Server:
    file: str
    line: int
    snippet: str
    cost_limit: str | None = None
    batching: str | None = None
    mount: str = "/graphql"
    notes: list[str] = field(default_factory=list)
    introspection: bool = True      # the schema describes itself unless introspection is switched off
    builtin_health: bool = False    # apollo-server 2/3 started with listen() serves /.well-known/apollo/server-health


def _sources(repo: Repository) -> list[tuple[str, str]]:
    memo = repo.__dict__.get("_auditor_graphql_sources")
    if memo is None:
        memo = []
        for path in repo.paths():
            if TEST_FILE.search(path) or "node_modules/" in path or not path.endswith(JS + (".py", ".graphql", ".gql")):
                continue
            text = repo.read_text(path) or ""
            if "graphql" in text.lower() or "apollo" in text.lower() or "graphene" in text or "strawberry" in text or "ariadne" in text \
                    or path.endswith((".graphql", ".gql")) or "Mutation" in text:
                memo.append((path, text))
        repo.__dict__["_auditor_graphql_sources"] = memo
    return memo


def servers(repo: Repository) -> list[Server]:
    """Where a GraphQL schema is served, with its depth/complexity limit and batching setting."""
    out = []
    everything = "\n".join(text for _, text in _sources(repo))
    # searches of every source together: the same answer for each server found, so asked once
    anywhere = functools.cache(lambda pattern: pattern.search(everything))
    served_by_view = re.compile(r"GraphQLView|GraphQLRouter|GraphQL\s*\(")
    introspection_off = re.compile(r"introspection\s*[:=]\s*(?:false|False)|NoSchemaIntrospection|"
                                   r"DisableIntrospection|disable_introspection")
    for path, text in _sources(repo):
        if path.endswith((".graphql", ".gql")):
            continue
        for m in SERVER.finditer(text):
            if m.group(0).startswith(("graphene.Schema", "make_executable_schema")) and anywhere(served_by_view):
                continue   # the schema object; the view that serves it is the server
            line = line_of(text, m.start())
            near = text[max(0, m.start() - 200):m.start() + 1500]
            limit = COST_LIMIT.search(near) or anywhere(COST_LIMIT)
            batch = BATCHING.search(near)
            server = Server(path, line, text.splitlines()[line - 1].strip()[:160] if text else "",
                            limit.group(0) if limit else None, batch.group(0) if batch else None)
            mount = re.search(r"""(?:use|add_url_rule|add_route|mount|include_router)\s*\(\s*(?:['"]\*['"]\s*,\s*)?['"](/[^'"]*)['"]""",
                              text[max(0, m.start() - 300):m.start() + 50])
            dynamic = re.search(r"\.use\s*\(\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\s*,",
                                text[max(0, m.start() - 1500):m.start() + 50]) if not mount else None
            resolved = resolve(repo, path, dynamic.group(1)) if dynamic else None
            if mount:
                server.mount = mount.group(1)
            elif isinstance(resolved, str) and resolved.startswith("/"):
                server.mount = resolved      # a mount path read from the settings (`env.graphql.route`)
            elif "ApolloServer" in m.group(0) and re.search(r"\.listen\s*\(", text):
                server.mount = "/"
                server.builtin_health = bool(re.search(r"""require\(\s*['"]apollo-server['"]|from\s+['"]apollo-server['"]""", text))
            server.introspection = not anywhere(introspection_off)
            out.append(server)
            break
    return out


def operations(repo: Repository) -> list[Operation]:
    memo = repo.__dict__.get("_auditor_graphql_operations")
    if memo is None:
        memo = _js_operations(repo) + _type_graphql_operations(repo) + _python_operations(repo)
        seen = set()
        memo = [op for op in memo if (op.kind, op.name) not in seen and not seen.add((op.kind, op.name))]  # type: ignore[func-returns-value]
        repo.__dict__["_auditor_graphql_operations"] = memo
    return memo


def _block(text: str, open_at: int) -> str:
    close = closing_bracket(text, open_at, skip_strings=True)
    return text[open_at:close + 1] if close is not None else text[open_at:open_at + 2000]


def _js_operations(repo: Repository) -> list[Operation]:
    ops: list[Operation] = []
    sources = [(p, t) for p, t in _sources(repo) if p.endswith(JS + (".graphql", ".gql"))]
    resolvers: dict[tuple[str, str], str] = {}
    for path, text in sources:
        for m in RESOLVER_MAP.finditer(text):
            block = _block(text, m.end() - 1)
            for f in re.finditer(r"^\s*(?:async\s+)?(\w+)\s*(?::\s*(?:async\s*)?(?:function\s*)?\(|\()", block, re.M):
                body = _function_text(block, f)
                if body:
                    resolvers.setdefault((m.group(1).lower(), f.group(1)), body)
        for m in SDL_BLOCK.finditer(text):
            kind = m.group(1).lower()
            block = _block(text, m.end() - 1)
            for f in SDL_FIELD.finditer(block[1:-1]):
                ops.append(Operation(kind, f.group(1), path, line_of(text, m.start() + 1 + f.start(1)),
                                     f.group(2) or "", returns=(f.group(3) or "").strip()))
        for m in JS_OBJECT_TYPE.finditer(text):
            kind = "mutation" if "Mutation" in m.group(1) else "query"
            fields_at = text.find("fields", m.end())
            brace = text.find("{", fields_at)
            if fields_at < 0 or brace < 0:
                continue
            block = _block(text, brace)
            depth_one = re.finditer(r"^\s*(\w+)\s*:\s*(\w+)?\s*(\{)?", block[1:], re.M)
            for f in depth_one:
                if f.group(1) in ("type", "args", "resolve", "description"):
                    continue
                ref = f.group(2)
                body = ""
                if ref and not f.group(3):
                    body = _definition(sources, ref)
                elif f.group(3):
                    body = _block(block[1:], f.start(3))
                args = re.search(r"args\s*:\s*\{", body)
                declared = _block(body, args.end() - 1) if args else ""
                returns = re.search(r"\btype\s*:\s*([^,\n]+)", body.replace(declared, "") if declared else body)
                ops.append(Operation(kind, f.group(1), path, line_of(text, brace + 1 + f.start(1)),
                                     declared, body, returns.group(1).strip() if returns else ""))
    for op in ops:
        if not op.resolver:
            op.resolver = resolvers.get((op.kind, op.name), "")
    return ops


TYPE_GRAPHQL = re.compile(r"from\s+['\"]type-graphql['\"]|require\(\s*['\"]type-graphql['\"]\s*\)")
RETURNS = re.compile(r"=>\s*(\[?\s*[\w$]+\s*\]?)")


def _type_graphql_operations(repo: Repository) -> list[Operation]:
    """type-graphql resolver classes: `@Resolver()` classes whose `@Query(returns => [User])` and `@Mutation()`
    methods are the operations, their `@Arg`/`@Args` parameters the arguments; the resolver's text brings the
    service methods it calls (`this.userService.find()`). `@Authorized()` on the method or the class
    authenticates only when `buildSchema` is given an `authChecker` (without one, type-graphql refuses it)."""
    from auditor.endpoints import nestjs  # the decorator reader and injected-service lookup NestJS uses
    sources = [(p, t) for p, t in _sources(repo) if p.endswith(JS) and TYPE_GRAPHQL.search(t)]
    if not sources:
        return []
    checker = next(((p, line_of(t, m.start())) for p, t in _sources(repo)
                    for m in [re.search(r"\bauthChecker\s*:", t)] if m), None)
    project = nestjs._project(repo)
    ops: list[Operation] = []
    for path, _ in sources:
        f = project.files.get(path)
        for cls in f.classes if f else []:
            if not nestjs.named(cls.decorators, "Resolver"):
                continue
            nestjs.add_injected_modules(project, path, cls)
            for method in cls.methods:
                kinds = nestjs.named(method.decorators, "Query", "Mutation")
                if not kinds:
                    continue
                d = kinds[0]
                returns = RETURNS.search(d.args[0]) if d.args else None
                args = ", ".join(f"{p.name}: {p.type}" for p in method.params
                                 if any(x.name in ("Arg", "Args") for x in p.decorators))
                services = nestjs._service_methods(project, path, cls, method.text)
                op = Operation(d.name.lower(), method.name, path, d.line, args, method.text,
                               returns.group(1).replace(" ", "") if returns else "",
                               callees="\n".join(m.text for _, m in services))
                authorized = nestjs.named(method.decorators, "Authorized") or nestjs.named(cls.decorators, "Authorized")
                if authorized and checker:
                    op.guard = (f"@Authorized() at {path}:{authorized[0].line} with the schema's authChecker "
                                f"({checker[0]}:{checker[1]})")
                ops.append(op)
    return ops


def _function_text(block: str, f: re.Match) -> str:
    """A resolver's text from its name to the end of its body (`{...}` or an arrow's expression line)."""
    if f.group(1) in ("if", "for", "while", "switch", "return", "catch", "function"):
        return ""
    params_end = matching_paren(block, f.end() - 1)
    if params_end < 0:
        return ""
    rest = block[params_end + 1:]
    arrow = re.match(r"\s*(?:=>)?\s*(\{)?", rest)
    if arrow and arrow.group(1):
        body = _block(block, params_end + 1 + arrow.start(1))
    else:   # an arrow's expression: up to the next sibling field or the end of the map
        end = re.search(r",\s*\n\s*\w+\s*[:(]|\n\s*\}", rest)
        body = rest[:end.start() if end else 300]
    return block[f.start():params_end + 1] + body


def _definition(sources: list[tuple[str, str]], name: str) -> str:
    for _, text in sources:
        m = re.search(rf"(?:const|let|var)\s+{re.escape(name)}\b[^=]*=\s*\{{", text)
        if m:
            return _block(text, m.end() - 1)
    return ""


def _python_operations(repo: Repository) -> list[Operation]:
    import ast
    ops: list[Operation] = []
    trees: list[tuple[str, ast.Module]] = []
    for path, text in _sources(repo):
        if not path.endswith(".py"):
            continue
        try:
            trees.append((path, ast.parse(text)))
        except SyntaxError:
            continue
    # mutation classes are often defined in one module and mounted (`add = AddMutation.Field()`) in another
    class_nodes = {path: [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)] for path, tree in trees}
    every_class = {n.name: n for path, _ in trees for n in class_nodes[path]}
    for path, tree in trees:
        classes = {n.name: n for n in class_nodes[path]}
        for cls in classes.values():
            bases = {ast.unparse(b) for b in cls.bases}
            decorators = {ast.unparse(d) for d in cls.decorator_list}
            # the root types, and the mixins a root `class Query(UserQuery, RoomsQuery)` is assembled from
            kind = "mutation" if "Mutation" in cls.name else "query" if re.match(r"\w*Query$|Query", cls.name) else ""
            if not kind:
                continue
            if any(b.endswith("ObjectType") for b in bases):          # graphene root type
                methods = {f.name: f for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
                for stmt in cls.body:
                    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                        name = stmt.targets[0].id
                        value = ast.unparse(stmt.value)
                        resolver, args = "", value
                        ref = re.match(r"(\w+)\.Field\(", value)
                        if ref and ref.group(1) in every_class:
                            target = every_class[ref.group(1)]
                            resolver = ast.unparse(target)
                            args = next((ast.unparse(c) for c in target.body if isinstance(c, ast.ClassDef)
                                         and c.name in ("Arguments", "Input")), "")
                        elif f"resolve_{name}" in methods:
                            resolver = ast.unparse(methods[f"resolve_{name}"])
                        ops.append(Operation(kind, name, path, stmt.lineno, args, resolver, value))
            elif any("strawberry.type" in d for d in decorators):      # strawberry
                for f in cls.body:
                    if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                            re.search(r"strawberry\.(mutation|field)", ast.unparse(d)) for d in f.decorator_list):
                        ops.append(Operation(kind, f.name, path, f.lineno, ast.unparse(f.args), ast.unparse(f),
                                             ast.unparse(f.returns) if f.returns else ""))
        for node in ast.walk(tree):                                     # ariadne: @mutation.field("name")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for d in node.decorator_list:
                    m = re.match(r"(\w+)\.field\(['\"](\w+)['\"]\)", ast.unparse(d))
                    if m and m.group(1).lower() in ("mutation", "query"):
                        ops.append(Operation(m.group(1).lower(), m.group(2), path, node.lineno, "", ast.unparse(node)))
    return ops


def endpoints(repo: Repository) -> list[Endpoint]:
    """The operations of the repository's GraphQL servers as endpoints, judged on their resolvers."""
    found = servers(repo)
    if not found:
        return []
    server = found[0]
    everything = "\n".join(text for _, text in _sources(repo))
    guard = SCHEMA_GUARD.search(everything)
    unverified = UNVERIFIED_IDENTITY.search(everything)
    cookie = COOKIE_SESSION.search(everything)
    out = []
    if server.builtin_health:
        ep = Endpoint("GET", "/.well-known/apollo/server-health", "apollo-server built-in health check", server.file,
                      server.line, "graphql")
        ep.csrf_applies = False
        ep.notes.append("input: reads no request data")
        out.append(ep)
    for op in operations(repo):
        method = "POST" if op.kind == "mutation" else "GET"
        ep = Endpoint(method, server.mount, f"{op.kind.capitalize()}.{op.name}", op.file, op.line, "graphql")
        check = AUTH_CHECK.search(op.resolver) or AUTH_CHECK.search(op.callees)
        if op.guard:
            mark(ep, "authenticated", True, op.guard)
        elif unverified and (check or guard):
            mark(ep, "authenticated", False, f"the identity comes from an unverified token (`{unverified.group(0)[:50]}`)")
        elif check:
            mark(ep, "authenticated", True, f"resolver checks `{check.group(0)}`")
        elif guard:
            mark(ep, "authenticated", True, f"schema-wide guard `{guard.group(0)}`")
        else:
            mark(ep, "authenticated", False, "the resolver checks no identity and no schema-wide guard applies")
        if PER_OPERATION_LIMIT.search(op.resolver) or PER_OPERATION_LIMIT.search(everything):
            mark(ep, "rate_limited", True, "per-operation rate limit")
        else:
            mark(ep, "rate_limited", False, "no per-operation limit (an HTTP request limiter does not bound the "
                                            "operations aliases and batching put in one request)")
        if method == "POST" and cookie:
            ep.csrf_applies = True
            mark(ep, "csrf_protected", False, f"cookie session ({cookie.group(0)}) and no CSRF token on /graphql")
        else:
            ep.csrf_applies = False
            ep.notes.append("csrf: not applicable, no cookie session")
        untyped = UNTYPED_ARG.search(op.args)
        if not op.args.strip() or op.args.strip() in ("()", "{}"):
            ep.notes.append("input: reads no request data")
        elif untyped:
            mark(ep, "input_validated", False, f"untyped argument `{untyped.group(0).strip(':, ')}`")
        else:
            mark(ep, "input_validated", True, "arguments typed by the GraphQL schema")
        if op.kind == "query":
            _mark_list(ep, op)
        _mark_record_access(ep, op)
        ep.notes.append("graphql operation")
        out.append(ep)
    return out


# a list field takes its page through one of these arguments (relay's first/after, limit/offset, page/size)
PAGING_ARG = re.compile(r"\b(first|last|after|before|limit|offset|page|page_?size|pageSize|per_?page|perPage|cursor|"
                        r"skip|take)\b\s*[:=]", re.I)
LIST_OF = re.compile(r"^\[\s*(\w+)|\bList\(\s*(?:graphene\.)?(?:NonNull\(\s*)?([\w.]+)|"
                     r"GraphQLList\(\s*(?:new\s+GraphQLNonNull\(\s*)?(\w+)|^(?:typing\.)?[Ll]ist\[\s*([\w.]+)")
CONNECTION = re.compile(r"Connection\b|ConnectionField\(")
SCALAR = re.compile(r"(?:graphene\.)?(?:String|Int|Float|Boolean|ID|JSONString|DateTime)|GraphQL(?:String|Int|Float|Boolean|ID)|"
                    r"str|int|float|bool")


def list_element(returns: str) -> str | None:
    """The element type of a list result (`[Post!]!`, `graphene.List(Post)`, `new GraphQLList(Post)`,
    `list[Post]`), or None when the field does not return a list."""
    m = LIST_OF.search(returns.strip())
    return next((g for g in m.groups() if g), None) if m else None


def _mark_list(ep: Endpoint, op: Operation) -> None:
    """A query field returning a list of objects is a list endpoint: paginated when it takes a page argument
    (or is a relay connection), unpaginated when it returns every row."""
    if CONNECTION.search(op.returns):
        mark(ep, "paginated", True, f"relay connection `{op.returns[:60]}`")
        return
    element = list_element(op.returns)
    if element is None or SCALAR.fullmatch(element):
        return
    paging = PAGING_ARG.search(op.args)
    if paging:
        mark(ep, "paginated", True, f"argument `{paging.group(1)}` of {ep.handler}")
    else:
        mark(ep, "paginated", False, f"{ep.handler} returns a list of {element} with no limit, first or cursor argument")


# an argument naming a record: `id`, `postId`, `room_id`, `ids`
ID_ARG = re.compile(r"(?<![\w.])(id|pk|uuid|ids|\w+_ids?|\w+Ids?)\b\s*[:=]")
# an argument naming the acting user: the caller's identity taken from what the caller sends
OWNER_ARG = re.compile(r"(?<![\w.])((?:owner|user|author|creator|account|sender)_?[iI]d)\b\s*[:=]")
# the resolver reads, changes or removes a record with the argument: an ORM call or a data-access helper
DATA_CALL = r"(?:find\w*|get\w*|select\w*|delete\w*|remove\w*|update\w*|destroy|fetch\w*|load|query|filter(?:_by)?|edit\w*)"
# resolvers that call an Apollo data source hand it the request context: the scoping is in the data source
DATA_SOURCE = re.compile(r"dataSources\.")
OWNERSHIP = re.compile(r"(?:context|ctx|info\.context|req|request)\.(?:user|currentUser|current_user|session\.user)\b[\w.]*\s*"
                       r"(?:===?|!==?)|(?:===?|!==?)\s*(?:context|ctx|info\.context|req|request)\.(?:user|currentUser)\b|"
                       r"\bcurrent_user\b|\bowner\w*\s*(?:===?|!==?)|has_perm|[Pp]ermission|is_admin|isAdmin|\brole\b|"
                       r"Forbidden|authorize|\.can\(")


def _mark_record_access(ep: Endpoint, op: Operation) -> None:
    """An operation that takes a record's id and reads, changes or deletes that record in its resolver is an
    object endpoint: authorized only when the resolver compares the record with the caller or checks a
    permission. A mutation that takes the acting user's id as an argument trusts the caller to say who it is."""
    if not op.resolver or DATA_SOURCE.search(op.resolver):
        return
    check = OWNERSHIP.search(op.resolver)
    owner = OWNER_ARG.search(op.args) if op.kind == "mutation" else None
    if owner and not check and re.search(rf"(?<!def )(?<![\w$.])(?!(?:async|function|def|mutate|resolve\w*|if|for|while)\b)"
                                         rf"[\w$.]+\s*\([^()]*\b{owner.group(1)}\b", op.resolver):
        # the resolver hands the caller-chosen user id to a call (a write, a lookup): not only declares it
        ep.notes.append(f"{RECORD_ARGUMENT} `{owner.group(1)}`")
        mark(ep, "authorized", False, f"the acting user's id `{owner.group(1)}` comes from the operation's arguments")
        return
    for arg in ID_ARG.finditer(op.args):
        name = arg.group(1)
        used = re.search(rf"\b{DATA_CALL}\s*\([^()]*\b(?:args\.)?{name}\b", op.resolver, re.I)
        if not used:
            continue
        ep.notes.append(f"{RECORD_ARGUMENT} `{name}`")
        if check:
            mark(ep, "authorized", True, f"resolver checks `{check.group(0).strip()}`")
        else:
            mark(ep, "authorized", False, f"the resolver passes `{name}` to `{used.group(0)[:60]}` with no owner or "
                                          "permission check")
        return


FETCH = re.compile(r"dataSources\.\w+\.\w+\(|\bdb\.\w+|\.findByPk\(|\.findAll\(|\.findOne\(|\.find\(|\bselect_\w+\(|"
                   r"\bselect\(|\.query\(|\.execute\(|\bfetch\(|\baxios\.|\.objects\.|\bsession\.\w+\(|\.get[A-Z]\w*\(")
LOADER = re.compile(r"\.load(?:Many|_many)?\(|[Ll]oader\b|DataLoader|dataloader")
ROOT_TYPES = re.compile(r"(Query|Mutation|Subscription)$")


@dataclass
class FieldResolver:
    """A resolver of a field on a non-root type: it runs once per parent object in a list."""
    type_name: str
    field: str
    file: str
    line: int
    fetch: str | None      # the data access it makes, when it makes one
    loader: str | None     # the DataLoader call batching it, when there is one


def field_resolvers(repo: Repository) -> list[FieldResolver]:
    """Resolvers of non-root object fields, for PERF-N-PLUS-1: each fetch there is one query per parent row
    unless a DataLoader batches it."""
    if not servers(repo):
        return []
    out: list[FieldResolver] = []
    for path, text in _sources(repo):
        if path.endswith(JS) and RESOLVER_MAP.search(text):
            for m in re.finditer(r"^\s*([A-Z]\w*)\s*:\s*\{", text, re.M):
                if ROOT_TYPES.search(m.group(1)):
                    continue
                block = _block(text, m.end() - 1)
                for f in re.finditer(r"^\s*(?:async\s+)?(\w+)\s*(?::\s*(?:async\s*)?(?:function\s*)?\(|\()", block, re.M):
                    body = _function_text(block, f)
                    if body:
                        _add(out, m.group(1), f.group(1), path, line_of(text, m.end() + f.start()), body)
        if path.endswith(JS):
            for m in re.finditer(r"new\s+GraphQLObjectType\s*\(\s*\{\s*name\s*:\s*['\"`](\w+)['\"`]", text):
                if ROOT_TYPES.search(m.group(1)):
                    continue
                block = _block(text, text.rfind("{", 0, m.end()))
                for r in re.finditer(r"(\w+)\s*:\s*\{[^{}]*?resolve\s*[:(]", block):
                    body = _block(block, block.find("{", r.start()))
                    named = re.search(r"resolve\s*:\s*(\w+)\s*[,}\n]", body)
                    if named:   # `resolve: resolveAuthor`: the named function's text
                        at = re.search(rf"function\s+{named.group(1)}\s*\(|(?:const|let)\s+{named.group(1)}\s*=", text)
                        if at:
                            brace = text.find("{", at.end())
                            body += _block(text, brace) if brace >= 0 else ""
                    _add(out, m.group(1), r.group(1), path, line_of(text, text.find(block) + r.start()), body)
        if path.endswith(".py") and ("graphene" in text or "strawberry" in text):
            import ast
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                if ROOT_TYPES.search(cls.name) or not any("ObjectType" in ast.unparse(b) or "strawberry.type" in ast.unparse(b)
                                                          for b in cls.bases + cls.decorator_list):
                    continue
                for fn in cls.body:
                    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name.startswith("resolve_"):
                        _add(out, cls.name, fn.name[len("resolve_"):], path, fn.lineno, ast.unparse(fn))
    return out + _type_graphql_field_resolvers(repo) + lazy_relationship_fields(repo)


def _type_graphql_field_resolvers(repo: Repository) -> list[FieldResolver]:
    """type-graphql: the `@FieldResolver()` methods of a `@Resolver(of => User)` class resolve a field of User
    once per User; read with the service methods they call, one level."""
    from auditor.endpoints import nestjs
    out: list[FieldResolver] = []
    project = nestjs._project(repo)
    for path, text in _sources(repo):
        f = project.files.get(path) if path.endswith(JS) and TYPE_GRAPHQL.search(text) else None
        for cls in f.classes if f else []:
            resolver = nestjs.named(cls.decorators, "Resolver")
            of = RETURNS.search(resolver[0].args[0]) if resolver and resolver[0].args else None
            if not of:
                continue
            nestjs.add_injected_modules(project, path, cls)
            for method in cls.methods:
                field_ = nestjs.named(method.decorators, "FieldResolver")
                if field_:
                    services = nestjs._service_methods(project, path, cls, method.text)
                    _add(out, of.group(1).strip("[] "), method.name, path, field_[0].line,
                         "\n".join([method.text] + [m.text for _, m in services]))
    return out


EAGER_LOADING = {"joined", "selectin", "subquery", "immediate", "raise", "noload"}


def lazy_relationship_fields(repo: Repository) -> list[FieldResolver]:
    """graphene-sqlalchemy: an `SQLAlchemyObjectType` exposes its model's relationships as fields, each loaded
    lazily (one query per parent row) unless the relationship is declared eager or the type batches
    (`batching = True`). Reported for the types a query field returns as a list."""
    import ast
    listed = {list_element(op.returns) for op in operations(repo) if op.kind == "query"}
    listed |= {m.group(1) for op in operations(repo) for m in re.finditer(r"ConnectionField\(\s*(\w+)", op.returns)}
    types: dict[str, tuple[str, bool, set[str]]] = {}    # model -> (object type, batched, excluded fields)
    for path, text in _sources(repo):
        if not path.endswith(".py") or "SQLAlchemyObjectType" not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            if cls.name not in listed or not any(ast.unparse(b).endswith("SQLAlchemyObjectType") for b in cls.bases):
                continue
            meta = next((c for c in cls.body if isinstance(c, ast.ClassDef) and c.name == "Meta"), None)
            settings = {t.id: st.value for st in (meta.body if meta else []) if isinstance(st, ast.Assign)
                        for t in st.targets if isinstance(t, ast.Name)}
            model = settings.get("model")
            if not isinstance(model, ast.Name):
                continue
            batched = isinstance(settings.get("batching"), ast.Constant) and settings["batching"].value is True
            excluded = {c.value for key in ("exclude_fields", "exclude") if key in settings
                        for c in ast.walk(settings[key]) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
            types[model.id] = (cls.name, batched, excluded)
    if not types:
        return []
    out: list[FieldResolver] = []
    for path in repo.paths("python"):
        if TEST_FILE.search(path):
            continue
        text = repo.read_text(path) or ""
        if "relationship(" not in text or not any(f"class {m}" in text for m in types):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name in types):
            type_name, batched, excluded = types[cls.name]
            for st in cls.body:
                target = st.targets[0] if isinstance(st, ast.Assign) else st.target if isinstance(st, ast.AnnAssign) else None
                value = getattr(st, "value", None)
                if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)
                        and ast.unparse(value.func).endswith("relationship")):
                    continue
                name = target.id
                lazy = next((k.value.value for k in value.keywords if k.arg == "lazy" and isinstance(k.value, ast.Constant)),
                            "select")
                if name in excluded or lazy in EAGER_LOADING:
                    continue
                out.append(FieldResolver(type_name, name, path, st.lineno,
                                         f"the lazy SQLAlchemy relationship {cls.name}.{name}",
                                         "graphene-sqlalchemy batching" if batched else None))
    return out


def _add(out: list[FieldResolver], type_name: str, name: str, path: str, line: int, body: str) -> None:
    if name in ("type", "args", "description", "resolve", "name", "fields"):
        return
    fetch = FETCH.search(body)
    loader = LOADER.search(body)
    out.append(FieldResolver(type_name, name, path, line, fetch.group(0) if fetch else None,
                             loader.group(0) if loader else None))
