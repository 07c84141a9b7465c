"""SEC-DATA-AT-REST: tokens stored hashed, personal identifiers encrypted ("Encryption of sensitive data
(at rest and in transit)"; transit is SEC-HTTPS).

The columns come from the schema readers already run for the audit: ORM models (SQLAlchemy, SQLModel,
Django; the "orm_models" collector) and, for tables no model declares, the schema the migrations build
(Knex, Alembic, Django, SQL files; the "migrations" collector). Mongoose and Sequelize string fields are
read from the model files' text. A column is sensitive when its name says API key, access/refresh/reset
token, secret, TOTP/OTP seed, card number, IBAN, SSN, national or tax id, passport number; it is protected
when its name says hashed/digest/encrypted, its declaration uses an encrypted or hashed type, or the code
assigns it from a hash or encryption call (hashlib, hmac, bcrypt, Fernet, createHash, encrypt()). Passwords
are SEC-CRYPTO's question and are not counted by name alone, except:
- the one a framework stores hashed by construction: the `password` column a Django model inherits from
  AbstractBaseUser/AbstractUser (set_password keeps only a salted hash there), a secret column stored hashed;
- password columns of an application that shows it keeps passwords as given (SEC-CRYPTO's evidence: compared
  with what the user sent, in SQL or in code, or stored from a request with no hasher): a secret in clear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.catalog import CatalogItem
from auditor.checks.shared.passwords import passwords_kept_in_clear
from auditor.collectors.migrations import MIGRATIONS
from auditor.collectors.orm_models import ORM_MODELS
from auditor.context import AuditContext, Key, Unavailable
from auditor.inventory import TEST_FILE
from auditor.model import PRACTICE, VIOLATION, Evidence, Finding, ItemResult, partial_result
from auditor.registry import check, collector

ITEM = "SEC-DATA-AT-REST"
SENSITIVE = re.compile(r"(^|_)(api_?key|access_?token|refresh_?token|reset_?token|auth_?token|session_?token|"
                       r"verification_?token|confirm(ation)?_?token|invite_?token|token|secret|client_secret|"
                       r"otp_?(secret|seed|key)|totp_?(secret|seed|key)?|mfa_?secret|card_?(number|num|no)|cc_?(number|num|no)|ccn|"
                       r"credit_?card(_?(number|num|no))?|pan|iban|"
                       r"ssn|social_security(_number)?|national_?id(_number)?|tax_?id|passport_?(number|no))($|_)")
NOT_THE_VALUE = re.compile(r"hash|digest|encrypt|cipher|hmac|fingerprint|last_?4|prefix|expire|expiry|(_at|_id|_type|"
                           r"_count|_url|_name|_ttl|_len|_length|_version)$|^(is|has)_")
PROTECTED_TYPE = re.compile(r"(?i)encrypt|fernet|hashed|\bhash|cryptography|pgcrypto|sealed")
PROTECTING_CALL = r"(hashlib\.|hmac\.|make_password|generate_password_hash|bcrypt|argon2|sha256|fernet|encrypt\(|" \
                  r"createHash\(|createHmac\(|\.hash\()"
TRAILING_COMMENT = re.compile(r"\s(?:#|//)")
JS_STRING_FIELD = re.compile(r"^\s*(\w+)\s*:\s*(?:String\b|\{\s*type\s*:\s*(?:String\b|(?:DataTypes|Sequelize)\.(?:STRING|TEXT)\b)|"
                             r"(?:DataTypes|Sequelize)\.(?:STRING|TEXT)\b)", re.M)


@dataclass(frozen=True)
class StoredField:
    table: str
    column: str
    file: str
    line: int | None
    declaration: str          # the declaring line's text


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def is_sensitive(column: str) -> bool:
    name = snake(column)
    return bool(SENSITIVE.search(name)) and not NOT_THE_VALUE.search(name) and name != "password"


DJANGO_USER_BASE = re.compile(r"\b(AbstractBaseUser|AbstractUser)\b")


def framework_hashed(field: StoredField) -> bool:
    """The password column a Django user model inherits from Django's abstract user (its declaration is the
    class statement naming the base)."""
    return field.column == "password" and bool(DJANGO_USER_BASE.search(field.declaration))


PASSWORD_COLUMN = re.compile(r"^(user_?)?(password|passwd|pwd)$")
JS_MODEL_DECLARATION = re.compile(r"Schema\s*(?:<[^>]*>)?\s*\(|\.define\(|\.init\(")


def is_password_column(column: str) -> bool:
    return bool(PASSWORD_COLUMN.match(snake(column)))


def js_model_fields(rel: str, text: str) -> list[StoredField]:
    """String fields of Mongoose schemas (`new Schema(...)`, `new mongoose.Schema<UserDocument>(...)`) and
    Sequelize models."""
    if not JS_MODEL_DECLARATION.search(text):
        return []
    lines = text.splitlines()
    out = []
    for m in JS_STRING_FIELD.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out.append(StoredField(rel.rsplit("/", 1)[-1].split(".")[0], m.group(1), rel, line, lines[line - 1].strip()))
    return out


JS_MODEL_FIELDS: Key[list[StoredField]] = Key("js_model_fields")
# files served to browsers as they are (snippets shown by the front end), not the server's models
CLIENT_ASSET = re.compile(r"(^|/)(static|public|assets)/")


@collector(JS_MODEL_FIELDS, serves=(ITEM,))
def collect_js_model_fields(ctx: AuditContext) -> list[StoredField]:
    out: list[StoredField] = []
    for f in ctx.repo.files:
        if f.language in ("javascript", "typescript") and not TEST_FILE.search(f.path) \
                and not CLIENT_ASSET.search(f.path):
            out += js_model_fields(f.path, ctx.repo.read_text(f.path) or "")
    return out


def protection(field: StoredField, assignments: str) -> str | None:
    """Why a sensitive field is not stored in clear, or None."""
    if PROTECTED_TYPE.search(TRAILING_COMMENT.split(field.declaration, 1)[0]):   # code, not a wish in a comment
        return "declared with an encrypted or hashed type"
    pattern = re.compile(rf"\.{re.escape(field.column)}\s*=[^=\n][^\n]*{PROTECTING_CALL}|"
                         rf"\b{re.escape(field.column)}\s*[=:][^=\n][^\n]*{PROTECTING_CALL}|"
                         rf"[\'\"]{re.escape(field.column)}[\'\"]\s*,[^\n]*{PROTECTING_CALL}")   # set('password', hash(..))
    m = pattern.search(assignments)
    if m:
        return "assigned from a hash or encryption call"
    return None


def evaluate_data_at_rest(item_id: str, fields: list[StoredField], protected: dict[tuple[str, str], str],
                          passwords_in_clear: list[Finding] = ()) -> ItemResult:
    """`passwords_in_clear`: SEC-CRYPTO's evidence that stored passwords are the passwords themselves; with it,
    every password column not hashed by construction is a secret stored in clear."""
    sensitive = [f for f in fields if is_sensitive(f.column) or framework_hashed(f)
                 or (passwords_in_clear and is_password_column(f.column))]
    if not sensitive:
        return ItemResult(item_id, "not_applicable",
                          f"Heuristic: none of the {len(fields)} stored column(s) or field(s) holds a token, secret, "
                          "TOTP seed, card number or national identifier by its name.")
    good = [f for f in sensitive if (f.table, f.column) in protected]
    bad = [f for f in sensitive if (f.table, f.column) not in protected]
    shown = passwords_in_clear[0] if passwords_in_clear else None
    evidence = [Evidence(f.file, f.line, f.declaration, rule_id="sensitive-field-in-clear", engine="ast",
                         message=(f"{f.table}.{f.column} holds passwords as given ({shown.file}:{shown.line} "
                                  "compares or stores them unhashed)" if shown and is_password_column(f.column) else
                                  f"{f.table}.{f.column} stored in clear: hash tokens, encrypt personal identifiers"),
                         kind=VIOLATION) for f in bad[:25]]
    if shown and any(is_password_column(f.column) for f in bad):
        evidence.append(shown.evidence)
    evidence += [Evidence(f.file, f.line, f.declaration, rule_id="sensitive-field-protected", engine="ast",
                          message=f"{f.table}.{f.column} {protected[(f.table, f.column)]}", kind=PRACTICE) for f in good[:10]]
    return partial_result(item_id, len(good), len(sensitive),
                          f"Heuristic: {len(good)} of {len(sensitive)} sensitive column(s) (tokens, secrets, passwords kept as given, card or "
                          f"national identifiers) are hashed or encrypted; {len(bad)} are stored in clear.", evidence,
                          {"in_clear": [f"{f.table}.{f.column}" for f in bad],
                           "protected": [f"{f.table}.{f.column}" for f in good]})


@check("SEC-DATA-AT-REST")
def check_data_at_rest(ctx: AuditContext, item: CatalogItem) -> ItemResult:
    fields: list[StoredField] = []
    declared: set[str] = set()
    problems = []
    for key in (ORM_MODELS, MIGRATIONS):
        try:
            schema = ctx.get(ORM_MODELS).schema if key is ORM_MODELS else ctx.get(MIGRATIONS).final_schema
        except Unavailable as exc:
            problems.append(str(exc))
            continue
        for table in schema.tables.values():
            if table.name in declared:
                continue
            declared.add(table.name)
            for col in table.columns.values():
                line = col.line or table.line
                fields.append(StoredField(table.name, col.name, col.file or table.file, line,
                                          ctx.repo.snippet(col.file or table.file, line) if line else ""))
    fields += ctx.get(JS_MODEL_FIELDS)
    if not fields and problems:
        raise Unavailable("; ".join(problems))
    passwords_in_clear = passwords_kept_in_clear(ctx)
    judged = [f for f in fields if is_sensitive(f.column) or (passwords_in_clear and is_password_column(f.column))]
    sensitive_names = {f.column for f in judged}
    texts = []
    if sensitive_names:
        for rel in ctx.repo.paths():
            if rel.endswith((".py", ".js", ".ts", ".mjs")) and not TEST_FILE.search(rel):
                text = ctx.repo.read_text(rel) or ""
                if any(n in text for n in sensitive_names):
                    texts.append(text)
    assignments = "\n".join(texts)
    protected = {(f.table, f.column): why for f in judged for why in [protection(f, assignments)] if why}
    protected.update({(f.table, f.column): "holds a salted hash: Django's AbstractBaseUser stores passwords through "
                      "set_password" for f in fields if framework_hashed(f)})
    return evaluate_data_at_rest(item.id, fields, protected, passwords_in_clear)
