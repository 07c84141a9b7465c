"""Probes: small pure functions over raw data (file text, parsed ASTs) answering one question each.

They never run engines or touch the file system themselves; the checks feed them text from the
Repository, so they are tested on hand-built input.
"""
