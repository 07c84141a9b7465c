"""Secret detection: known credential formats and high-entropy values assigned to secret-like names.

`scan_text` / `scan_lines` return `SecretMatch`es that never hold the secret itself, only a redacted
preview (first 4 characters, the rest masked) and a fingerprint to compare occurrences.
"""
from auditor.secrets.patterns import is_placeholder, shannon_entropy
from auditor.secrets.scanner import SecretMatch, redact, redact_literals, scan_lines, scan_text

__all__ = ["SecretMatch", "is_placeholder", "redact", "redact_literals", "scan_lines", "scan_text",
           "shannon_entropy"]
