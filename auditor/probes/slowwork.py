"""Slow work reached from a request handler: mail over SMTP, subprocesses, PDF rendering, called in the
handler itself or one level down in a function of the same repository (`send_email(...)` in a route, whose
body sends the message). Pure: works on parsed modules, never imports them.

A call is resolved through the module's imports (`import emails`, `from app.utils import send_email`,
`from . import utils`) to a dotted name; a dotted name that names a top-level function of a scanned module
is followed once. A helper that hands the work off (Thread(...).start(), executor.submit, .delay,
.enqueue, add_task) is not slow work: it returns at once.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from auditor.astwalk import nodes_of
from auditor.endpoints.pyast import import_aliases
from auditor.pyast import name_chain

# dotted call names that are slow by themselves
SLOW_CALLS: dict[str, str] = {
    "smtplib.SMTP": "opens an SMTP connection (smtplib)",
    "smtplib.SMTP_SSL": "opens an SMTP connection (smtplib)",
    "django.core.mail.send_mail": "sends mail (Django send_mail)",
    "django.core.mail.send_mass_mail": "sends mail (Django send_mass_mail)",
    "django.core.mail.mail_admins": "sends mail (Django mail_admins)",
    "django.core.mail.mail_managers": "sends mail (Django mail_managers)",
    "subprocess.run": "runs a subprocess", "subprocess.call": "runs a subprocess",
    "subprocess.check_call": "runs a subprocess", "subprocess.check_output": "runs a subprocess",
    "subprocess.Popen": "starts a subprocess", "os.system": "runs a shell command",
    "pdfkit.from_string": "renders a PDF (pdfkit)", "pdfkit.from_url": "renders a PDF (pdfkit)",
    "pdfkit.from_file": "renders a PDF (pdfkit)", "xhtml2pdf.pisa.CreatePDF": "renders a PDF (xhtml2pdf)",
}
# message/client constructors whose `.send(...)` / `.write_pdf(...)` in the same function is the slow part
SLOW_WHEN_SENT: dict[str, str] = {
    "emails.Message": "sends mail over SMTP (emails.Message.send)",
    "emails.message.Message": "sends mail over SMTP (emails.Message.send)",
    "emails.html": "sends mail over SMTP (emails.html(...).send)",
    "yagmail.SMTP": "sends mail over SMTP (yagmail)",
    "flask_mail.Message": "sends mail over SMTP (Flask-Mail Message + mail.send)",
    "flask_mail.Mail": "sends mail over SMTP (Flask-Mail)",
    "django.core.mail.EmailMessage": "sends mail (Django EmailMessage.send)",
    "django.core.mail.EmailMultiAlternatives": "sends mail (Django EmailMultiAlternatives.send)",
    "weasyprint.HTML": "renders a PDF (weasyprint write_pdf)",
}
SEND_METHODS = {"send", "send_message", "write_pdf"}
# calls that hand the work to another thread, process or queue
HANDOFF_METHODS = {"start", "submit", "delay", "apply_async", "enqueue", "enqueue_call", "add_task",
                   "send_task", "kiq", "enqueue_job", "run_in_executor", "to_thread"}
HANDOFF_CALLS = {"threading.Thread", "multiprocessing.Process", "asyncio.create_task", "asyncio.to_thread"}


@dataclass
class Module:
    path: str
    tree: ast.Module
    aliases: dict[str, str] = field(default_factory=dict)                   # local name -> dotted
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)


@dataclass(frozen=True)
class SlowWork:
    file: str            # the handler's file
    line: int            # the call in the handler
    handler: str
    what: str            # "sends mail over SMTP (emails.Message.send)"
    via: str = ""        # "send_email() at app/utils.py:33" when reached through a helper
    via_file: str = ""
    via_line: int = 0


def module_names(path: str) -> list[str]:
    """Every dotted name a file can be imported as: backend/app/utils.py -> backend.app.utils, app.utils, utils."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts))] if parts else []


def _package(path: str) -> list[str]:
    return path.split("/")[:-1]


