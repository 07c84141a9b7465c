"""REL-GRACEFUL-DEGRADATION: outbound calls fall back when they fail."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from auditor.astwalk import nodes_of, walk
from auditor.catalog import CatalogItem
from auditor.checks.shared.outbound import CLIENT_CONSTRUCTOR_RULE, missing_at, outbound_calls
from auditor.checks.shared.verdicts import cap, file_line
from auditor.context import AuditContext, Unavailable
from auditor.model import PRACTICE, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check
from auditor.text import closing_bracket, line_of


@dataclass(frozen=True)
class GuardedCall:
    call: Evidence
    fallback_line: int | None     # the except line that falls back, or None


def _handler_falls_back(handler: ast.ExceptHandler) -> bool:
    """The except block answers something instead of failing: returns or assigns a value, no raise."""
    has_raise = any(isinstance(n, ast.Raise) for n in walk(handler))
    if has_raise:
        return False
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in walk(handler))
    assigns = any(isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) for n in handler.body)
    return returns_value or assigns


def python_fallbacks(tree: ast.AST) -> list[tuple[int, int, int | None]]:
    """(first line, last line, fallback except line or None) of every try block."""
    out = []
    for node in nodes_of(tree, ast.Try):
        if node.body:
            first, last = node.body[0].lineno, max(getattr(n, "end_lineno", n.lineno) for n in node.body)
            fallback = next((h.lineno for h in node.handlers if _handler_falls_back(h)), None)
            out.append((first, last, fallback))
    return out


JS_TRY = re.compile(r"\btry\s*\{")
BLOCK_LIMIT = 20000   # characters a try or catch block is looked for in (braces in strings are counted)
JS_CATCH = re.compile(r"\s*catch\s*(\([^)]*\))?\s*\{")


def js_fallbacks(text: str) -> list[tuple[int, int, int | None]]:
    """Same as python_fallbacks for JavaScript, by brace matching (strings with braces may confuse it)."""
    out = []
    for m in JS_TRY.finditer(text):
        body_end = closing_bracket(text, m.end() - 1, limit=BLOCK_LIMIT)
        if body_end is None:
            continue
        catch = JS_CATCH.match(text, body_end + 1)
        if not catch:
            continue
        catch_end = closing_bracket(text, catch.end() - 1, limit=BLOCK_LIMIT)
        if catch_end is None:
            continue
        block = text[catch.end():catch_end]
        first = line_of(text, m.start())
        last = line_of(text, body_end)
        falls_back = (("return" in block or re.search(r"\b\w+\s*=[^=]", block) is not None)
                      and not re.search(r"\bthrow\b|next\(\s*\w+\s*\)", block))
        out.append((first, last, line_of(text, body_end) if falls_back else None))
    return out


def evaluate_graceful_degradation(item_id: str, guarded: list[GuardedCall],
                                  unanalysed: list[Finding]) -> ItemResult:
    if not guarded and not unanalysed:
        return ItemResult(item_id, "not_applicable", "no outbound call found, so there is no dependency to degrade around")
    if not guarded:
        raise Unavailable(f"outbound calls only in languages the fallback scan does not read "
                          f"({', '.join(sorted({f.file for f in unanalysed})[:5])})")
    with_fallback = [g for g in guarded if g.fallback_line]
    note = f" {len(unanalysed)} call(s) in other languages not analysed." if unanalysed else ""
    if with_fallback:
        # like REL-TIMEOUTS: each call is one place, so 1 of 7 calls with a fallback is partial, not pass
        good = [Evidence(g.call.file, g.fallback_line, "", rule_id="fallback-on-failure", engine="ast",
                         message=f"falls back when the call at line {g.call.line} fails", kind=PRACTICE)
                for g in with_fallback]
        bad = missing_at([g.call for g in guarded if not g.fallback_line], "no-fallback",
                          "no fallback when this call fails")
        return partial_result(item_id, len(with_fallback), len(guarded),
                              f"{len(with_fallback)} of {len(guarded)} outbound call(s) have a fallback when they fail "
                              f"(heuristic: an except/catch that returns or assigns a value instead of re-raising).{note}",
                              cap(bad + good), {"with_fallback": len(with_fallback), "calls": len(guarded),
                                                 "without_fallback": [file_line(g.call) for g in guarded if not g.fallback_line]})
    return ItemResult(item_id, "fail",
                      f"none of {len(guarded)} outbound call(s) has a fallback: looked for a try/except (catch) "
                      f"around the call that returns or assigns a default instead of re-raising (heuristic).{note}",
                      missing_at([g.call for g in guarded], "no-fallback", "no fallback when this call fails"),
                      details={"with_fallback": 0, "calls": len(guarded)})


CLIENT_CONSTRUCTOR = re.compile(r"\b(httpx\.(Async)?Client|requests\.Session|aiohttp\.ClientSession|axios\.create|"
                                r"boto3\.(client|resource)|http\.Client\s*\{)\s*[({]?")


def is_client_constructor(f: Finding) -> bool:
    """A client being built (`httpx.Client(timeout=...)`): no request is made there, so nothing can fail to
    fall back from. REL-TIMEOUTS counts it (its timeout bounds every call); graceful degradation does not."""
    return f.evidence.rule_id == CLIENT_CONSTRUCTOR_RULE or bool(CLIENT_CONSTRUCTOR.search(f.evidence.snippet or ""))


@check("REL-GRACEFUL-DEGRADATION")
def check_graceful_degradation(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    ctx.require_engines("semgrep")
    found = outbound_calls(ctx)
    calls = [f for f in found if not is_client_constructor(f)]
    clients = [f for f in found if is_client_constructor(f)]
    if clients and not calls:
        raise Unavailable(f"only client constructors found ({', '.join(file_line(f) for f in clients[:3])}); the calls "
                          "made through them are not traced, so whether they fall back cannot be judged")
    guarded: list[GuardedCall] = []
    unanalysed: list[Finding] = []
    blocks_by_file: dict[str, list[tuple[int, int, int | None]]] = {}
    for f in calls:
        if f.file not in blocks_by_file:
            if f.file.endswith((".py", ".pyi")):
                tree = ctx.repo.python_ast(f.file)
                blocks_by_file[f.file] = python_fallbacks(tree) if tree is not None else []
            elif f.file.endswith((".js", ".mjs", ".cjs", ".ts")):
                blocks_by_file[f.file] = js_fallbacks(ctx.repo.read_text(f.file) or "")
            else:
                unanalysed.append(f)
                continue
        fallback = next((fb for first, last, fb in blocks_by_file[f.file]
                         if fb and first <= (f.line or 0) <= last), None)
        guarded.append(GuardedCall(f.evidence, fallback))
    return evaluate_graceful_degradation(item.id, guarded, unanalysed)
