"""Protections recognised by what they do, not by what they are called.

A decorator, dependency, hook, middleware or base class is followed to its definition (in the repository,
through the imports of the module that uses it: `resolve.py`) and its body is read for the guards it
applies (`behaviour.py`): a branch that rejects the request when no identity is present (authentication),
when a role or permission check fails (authorisation), when a session or cookie token differs from a form
field or header (CSRF), when a per-key counter is exceeded with 429 (rate limiting), or a schema applied
to the request (input validation). Known libraries are data (`rules/protections.yml`, read by
`library.py`): a decorator imported from flask_login or flask_limiter needs no body to be understood.
"""
from __future__ import annotations

from auditor.endpoints.protections.behaviour import (
    AUTHENTICATION,
    AUTHORIZATION,
    CSRF,
    RATE_LIMIT,
    VALIDATION,
    Finding,
    classify_function,
)
from auditor.endpoints.protections.resolve import protections_of

__all__ = ["AUTHENTICATION", "AUTHORIZATION", "CSRF", "RATE_LIMIT", "VALIDATION", "Finding",
           "classify_function", "protections_of"]