def read_module(path: str, tree: ast.Module) -> Module:
    mod = Module(path, tree)
    mod.aliases.update(import_aliases(tree, _package(path)))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mod.functions[node.name] = node
    return mod


def dotted_call(mod: Module, func: ast.expr) -> str | None:
    """The callee's name chain with its first name read through the module's imports (None: not a chain)."""
    chain = name_chain(func)
    if chain is None:
        return None
    first, dot, rest = chain.partition(".")
    head = mod.aliases.get(first)
    return head + dot + rest if head is not None else chain


def _calls(fn: ast.AST) -> list[ast.Call]:
    """Calls in the function's own body (nested functions and classes are separate units)."""
    out = []
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda c: (c.lineno, c.col_offset))


def _hands_off(mod: Module, fn: ast.AST) -> bool:
    for call in _calls(fn):
        name = dotted_call(mod, call.func) or ""
        if name in HANDOFF_CALLS or name.rsplit(".", 1)[-1] == "Thread":
            return True
        if isinstance(call.func, ast.Attribute) and call.func.attr in HANDOFF_METHODS:
            return True
    return False


def slow_calls(mod: Module, fn: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each slow call made directly in `fn`."""
    calls = _calls(fn)
    sends = any(isinstance(c.func, ast.Attribute) and c.func.attr in SEND_METHODS for c in calls)
    out = []
    for call in calls:
        name = dotted_call(mod, call.func)
        if name in SLOW_CALLS:
            out.append((call.lineno, SLOW_CALLS[name]))
        elif name in SLOW_WHEN_SENT and sends:
            out.append((call.lineno, SLOW_WHEN_SENT[name]))
        elif isinstance(call.func, ast.Attribute) and call.func.attr in SEND_METHODS and isinstance(call.func.value, ast.Call):
            inner = dotted_call(mod, call.func.value.func)
            if inner in SLOW_WHEN_SENT:
                out.append((call.lineno, SLOW_WHEN_SENT[inner]))
    return list(dict.fromkeys(out))   # each (line, what) once, first occurrence first


class Project:
    """The scanned Python modules, indexed by every dotted name they can be imported as."""

    def __init__(self, modules: list[Module]):
        self.modules = {m.path: m for m in modules}
        self.by_name: dict[str, Module] = {}
        for m in modules:
            for name in module_names(m.path):
                self.by_name.setdefault(name, m)

    def function(self, mod: Module, call: ast.Call) -> tuple[Module, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        """The same-repository top-level function a call names, if any."""
        if isinstance(call.func, ast.Name) and call.func.id in mod.functions and call.func.id not in mod.aliases:
            return mod, mod.functions[call.func.id]
        name = dotted_call(mod, call.func)
        if not name or "." not in name:
            return None
        module_name, func = name.rsplit(".", 1)
        target = self.by_name.get(module_name)
        if target is not None and func in target.functions:
            return target, target.functions[func]
        return None


def find_handler(mod: Module, handler: str, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function named by an endpoint's handler ("view", "UserApi.post") nearest its line."""
    name = handler.rsplit(".", 1)[-1]
    owner = handler.rsplit(".", 1)[0] if "." in handler else None
    candidates = []
    if owner:
        for node in nodes_of(mod.tree, ast.ClassDef):
            if node.name == owner:
                candidates += [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                               and n.name == name]
    else:
        candidates = [n for n in nodes_of(mod.tree, (ast.FunctionDef, ast.AsyncFunctionDef)) if n.name == name]
    if not candidates:
        return None
    return min(candidates, key=lambda n: abs(n.lineno - line))


def slow_work_in_handler(project: Project, mod: Module, fn: ast.AST, handler: str) -> tuple[list[SlowWork], int]:
    """Slow work in the handler and in the same-repository functions it calls (one level).
    Returns the findings and how many helper functions were read."""
    out = [SlowWork(mod.path, line, handler, what) for line, what in slow_calls(mod, fn)]
    helpers = 0
    for call in _calls(fn):
        found = project.function(mod, call)
        if found is None or found[1] is fn:
            continue
        helper_mod, helper = found
        helpers += 1
        if _hands_off(helper_mod, helper):
            continue
        for line, what in slow_calls(helper_mod, helper)[:1]:
            out.append(SlowWork(mod.path, call.lineno, handler, what,
                                via=f"{helper.name}() at {helper_mod.path}:{line}",
                                via_file=helper_mod.path, via_line=line))
    return out, helpers


# thread/process/executor calls and the argument that names the function run off the request
HANDOFF_TARGETS: dict[str, tuple[str, int]] = {   # callee tail -> (keyword, position) of the function run
    "Thread": ("target", 1), "Process": ("target", 1), "Timer": ("function", 1),
    "submit": ("fn", 0), "to_thread": ("func", 0), "run_in_executor": ("func", 1), "apply_async": ("func", 0),
}


def _handoff_target(mod: Module, call: ast.Call) -> ast.expr | None:
    """The function a thread, process or executor call runs (`Thread(target=f)`, `executor.submit(f, ...)`)."""
    name = dotted_call(mod, call.func) or ""
    tail = name.rsplit(".", 1)[-1]
    if tail not in HANDOFF_TARGETS or (tail == "apply_async" and not name.endswith("pool.apply_async")
                                       and "Pool" not in name):
        return None
    keyword, position = HANDOFF_TARGETS[tail]
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _constructed(mod: Module, fn: ast.AST) -> list[str]:
    """The mail/PDF objects (SLOW_WHEN_SENT) the function builds, in order."""
    return [name for call in _calls(fn) if (name := dotted_call(mod, call.func) or "") in SLOW_WHEN_SENT]


def handed_off_work(project: Project, mod: Module, fn: ast.AST) -> list[tuple[int, str, str]]:
    """(line, what, how) for slow work `fn` starts on another thread or process: the target's own slow calls
    (`Thread(target=send_async_email, ...)` whose body calls `mail.send`), or a message `fn` builds and the
    target sends (`Thread(target=mail.send, args=(msg,))`, or a target that calls `.send(...)` on what it is given)."""
    out = []
    built = _constructed(mod, fn)
    for call in _calls(fn):
        target = _handoff_target(mod, call)
        if target is None:
            continue
        what = ""
        target_name = dotted_call(mod, target) or ""
        resolved = project.function(mod, ast.Call(func=target, args=[], keywords=[])) \
            if isinstance(target, (ast.Name, ast.Attribute)) else None
        if target_name in SLOW_CALLS:
            what = SLOW_CALLS[target_name]
        elif resolved is not None:
            tmod, tfn = resolved
            found = slow_calls(tmod, tfn)
            if found:
                what = found[0][1]
            elif built and any(isinstance(c.func, ast.Attribute) and c.func.attr in SEND_METHODS for c in _calls(tfn)):
                what = SLOW_WHEN_SENT[built[0]]
        elif built and isinstance(target, ast.Attribute) and target.attr in SEND_METHODS:
            what = SLOW_WHEN_SENT[built[0]]
        if what:
            out.append((call.lineno, what, f"{ast.unparse(call.func)}(... {ast.unparse(target)} ...)"))
    return out


def handed_off_in_handler(project: Project, mod: Module, fn: ast.AST, handler: str) -> list[SlowWork]:
    """Slow work the handler, or a same-repository function it calls (one level), starts on a background
    thread, process or executor: offloaded, the request does not wait for it."""
    out = [SlowWork(mod.path, line, handler, what, via=how) for line, what, how in handed_off_work(project, mod, fn)]
    for call in _calls(fn):
        found = project.function(mod, call)
        if found is None or found[1] is fn:
            continue
        helper_mod, helper = found
        for line, what, how in handed_off_work(project, helper_mod, helper)[:1]:
            out.append(SlowWork(mod.path, call.lineno, handler, what,
                                via=f"{helper.name}() at {helper_mod.path}:{line}, {how}",
                                via_file=helper_mod.path, via_line=line))
    return out
