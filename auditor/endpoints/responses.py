"""JSON API routes and server-rendered HTML pages, told apart by what the handler answers."""
from __future__ import annotations

import re
from typing import Callable

from auditor.model import Endpoint

SourceOf = Callable[[Endpoint], str]


TEMPLATE_DECORATOR = re.compile(r"@(?:aiohttp_jinja2\.)?template\(\s*['\"][\w/.-]+\.(?:html|jinja2|j2)['\"]")
HTML_RESPONSE = re.compile(r"\brender_template(_string)?\(|\brender_to_response\(|\brender\(\s*request\b|"
                           r"\bTemplateResponse\(|\bres(ponse)?\.render\(|\bHTMLResponse\b|^\s*template_name\s*=|"
                           r"\bredirect\(|\bHttpResponseRedirect\(|\bres(ponse)?\.redirect\(", re.M)
JSON_RESPONSE = re.compile(r"\bjsonify\(|\bJsonResponse\(|\bJSONResponse\(|\bres(ponse)?\.(json|jsonp)\(|"
                           r"\bjson\.dumps\(|application/json|\bresponse_model\s*=|\bSerializer\b|\bserializer\b|"
                           r"^\s*return\s+[\[{]|\bres(ponse)?\.send\(\s*[\[{]|\bc\.JSON\(|\bjson\.NewEncoder\(", re.M)


def response_kind(ep: Endpoint, source: str) -> str:
    """'html' for a server-rendered page (renders a template or redirects, and answers no JSON), 'json' for an
    API route, 'unknown' when the handler text says neither. Only 'html' is left out of the API items."""
    if ep.framework in ("drf", "fastapi") and not re.search(r"\bHTMLResponse\b|TemplateResponse\(|RedirectResponse\(", source):
        return "json"
    if TEMPLATE_DECORATOR.search(source):
        return "html"   # aiohttp_jinja2's @template: the dict the handler returns is the template's context
    if JSON_RESPONSE.search(source):
        return "json"
    if HTML_RESPONSE.search(source):
        return "html"
    return "unknown"


def split_html_routes(endpoints: list[Endpoint], source_of: SourceOf) -> tuple[list[Endpoint], list[Endpoint]]:
    """(API routes, server-rendered HTML routes)."""
    api: list[Endpoint] = []
    html: list[Endpoint] = []
    for ep in endpoints:
        (html if response_kind(ep, source_of(ep)) == "html" else api).append(ep)
    return api, html
