"""Report renderers: each takes the report dict (the JSON contract) and returns text."""
