"""Security checklist items, one module per item (issue 13 layout: auditor/checks/<category>/<item>.py)."""
