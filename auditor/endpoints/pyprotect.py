"""What protects a Python handler, read from its decorators and body (shared by the Python extractors)."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of, walk
from auditor.endpoints.protections.behaviour import attached_to_request
from auditor.endpoints.pyast import dotted, last_name, source_text

AUTH_DECORATOR = re.compile(
    r"(^|_)(login_required|fresh_login_required|jwt_required|token_required|auth_required|requires_auth|"
    r"login_required|authenticated|require_login|require_auth|requires_login|staff_member_required|"
    r"superuser_required|permission_required|roles_required|roles_accepted|user_passes_test|"
    r"admin_required|verify_jwt_in_request|http_auth_required|basic_auth_required)$"
    r"|^(auth|basic_auth|token_auth|multi_auth|httpauth)\.login_required$", re.I)
# authentication a decorator declares optional: flask-jwt-extended 3 `@jwt_optional`, 4 `@jwt_required(optional=True)`
OPTIONAL_AUTH_DECORATOR = re.compile(r"(^|[._])(jwt_optional|optional_jwt|login_optional|auth_optional|optional_auth|"
                                     r"optional_login|token_optional)$", re.I)
OPTIONAL_ARGUMENT = (("optional", True), ("required", False), ("auto_error", False))


def declares_optional(call: ast.AST) -> bool:
    """A call that switches its authentication off for anonymous callers: `optional=True`, `required=False`,
    `auto_error=False`."""
    return isinstance(call, ast.Call) and any(
        kw.arg == key and isinstance(kw.value, ast.Constant) and kw.value.value is value
        for kw in call.keywords for key, value in OPTIONAL_ARGUMENT)


def optional_auth_decorator(dec: ast.AST) -> str | None:
    """`@jwt_optional` or `@jwt_required(optional=True)`: the route serves anonymous callers by design and reads
    the identity only when a token is sent. Returns the decorator's text."""
    name = dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
    if OPTIONAL_AUTH_DECORATOR.search(name) or (AUTH_DECORATOR.search(name) and declares_optional(dec)):
        return source_text(dec)[:60]
    return None


AUTHZ_DECORATOR = re.compile(
    r"(permission_required|roles_required|roles_accepted|user_passes_test|admin_required|"
    r"staff_member_required|superuser_required|requires_permission|requires_role|role_required|"
    r"has_permission|has_role|check_permission)", re.I)
RATE_LIMIT_DECORATOR = re.compile(r"(^|\.)(limit|ratelimit|rate_limit|shared_limit|throttle)$", re.I)
VALIDATION_DECORATOR = re.compile(
    r"(^|\.)(use_args|use_kwargs|validate|validate_json|expects_json|input|arguments|accepts|body|"
    r"validate_request|validate_querystring|marshal_with|doc_input|parse_args)$")

# how a handler names the caller: flask-login, Flask g, Django/DRF request.user, FastAPI dependencies
CURRENT_USER_EXPR = re.compile(
    r"^(current_user|g\.user|g\.current_user|request\.user|self\.request\.user|get_jwt_identity\(\)|"
    r"current_identity|flask_login\.current_user)")
QUERY_CALLS = frozenset({"execute", "filter", "filter_by", "where", "get", "get_or_404", "first_or_404", "all", "only",
                         "order_by", "values", "values_list",
                         "query", "select", "text", "raw", "exclude", "get_object_or_404", "scalars",
                         "scalar", "fetch", "fetchrow", "fetchval", "find", "find_one", "update",
                         "delete", "get_list_or_404", "one_or_none"})
ROLE_CHECK = re.compile(r"\.(is_admin|is_staff|is_superuser|role|roles|has_perm|has_perms|has_role|"
                        r"has_permission|can)\b|abort\(\s*403|HTTPException\(\s*status_code\s*=\s*(403|status\.HTTP_403)"
                        r"|PermissionDenied|Forbidden")
PAGINATION_PARAMS = frozenset({"limit", "offset", "page", "per_page", "page_size", "size", "cursor",
                               "after", "before", "start", "count", "max_results", "skip", "take"})


