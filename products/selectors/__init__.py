"""Reads with joins, permissions or traversal for the products app."""
