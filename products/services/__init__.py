"""Writes with rules: one module per area, each function one transaction."""
