class AuditError(Exception):
    """Bad input or a path that cannot be audited: one line for the user, exit code 2."""


class ConfigError(AuditError):
    """A malformed config file: names the file and the key."""
