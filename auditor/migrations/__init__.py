"""Migration systems: detection, parsing (without running anything) and the schema they produce."""
