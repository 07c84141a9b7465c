"""PERF-CDN: static assets delivered through a CDN or an edge-cacheable setup ("CDN: Static asset delivery").

Read from settings, start-up code and server configuration (text and `ast`, with exact-word prefilters):
- where assets are served: Django staticfiles / STATIC_URL, a Flask app with a static folder holding
  assets, `express.static(...)`;
- what makes them edge-cacheable: STATIC_URL or an asset host on another origin (http(s)://, //cdn),
  django-storages/S3/GCS/CloudFront static storage, WhiteNoise with a hashed-name (manifest) storage,
  Flask's SEND_FILE_MAX_AGE_DEFAULT, Flask-CDN/Flask-S3, `express.static(dir, {maxAge, immutable})`,
  an nginx `location /static` with `expires` or Cache-Control;
- what does not: the framework's development handler with default headers (Django's `static()` url helper,
  a Flask static folder with no max-age, `express.static(dir)` without options).
A JSON API that serves no assets is not applicable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.catalog import CatalogItem
from auditor.context import AuditContext, Key
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, ItemResult, partial_result
from auditor.registry import check, collector

ITEM = "PERF-CDN"
ASSET_SUFFIXES = (".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2", ".webp", ".map")
STATIC_URL_REMOTE = re.compile(r"^\s*STATIC_URL\s*=\s*[fru]*['\"](https?:)?//", re.M)
STATIC_URL_ANY = re.compile(r"^\s*STATIC_URL\s*=", re.M)
STATICFILES_APP = re.compile(r"['\"]django\.contrib\.staticfiles['\"]")
REMOTE_STORAGE = re.compile(r"storages\.backends\.|S3Boto3Storage|S3StaticStorage|GoogleCloudStorage|AzureStorage|"
                            r"\bAWS_S3_CUSTOM_DOMAIN\b|\bCLOUDFRONT\w*\s*=")
HASHED_STORAGE = re.compile(r"ManifestStaticFilesStorage|CompressedManifestStaticFilesStorage|"
                            r"ManifestFilesMixin|WHITENOISE_MAX_AGE\s*=")
WHITENOISE = re.compile(r"whitenoise\.middleware\.WhiteNoiseMiddleware|\bWhiteNoise\(")
DJANGO_DEV_STATIC = re.compile(r"\+=?\s*static\(\s*settings\.STATIC_URL|staticfiles_urlpatterns\(\)")
FLASK_APP = re.compile(r"\bFlask\(\s*__name__")
FLASK_CACHED = re.compile(r"SEND_FILE_MAX_AGE_DEFAULT['\"]?\s*[\]=:]|\bget_send_file_max_age\b|"
                          r"^\s*(?:from|import)\s+flask_(?:cdn|s3)\b|\bCDN_DOMAIN\b", re.M)
EXPRESS_STATIC = re.compile(r"\bexpress\.static\(")
EXPRESS_CACHED = re.compile(r"\bmaxAge\s*:|\bimmutable\s*:\s*true|setHeaders\s*:")
NGINX_STATIC = re.compile(r"location\s+[~^=*\s]*/?(static|assets|public)\b[^{]*\{([^}]*)\}", re.S)
NGINX_CACHED = re.compile(r"\bexpires\b|Cache-Control", re.I)


@dataclass
class StaticDelivery:
    served: list[Evidence] = field(default_factory=list)     # where assets are served (surface)
    cached: list[Evidence] = field(default_factory=list)     # CDN or far-future cache set-ups (practice)
    uncached: list[Evidence] = field(default_factory=list)   # development handlers, default headers (violation)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _ev(path: str, text: str, offset: int, rule: str, message: str, kind: str) -> Evidence:
    line = _line(text, offset)
    return Evidence(path, line, text.splitlines()[line - 1].strip() if text else "", rule_id=rule, engine="ast",
                    message=message, kind=kind)


def django_static(path: str, text: str) -> StaticDelivery:
    """One settings or urls module: staticfiles, where STATIC_URL points, the storage, WhiteNoise."""
    out = StaticDelivery()
    if "STATIC" not in text and "static(" not in text and "storages" not in text:
        return out
    app = STATICFILES_APP.search(text)
    static_url = STATIC_URL_ANY.search(text)
    if app or static_url:
        m = static_url or app
        out.served.append(_ev(path, text, m.start(), "django-staticfiles", "Django serves static files", PRACTICE))
    remote = STATIC_URL_REMOTE.search(text) or REMOTE_STORAGE.search(text)
    if remote:
        out.cached.append(_ev(path, text, remote.start(), "static-on-cdn",
                              "static files on another origin (CDN or object storage)", PRACTICE))
    hashed, whitenoise = HASHED_STORAGE.search(text), WHITENOISE.search(text)
    if hashed and (whitenoise or "whitenoise" in text.lower()):
        out.cached.append(_ev(path, text, hashed.start(), "whitenoise-hashed",
                              "WhiteNoise with hashed file names: far-future cache headers", PRACTICE))
    elif whitenoise and not remote:
        out.uncached.append(_ev(path, text, whitenoise.start(), "whitenoise-without-manifest",
                                "WhiteNoise without a manifest (hashed-name) storage: files are cached for 60 s only",
                                VIOLATION))
    dev = DJANGO_DEV_STATIC.search(text)
    if dev:
        out.uncached.append(_ev(path, text, dev.start(), "django-development-static",
                                "Django's development static handler in the URL configuration", VIOLATION))
    return out


def flask_static(path: str, text: str, has_static_folder: bool, package_cached: list[Evidence]) -> StaticDelivery:
    out = StaticDelivery()
    app = FLASK_APP.search(text)
    if not app or not has_static_folder:
        return out
    out.served.append(_ev(path, text, app.start(), "flask-static-folder", "Flask serves its static folder", PRACTICE))
    if not package_cached:
        out.uncached.append(_ev(path, text, app.start(), "flask-static-no-max-age",
                                "Flask's static handler with no max-age (SEND_FILE_MAX_AGE_DEFAULT unset) and no CDN",
                                VIOLATION))
    return out


def express_static(path: str, text: str) -> StaticDelivery:
    out = StaticDelivery()
    for m in EXPRESS_STATIC.finditer(text):
        call = text[m.start():m.start() + 400]
        depth, end = 0, len(call)
        for i, ch in enumerate(call):
            depth += ch == "("
            depth -= ch == ")"
            if ch == ")" and depth == 0:
                end = i + 1
                break
        call = call[:end]
        out.served.append(_ev(path, text, m.start(), "express-static", "express.static serves assets", PRACTICE))
        if EXPRESS_CACHED.search(call):
            out.cached.append(_ev(path, text, m.start(), "express-static-cached",
                                  "express.static with maxAge/immutable cache headers", PRACTICE))
        else:
            out.uncached.append(_ev(path, text, m.start(), "express-static-default-headers",
                                    "express.static with default headers (max-age=0) and no CDN", VIOLATION))
    return out


def nginx_static(path: str, text: str) -> StaticDelivery:
    out = StaticDelivery()
    for m in NGINX_STATIC.finditer(text):
        if NGINX_CACHED.search(m.group(2)):
            out.cached.append(_ev(path, text, m.start(), "proxy-static-cached",
                                  "the reverse proxy serves static files with cache headers", PRACTICE))
    return out


def _merge(into: StaticDelivery, part: StaticDelivery) -> None:
    into.served += part.served
    into.cached += part.cached
    into.uncached += part.uncached


STATIC_DELIVERY: Key[StaticDelivery] = Key("static_delivery")


@collector(STATIC_DELIVERY, serves=(ITEM,))
def collect_static_delivery(ctx: AuditContext) -> StaticDelivery:
    repo = ctx.repo
    out = StaticDelivery()
    # the folders that hold a static/ folder with assets: a Flask app serves <its module's folder>/static
    static_parents = {f"/{p}".split("/static/", 1)[0].lstrip("/") for p in repo.paths()
                      if "/static/" in f"/{p}" and p.lower().endswith(ASSET_SUFFIXES) and not TEST_FILE.search(p)}
    # Django lists staticfiles by default (for its admin): it counts only when the project has assets of its own
    own_assets = bool(static_parents) or any(p.endswith(".html") and "/templates/" in f"/{p}" for p in repo.paths())
    flask_cached: list[Evidence] = []
    flask_modules: list[tuple[str, str]] = []
    for rel in repo.paths():
        if TEST_FILE.search(rel) or not rel.endswith((".py", ".js", ".mjs", ".cjs", ".ts", ".conf")):
            continue
        text = repo.read_text(rel) or ""
        if rel.endswith(".py"):
            if own_assets:
                _merge(out, django_static(rel, text))
            if FLASK_CACHED.search(text):
                m = FLASK_CACHED.search(text)
                flask_cached.append(_ev(rel, text, m.start(), "flask-static-max-age",
                                        "Flask static files with a max-age or a CDN extension", PRACTICE))
            if "Flask(" in text:
                flask_modules.append((rel, text))
        elif rel.endswith((".js", ".mjs", ".cjs", ".ts")) and "express.static" in text:
            _merge(out, express_static(rel, text))
        elif rel.endswith(".conf") and "location" in text:
            _merge(out, nginx_static(rel, text))
    for rel, text in flask_modules:
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        _merge(out, flask_static(rel, text, folder in static_parents, flask_cached))
    if any(e.rule_id == "flask-static-folder" for e in out.served):
        out.cached += flask_cached
    return out


def evaluate_cdn(item_id: str, facts: StaticDelivery) -> ItemResult:
    if not facts.served and not facts.cached:
        return ItemResult(item_id, "not_applicable",
                          "Heuristic: the application serves no static assets (no Django staticfiles, no Flask static "
                          "folder with assets, no express.static): a JSON API needs no CDN.")
    good, bad = facts.cached, facts.uncached
    evidence = bad + good + ([] if good or bad else facts.served[:5])
    if not good and not bad:
        return ItemResult(item_id, "fail",
                          "Heuristic: static assets are served (" + ", ".join(sorted({e.message for e in facts.served}))
                          + ") but no CDN, object storage, hashed-name storage or cache headers were found.",
                          evidence)
    total = len(good) + len(bad)
    rationale = (f"Heuristic: {len(good)} CDN or far-future cache set-up(s) for static assets; "
                 f"{len(bad)} place(s) serve them with default headers or the development handler.")
    return partial_result(item_id, len(good), total, rationale, evidence,
                          {"cached": [f"{e.file}:{e.line}" for e in good], "uncached": [f"{e.file}:{e.line}" for e in bad]})


@check("PERF-CDN")
def check_cdn(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    return evaluate_cdn(item.id, ctx.get(STATIC_DELIVERY))
