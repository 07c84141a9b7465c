"""Whether a test reads or writes through a database: an ORM session or manager, a connection or a cursor,
an in-memory SQLite included. A test that does is an integration test whatever its fixtures are called."""
from __future__ import annotations

import ast
import re

from auditor.astwalk import nodes_of

# a connection opened in the test: sqlite3.connect(":memory:"), psycopg.connect(...), create_engine("sqlite://")
CONNECT_MODULES = {"sqlite3", "psycopg", "psycopg2", "pymysql", "MySQLdb", "asyncpg", "aiosqlite", "pymongo",
                   "motor", "redis", "duckdb", "mysql"}
CONNECT_CALLS = {"connect", "create_engine", "create_async_engine", "sessionmaker", "MongoClient", "create_pool",
                 "Session", "AsyncSession", "scoped_session"}
# what an ORM session, a connection or a cursor does
SESSION_METHODS = {"add", "add_all", "commit", "flush", "refresh", "execute", "executemany", "executescript",
                   "query", "scalars", "scalar", "get", "merge", "delete", "cursor", "fetchall", "fetchone",
                   "insert_one", "insert_many", "find_one", "find", "exec"}
SESSION_NAMES = re.compile(r"(?i)(^|_)(session|db|conn|connection|cursor|cur|engine|database|tx|uow)(_|$)|Session$")
# Django managers and Flask-SQLAlchemy queries
ORM_MANAGER = {"objects", "query"}
ORM_MANAGER_METHODS = {"create", "get", "filter", "all", "exclude", "count", "get_or_create", "update_or_create",
                       "bulk_create", "first", "filter_by", "delete", "exists", "save"}


def _receiver_name(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def python_database_touch(fn: ast.AST) -> str | None:
    """What in a test function reads or writes through a database, or None."""
    for call in nodes_of(fn, ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute):
            base = _receiver_name(func.value)
            if func.attr in CONNECT_CALLS and base in CONNECT_MODULES:
                arg = ast.unparse(call.args[0])[:30] if call.args else ""
                return f"opens a database connection ({base}.{func.attr}({arg}))"
            if func.attr in SESSION_METHODS and SESSION_NAMES.search(base or "") and not isinstance(func.value, ast.Call):
                return f"uses a database session or connection ({base}.{func.attr}())"
            inner = func.value
            if (func.attr in ORM_MANAGER_METHODS and isinstance(inner, ast.Attribute) and inner.attr in ORM_MANAGER
                    and isinstance(inner.value, ast.Name) and inner.value.id[:1].isupper()):
                return f"queries through the ORM ({inner.value.id}.{inner.attr}.{func.attr}())"
            if func.attr == "save" and not call.args and isinstance(func.value, ast.Name):
                continue   # obj.save() alone may be any object's
        elif isinstance(func, ast.Name) and func.id in ("create_engine", "create_async_engine", "sessionmaker"):
            return f"builds a database engine ({func.id}())"
    return None


JS_DATABASE = re.compile(
    r"\bmongoose\.connect\(|\bnew\s+Sequelize\(|\bsequelize\.sync\(|\bknex\(|\bnew\s+PrismaClient\(|\bprisma\.\w+\.\w+\(|"
    r"\bcreateConnection\(|\bnew\s+sqlite3\.Database\(|\bnew\s+Database\(\s*['\"]:memory:['\"]|\bnew\s+Pool\(|"
    r"\bMongoMemoryServer\b|\bDataSource\(|\bgetRepository\(|\b[A-Z]\w*\.(?:create|findOne|findAll|findById|"
    r"deleteMany|insertMany|bulkCreate|destroy|countDocuments)\(")


def javascript_database_touch(text: str) -> str | None:
    """What in a JS/TS test file reads or writes through a database (per file: its tests share the setup)."""
    m = JS_DATABASE.search(text)
    if m and m.group(0)[:1].isupper() and re.search(r"\bjest\.mock\(|\bsinon\.stub\(|\bproxyquire\b", text):
        return None   # Model.create(...) on a mocked model touches nothing
    return f"file uses the database ({m.group(0).strip()})" if m else None
