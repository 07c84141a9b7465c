"""List endpoints generated from models by a REST generator (finale-rest, its predecessor epilogue), read as
text: `finale.resource({ model, endpoints: ['/api/Users', '/api/Users/:id'], pagination: false })` serves
GET on the first path as a list of every row when pagination is switched off. They are not in the route
inventory (no route call names them), so API-PAGINATION reads them here.
"""
from __future__ import annotations

import re

from auditor.inventory import TEST_FILE
from auditor.model import Endpoint
from auditor.repo import Repository
from auditor.text import closing_bracket, line_of

JS = (".js", ".mjs", ".cjs", ".ts")
RESOURCE = re.compile(r"\b(?:finale|epilogue|Finale|Epilogue)\s*\.\s*resource\s*\(\s*\{")
FIRST_PATH = re.compile(r"""endpoints\s*:\s*\[\s*(['"`])([^'"`]+)\1""")
NO_PAGINATION = re.compile(r"\bpagination\s*:\s*false\b")
# files under an asset folder are served to browsers as data (code samples, bundles), not run by the server
ASSET_FOLDER = re.compile(r"(^|/)(static|public|assets)/")


def generated_list_endpoints(repo: Repository) -> list[Endpoint]:
    """GET list endpoints of generated resources declared with pagination off (`paginated` False). Those that
    leave pagination on are not returned: their page size is the generator's, not read here."""
    out: list[Endpoint] = []
    for path in repo.paths():
        if not path.endswith(JS) or TEST_FILE.search(path) or "node_modules/" in path or ASSET_FOLDER.search(path):
            continue
        text = repo.read_text(path) or ""
        for m in RESOURCE.finditer(text):
            end = closing_bracket(text, m.end() - 1, skip_strings=True, limit=5000)
            block = text[m.end() - 1:end + 1 if end is not None else m.end() + 2000]
            first = FIRST_PATH.search(block)
            route = first.group(2) if first else "(generated resource)"
            off = NO_PAGINATION.search(block)
            if not off:
                continue
            ep = Endpoint("GET", route, "generated list resource", path, line_of(text, m.end() - 1 + off.start()), "finale")
            ep.paginated = False
            ep.notes.append("paginated: the generated list resource is declared with `pagination: false`")
            out.append(ep)
    return out
