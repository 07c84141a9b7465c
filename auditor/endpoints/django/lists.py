"""Shared by DRF and plain views: hand-written list handlers (paginated or whole-table) and @ratelimit."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import walk
from auditor.endpoints.common import where
from auditor.endpoints.django.model import View
from auditor.endpoints.pyast import dotted, last_name, source_text
from auditor.model import Endpoint

PAGINATOR_CALLS = ("paginate_queryset", "get_paginated_response", "paginate", "Paginator", "get_page", "page")
JSON_RESPONSES = ("JsonResponse", "Response", "JSONResponse")


def list_in_body(ep: Endpoint, fn, v: View) -> None:
    """A GET handler written by hand that returns a collection: it calls a paginator (paginated), or builds
    a JSON response from a whole queryset (`for u in M.objects.all()`, `many=True`, `list(qs)`: not paginated).
    Template pages that list objects are left alone (API-PAGINATION is about API lists)."""
    calls = [n for n in walk(fn) if isinstance(n, ast.Call)]
    names = {last_name(n.func) for n in calls}
    paginator = next((n for n in calls if last_name(n.func) in PAGINATOR_CALLS and
                      (last_name(n.func) not in ("page", "get_page") or "Paginator" in names)), None)
    pagination_class = v.cls is not None and any(
        isinstance(b, ast.ClassDef) and any((dotted(x) or "").endswith("Pagination") for x in b.bases) for b in v.cls.body)
    if paginator is not None:
        ep.paginated = True
        ep.protections.setdefault("paginated", []).append(
            f"{last_name(paginator.func)}() in {ep.handler}" + (" (view's own Pagination class)" if pagination_class else ""))
        return
    if not names & set(JSON_RESPONSES):
        return
    text = source_text(fn)
    whole = [n for n in calls if last_name(n.func) in ("all", "filter", "values", "values_list", "exclude", "order_by")
             and ".objects." in source_text(n) + "."]
    if not whole or re.search(r"\[\s*:?\s*\d+\s*\]|\.first\(\)|\.objects\.get\(|get_object_or_404|\.count\(\)|"
                              r"\.exists\(\)", text):
        return
    iterated = any(isinstance(n, (ast.For, ast.comprehension)) and any(m in walk(n.iter) for m in whole)
                   for n in walk(fn))
    if iterated or "many=True" in text or "safe=False" in text or re.search(r"\blist\(\s*\w+\.objects", text):
        ep.paginated = False


def ratelimit_decorator(v: View, fn) -> str | None:
    decs = list(fn.decorator_list) if fn is not None else []
    if v.cls is not None:
        decs += v.cls.decorator_list
    for d in decs:
        text = source_text(d)
        if "ratelimit" in text.lower():
            return f"@{text[:60]} at {where((v.cls_module or v.module).path, d.lineno)}"
    return None
