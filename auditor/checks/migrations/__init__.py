"""The migrations checklist: one module per item, named by its id (see ARCHITECTURE.md)."""
