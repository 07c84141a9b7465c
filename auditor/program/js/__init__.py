"""The JavaScript/TypeScript program model (issue 14): tree-sitter parsing (parse), module resolution
(modules), definitions and call sites (symbols), call resolution (resolve), database effects as data
(effects, rules/js_effects.yml), summaries to a fixpoint (summaries), and the questions the checks ask of
them (transactions, loops)."""
from auditor.program.js.model import JsProgram, build_js_program

__all__ = ["JsProgram", "build_js_program"]
