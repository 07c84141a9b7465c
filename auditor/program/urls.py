"""Which part of an outbound URL request data can choose (SEC-SSRF).

SSRF is request data choosing where a call goes: its scheme, host or port. A URL built in the code is read
as a sequence of pieces (written text and inserted values, from f-strings, `.format`, `%` and `+`); request
data that first appears after the target is settled picks only a path, a query value or a fragment on a host
the code chose. The target is settled by written text `scheme://host` followed by `/`, `?` or `#`, or by a
value that is not request data (a base URL from configuration, a constant) followed by such a separator:
`f"{settings.API_URL}/items/{item_id}"`. Request data before that point (`"https://" + host`,
`base + user_path` with no separator, the whole URL) chooses the target. One exception: on a host written in
the code that is internal (loopback, a private address, a single-label or .internal/.local name), request data in
the path reaches any endpoint of that service (`../admin`), which the network boundary was meant to keep out
of reach; there only a query value or fragment is settled. Values passed as `params=`,
`json=`, `data=` or `headers=` are not the URL argument and never reach this question.
"""
from __future__ import annotations

import ast
import re
import string
from typing import Callable, Union

# a value that is not request data, inside the leading text
HOLE = "\x00"
Piece = Union[str, ast.expr]

# written scheme and authority, then a separator; or an untainted value (a base URL) then a separator that
# does not start a new authority (`base + "//" + host`) or a port (`base + ":" + port`)
SETTLED = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%]+|\x00[^/?#:]*)(?:[?#]|/(?!/))")


# a host only reachable from inside: loopback, private ranges, link-local (cloud metadata), a bare service name
INTERNAL_HOST = re.compile(
    r"^(?:[^@/]*@)?(?:localhost|127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|0\.0\.0\.0|\[|"
    r"[^.:/\x00]+(?::\d+)?$|[^:/\x00]*\.(?:internal|local|localdomain|svc|lan)(?::\d+)?$)", re.I)
AUTHORITY = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)")


def settled(leading: str) -> bool:
    """Whether the leading text of a URL (written text, HOLE for values that are not request data) fixes
    where the call goes, so that what follows cannot change it."""
    if not SETTLED.match(leading):
        return False
    authority = AUTHORITY.match(leading)
    if authority and INTERNAL_HOST.match(authority.group(1)):
        rest = leading[authority.end():]
        return "?" in rest or "#" in rest
    return True


def _format_pieces(template: str, call: ast.Call) -> list[Piece] | None:
    """The pieces of `"...".format(a, b, key=c)`; None when the template does not parse."""
    out: list[Piece] = []
    auto = 0
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, field, _, _ in parsed:
        if literal:
            out.append(literal)
        if field is None:
            continue
        head = re.split(r"[.\[]", field, 1)[0]
        value: ast.expr | None
        if head == "":
            value = call.args[auto] if auto < len(call.args) else None
            auto += 1
        elif head.isdigit():
            value = call.args[int(head)] if int(head) < len(call.args) else None
        else:
            value = keywords.get(head)
        if value is None or isinstance(value, ast.Starred) or any(kw.arg is None for kw in call.keywords):
            return out + [call]     # unknown filling: the whole call stands for it
        out.append(value)
    return out


def url_pieces(node: ast.expr) -> list[Piece]:
    """Written text and inserted values of a built string, in order; any other expression is one piece."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out: list[Piece] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                out.append(value.value)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return url_pieces(node.left) + url_pieces(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and \
            isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        text = node.left.value
        head, sep, _ = text.partition("%")
        return [head, node.right] if sep else [text]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" and \
            isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        pieces = _format_pieces(node.func.value.value, node)
        return pieces if pieces is not None else [node]
    return [node]


def target_fixed(node: ast.expr, tainted: Callable[[ast.expr], bool]) -> bool:
    """The URL's scheme, host and port are settled before any request data (`tainted`) appears in it."""
    leading = ""
    for piece in url_pieces(node):
        if isinstance(piece, str):
            leading += piece
            continue
        if settled(leading):
            return True
        if tainted(piece):
            return False
        leading += HOLE
    return True
