"""Collectors gather raw data once per audit (endpoints, migrations, models, git history)."""
