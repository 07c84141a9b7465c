"""backend-auditor: scores a backend repository against the backend-engineer checklists."""

__version__ = "0.1.0"
