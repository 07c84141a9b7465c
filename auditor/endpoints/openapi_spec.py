"""An OpenAPI 3 / Swagger 2 document read as data: its operations, base path, security and schemas.

The document is loaded with `yaml.safe_load` (JSON with `json.loads`): no tag constructs an object, nothing
runs. A document that does not load, or is not an API description, raises `SpecError` with a one-line
reason. Only local `$ref`s (`#/components/...`, `#/definitions/...`) are followed, a few levels deep.

What this module says about a schema is what a validator holding it (Connexion's jsonschema) would enforce:
`constrains()` is False for a schema that accepts the empty object and any property (only types, nothing
required, no length, format, pattern, enum or range), since such a schema rejects nothing a handler reads.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_DEPTH = 8
MAX_SPEC_CHARS = 5_000_000
# keywords that make a schema reject a value of the right type
CONSTRAINT_KEYWORDS = frozenset({
    "required", "enum", "const", "pattern", "format", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
    "maxProperties", "propertyNames", "not"})
PAGINATION_PARAMS = frozenset({"limit", "offset", "page", "per_page", "page_size", "pagesize", "size", "cursor",
                               "after", "before", "start", "skip", "take", "max_results", "perpage"})


class SpecError(ValueError):
    """The document could not be read as an API description (the message is the one-line reason)."""


@dataclass
class Operation:
    path: str                      # as written under `paths`, relative to the base path
    method: str                    # lower case
    line: int                      # line of the method key in the document (0 when unknown)
    data: dict[str, Any]
    path_item: dict[str, Any]
    parameters: list[dict[str, Any]] = field(default_factory=list)   # path-level and operation-level, refs resolved


@dataclass
class Spec:
    path: str
    doc: dict[str, Any]

    @property
    def swagger2(self) -> bool:
        return str(self.doc.get("swagger", "")).startswith("2")

    def base_path(self) -> str:
        """Swagger 2 `basePath`; OpenAPI 3: the path part of the first server URL (its variables' defaults)."""
        if self.swagger2:
            base = self.doc.get("basePath")
            return base if isinstance(base, str) else ""
        servers = self.doc.get("servers")
        if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
            return ""
        url = servers[0].get("url")
        if not isinstance(url, str):
            return ""
        variables = servers[0].get("variables") if isinstance(servers[0].get("variables"), dict) else {}
        for name, var in variables.items():
            if isinstance(var, dict) and isinstance(var.get("default"), (str, int)):
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        return urlparse(url).path if "://" in url else url.split("?", 1)[0]

    def security_schemes(self) -> dict[str, dict[str, Any]]:
        found = self.doc.get("securityDefinitions") if self.swagger2 else \
            (self.doc.get("components") or {}).get("securitySchemes") if isinstance(self.doc.get("components"), dict) else None
        return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """A local `$ref` followed to its target (None when it points outside this document or nowhere)."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < MAX_REF_DEPTH:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return None
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target
            depth += 1
        return node

    def operations(self, lines: dict[tuple[str, str], int]) -> list[Operation]:
        paths = self.doc.get("paths")
        out = []
        for path, item in (paths.items() if isinstance(paths, dict) else []):
            item = self.resolve(item)
            if not isinstance(path, str) or not isinstance(item, dict):
                continue
            shared = [p for p in (self.resolve(p) for p in item.get("parameters") or []) if isinstance(p, dict)]
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                own = [p for p in (self.resolve(p) for p in op.get("parameters") or []) if isinstance(p, dict)]
                names = {(p.get("name"), p.get("in")) for p in own}
                params = own + [p for p in shared if (p.get("name"), p.get("in")) not in names]
                out.append(Operation(path, method, lines.get((path, method), 0), op, item, params))
        return out

    def body_schema(self, op: Operation) -> tuple[bool, Any]:
        """(the operation takes a body, its schema or None). OpenAPI 3 `requestBody.content.*.schema`; Swagger 2
        an `in: body` parameter's schema, or `in: formData` parameters (as one object schema)."""
        if self.swagger2:
            body = next((p for p in op.parameters if p.get("in") == "body"), None)
            if body is not None:
                return True, self.resolve(body.get("schema"))
            form = [p for p in op.parameters if p.get("in") == "formData"]
            if form:
                return True, {"type": "object", "properties": {str(p.get("name")): p for p in form},
                              **({"required": [p.get("name") for p in form if p.get("required")]}
                                 if any(p.get("required") for p in form) else {})}
            return False, None
        body = self.resolve(op.data.get("requestBody"))
        if not isinstance(body, dict):
            return False, None
        content = body.get("content")
        schemas = [self.resolve(c.get("schema")) for c in (content.values() if isinstance(content, dict) else [])
                   if isinstance(c, dict)]
        schemas = [s for s in schemas if isinstance(s, dict)]
        return True, (schemas[0] if schemas else None)

    def constrains(self, schema: Any, depth: int = 0, seen: set[int] | None = None) -> bool:
        """Does the schema reject some value of its own type: a required property, a bound, a format, a pattern,
        an enum, `additionalProperties: false`, or a property / item that does. A non-string scalar type
        (integer, number, boolean) rejects text, so it constrains too. Each schema object is read once (`seen`):
        YAML anchors can make a small document a very wide tree."""
        schema = self.resolve(schema)
        seen = set() if seen is None else seen
        if not isinstance(schema, dict) or depth > MAX_REF_DEPTH or id(schema) in seen:
            return False
        seen.add(id(schema))
        if any(schema.get(k) not in (None, [], {}) for k in CONSTRAINT_KEYWORDS - {"required"}):
            return True
        if isinstance(schema.get("required"), list) and schema["required"]:
            return True   # (a parameter's `required: true` says it must be present, not what it may hold)
        if schema.get("additionalProperties") is False:
            return True
        if schema.get("type") in ("integer", "number", "boolean"):
            return True
        for key in ("allOf", "anyOf", "oneOf"):
            if any(self.constrains(s, depth + 1, seen) for s in schema.get(key) or [] if isinstance(s, dict)):
                return True
        props = schema.get("properties")
        if isinstance(props, dict) and any(self.constrains(p, depth + 1, seen) for p in props.values()):
            return True
        return self.constrains(schema.get("items"), depth + 1, seen) if isinstance(schema.get("items"), dict) else False

    def parameter_schema(self, param: dict[str, Any]) -> dict[str, Any]:
        """The schema of a parameter: OpenAPI 3 `schema`, Swagger 2 the parameter itself (type, format, ...)."""
        schema = self.resolve(param.get("schema")) if "schema" in param else param
        return schema if isinstance(schema, dict) else {}

    def collection_response(self, op: Operation) -> bool:
        """The success response is a list: an array, or an object with an array property."""
        responses = op.data.get("responses")
        if not isinstance(responses, dict):
            return False
        for code in ("200", 200, "default"):
            resp = self.resolve(responses.get(code))
            if not isinstance(resp, dict):
                continue
            if self.swagger2:
                schemas = [self.resolve(resp.get("schema"))]
            else:
                content = resp.get("content")
                schemas = [self.resolve(c.get("schema")) for c in (content.values() if isinstance(content, dict) else [])
                           if isinstance(c, dict)]
            for schema in schemas:
                if not isinstance(schema, dict):
                    continue
                if schema.get("type") == "array":
                    return True
                props = schema.get("properties")
                if isinstance(props, dict) and any(isinstance(self.resolve(p), dict) and self.resolve(p).get("type") == "array"
                                                   for p in props.values()):
                    return True
            return False
        return False


def load_spec(path: str, text: str | None) -> tuple[Spec, dict[tuple[str, str], int]]:
    """The document and the line of each (path, method) key. Raises SpecError with the reason."""
    if text is None:
        raise SpecError(f"{path} could not be read")
    if len(text) > MAX_SPEC_CHARS:
        raise SpecError(f"{path} is larger than {MAX_SPEC_CHARS} characters")
    try:
        doc = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise SpecError(f"{path} does not parse ({first})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise SpecError(f"{path} is not an OpenAPI/Swagger document (no `paths` mapping)")
    return Spec(path, doc), _operation_lines(text)


_PATH_KEY = re.compile(r"""^(\s*)["']?(/[^"':]*)["']?\s*:""")
_METHOD_KEY = re.compile(r"""^(\s*)["']?(get|put|post|delete|options|head|patch|trace)["']?\s*:""", re.I)


def _operation_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each method key under each path key, read from the text by indentation (YAML, and JSON written
    one key a line); an operation not found keeps line 0."""
    out: dict[tuple[str, str], int] = {}
    current: tuple[str, int] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _PATH_KEY.match(line)
        if m:
            current = (m.group(2).strip(), len(m.group(1)))
            continue
        m = _METHOD_KEY.match(line)
        if m and current is not None and len(m.group(1)) > current[1]:
            out.setdefault((current[0], m.group(2).lower()), lineno)
    return out
