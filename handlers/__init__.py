"""Slack surfaces: one module per command or surface, each with a register(app, deps)."""