def decorator_names(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[tuple[str, ast.AST]]:
    return [(dotted(d) or "", d) for d in fn.decorator_list]


def user_refs(names: set[str] | None = None):
    """A predicate: does this expression name the current user (or one of the given user variables)?"""
    names = names or set()

    def is_user(node: ast.AST) -> bool:
        text = source_text(node)
        if CURRENT_USER_EXPR.match(text) or (isinstance(node, ast.Attribute) and attached_to_request(node)):
            return True
        return dotted(node) is not None and (dotted(node) or "").split(".")[0] in names
    return is_user


def ownership_filter(body: ast.AST, user_names: set[str] | None = None) -> str | None:
    """Source of the first query call filtered by the current user, e.g. `filter(owner=request.user)`."""
    is_user = user_refs(user_names)
    for call in nodes_of(body, ast.Call):
        if (call.func.attr if isinstance(call.func, ast.Attribute) else last_name(call.func)) not in QUERY_CALLS:
            continue
        for sub in walk(call):
            if sub is call.func:
                continue
            if isinstance(sub, (ast.Name, ast.Attribute)) and is_user(sub):
                return source_text(call)[:120]
    # an ORM expression kept in a variable: q = ...; q.filter(Item.owner_id == user.id)
    for cmp in nodes_of(body, ast.Compare):
        if any(isinstance(s, (ast.Name, ast.Attribute)) and is_user(s) for s in walk(cmp)) \
                and any(isinstance(s, ast.Attribute) and re.search(r"(owner|user|author|tenant|account)", s.attr)
                        for s in walk(cmp)):
            return source_text(cmp)[:120]
    return None


def role_check(body: ast.AST) -> str | None:
    text = source_text(body)
    m = ROLE_CHECK.search(text)
    return m.group(0) if m else None


def takes_any(fn: ast.AST, patterns: tuple[str, ...]) -> list[str]:
    """Dotted request accessors (e.g. 'request.form') used in the body."""
    found = []
    for node in walk(fn):
        name = dotted(node) if isinstance(node, (ast.Attribute, ast.Call)) else None
        if name and any(name == p or name.startswith(p + ".") for p in patterns):
            found.append(name)
    return found


def method_name(call: ast.Call) -> str:
    """The name a call invokes, also at the end of a chain: `q.order_by(x).limit(20)` -> "limit"."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else last_name(call.func)


def reads_pagination(fn: ast.AST) -> bool:
    """The handler reads a limit/offset/page parameter or paginates a query."""
    for node in walk(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PAGINATION_PARAMS:
            return True
        if isinstance(node, ast.Call) and method_name(node) in ("paginate", "paginate_queryset", "limit", "slice"):
            return True
        if isinstance(node, ast.arg) and node.arg in PAGINATION_PARAMS:
            return True
    return False


def validation_in_body(fn: ast.AST) -> str | None:
    """A schema applied to the request inside the handler: marshmallow load, WTForms validate, pydantic, serializers."""
    for call in nodes_of(fn, ast.Call):
        name = dotted(call.func) or ""
        last = name.rsplit(".", 1)[-1]
        if last in ("validate_on_submit", "is_valid", "model_validate", "parse_obj", "model_validate_json",
                    "parse_raw", "validate_python", "load", "loads_schema") and "." in name and \
                not name.startswith(("json.", "pickle.", "yaml.", "marshal.")):
            return source_text(call)[:120]
        if last == "validate" and "." in name and not name.startswith(("json", "jsonschema")) or \
                name in ("jsonschema.validate", "validate"):
            return source_text(call)[:120]
        if re.search(r"(Schema|Form|Model|Serializer|Request|Payload|In|Input|Body|Params)$", last) and \
                last[:1].isupper() and any(isinstance(a, ast.Starred) and "request" in source_text(a) for a in call.args) \
                or (last[:1].isupper() and any(kw.arg is None and "request" in source_text(kw.value)
                                                for kw in call.keywords)):
            return source_text(call)[:120]
        if re.search(r"(Form)$", last) and last[:1].isupper() and any("request" in source_text(a) for a in call.args):
            return source_text(call)[:120]
    return None


AUTH_CHECK_IN_BODY = re.compile(r"\.is_authenticated\b|\bis_anonymous\b|\blogin_required\b|verify_jwt_in_request\(")


def repo_auth_decorator(project, mod, decorator: ast.AST) -> str | None:
    """A decorator defined in the repository whose wrapper checks that the user is logged in
    (`if request.user.is_authenticated: return func(...)` / `redirect('login')`). Returns where it is defined."""
    name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
    if not name or project is None:
        return None
    found = project.resolve_function(mod, name)
    if found is None:
        return None
    text = ast.unparse(found[1])
    if AUTH_CHECK_IN_BODY.search(text):
        return f"@{name} (checks the login, defined at {found[0].path}:{found[1].lineno})"
    return None


ACTOR_KEYWORDS = ("author", "sender", "owner", "user", "created_by", "follower", "actor")
# a reaction the caller records about a record: the caller's own data, whoever owns the record
REACTION_VERB = re.compile(r"^(un)?(favou?rite|like|follow|bookmark|star|upvote|downvote|vote|subscribe|watch|"
                           r"react|pin|save_for_later|clap)s?$", re.I)


def _rooted(node: ast.AST, names: set[str]) -> bool:
    name = dotted(node)
    return name is not None and name.split(".")[0] in names


def acts_as_current_user(fn: ast.AST, user: str = "current_user") -> str | None:
    """The record named in the path is only the other party of an action the current user performs:
    `current_user.follow(user)`, `current_user.profile.follow(user.profile)`, `article.favourite(profile)` with
    `profile = current_user.profile` (a reaction), `Message(author=current_user, recipient=user)`. The caller
    cannot act on someone else's behalf there, so it is not an insecure direct object reference."""
    params = {a.arg for a in getattr(fn, "args", ast.arguments([], [], None, [], [], None, [])).args}
    derived = set(params)
    callers = {user}
    for node in walk(fn):   # names computed from the path parameters: user = db.first_or_404(... username ...)
        if isinstance(node, ast.Assign):
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if _rooted(node.value, callers):
                callers |= targets          # profile = current_user.profile
            elif {n.id for n in walk(node.value) if isinstance(n, ast.Name)} & params:
                derived |= targets
    for call in nodes_of(fn, ast.Call):
        if isinstance(call.func, ast.Attribute) and _rooted(call.func.value, callers) and \
                any(_rooted(a, derived) for a in call.args):
            return source_text(call)[:80]
        if isinstance(call.func, ast.Attribute) and REACTION_VERB.match(call.func.attr) and \
                _rooted(call.func.value, derived) and call.args and all(_rooted(a, callers) for a in call.args):
            return source_text(call)[:80]
        kws = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        if any(_rooted(kws[k], callers) for k in ACTOR_KEYWORDS if k in kws) and \
                any(isinstance(v, ast.Name) and v.id in derived for v in kws.values()):
            return source_text(call)[:80]
    return None


# the note a reader leaves on a write that creates a record under the addressed one with the caller as its author
# (`Comment(article, current_user.profile, body)`): safe when the addressed record is public (see
# authorize_children_of_public_reads)
CREATES_AS_CALLER = "creates a record as the caller"


def creates_as_caller(fn: ast.AST, user: str = "current_user") -> str | None:
    """A class constructed with the addressed record and the caller among its arguments:
    `Comment(article, current_user.profile, body)`."""
    params = {a.arg for a in getattr(fn, "args", ast.arguments([], [], None, [], [], None, [])).args}
    derived = set(params)
    for node in walk(fn):
        if isinstance(node, ast.Assign) and {n.id for n in walk(node.value) if isinstance(n, ast.Name)} & params:
            derived |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    for call in nodes_of(fn, ast.Call):
        if not last_name(call.func)[:1].isupper():
            continue
        values = list(call.args) + [kw.value for kw in call.keywords]
        if any(_rooted(v, {user}) for v in values) and any(_rooted(v, derived) for v in values):
            return source_text(call)[:80]
    return None


# calls that change or remove a stored record (FastCRUD, SQLAlchemy queries, Django managers, repositories)
WRITE_CALLS = frozenset({"update", "delete", "remove", "destroy", "patch", "soft_delete", "update_one",
                         "delete_one", "update_many", "delete_many", "edit", "modify", "db_delete"})


def parent_only_ownership(fn: ast.AST, path_params: list[str], user_names: set[str] | None = None) -> str | None:
    """An ownership check on one path parameter followed by a write of a record addressed by another one alone:
    `PATCH /{username}/post/{id}` compares the user found by `username` with the caller, then updates the post
    by `id`, with neither the checked user nor the caller in the write, so any caller reaches any post through
    their own name. None when there are fewer than two path parameters, no such check, a check on the written
    record itself, or every write is also filtered by the checked record or the caller."""
    if len(path_params) < 2:
        return None
    derived = {p: {p} for p in path_params}
    for node in walk(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            used = {n.id for n in walk(node.value) if isinstance(n, ast.Name)}
            for p in path_params:
                if used & derived[p]:
                    derived[p] |= {t.id for t in targets if isinstance(t, ast.Name)}
    is_user = user_refs(user_names)

    def mentions(node: ast.AST, names: set[str]) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in walk(node))

    def names_user(node: ast.AST) -> bool:
        return any(isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)) and is_user(n) for n in walk(node))

    checked: dict[str, str] = {}
    for cmp in nodes_of(fn, ast.Compare):
        operands = [cmp.left, *cmp.comparators]
        users = [o for o in operands if names_user(o)]
        for p in path_params:
            if users and any(o not in users and mentions(o, derived[p]) for o in operands):
                checked.setdefault(p, source_text(cmp)[:80])
    parents = [p for p in checked]
    for q in path_params:
        if q in checked or not parents:
            continue
        for call in nodes_of(fn, ast.Call):
            if last_name(call.func) not in WRITE_CALLS:
                continue
            values = list(call.args) + [kw.value for kw in call.keywords]
            if any(mentions(v, derived[q]) for v in values) and \
                    not any(mentions(v, derived[p]) for v in values for p in parents) and \
                    not any(names_user(v) for v in values):
                p = parents[0]
                return (f"checks only {p} against the caller (`{checked[p]}`), then `{source_text(call)[:80]}` "
                        f"addresses the record by {q} alone, without its owner")
    return None
