"""Canonical JSON: the exact text the event chain hashes, stored as is.

The event document is kept as this text (not as a database JSON type, which may reorder keys
or respace it), so verification hashes the stored bytes without parsing them, and what the
API serves is parsed from the same bytes the hash covers.
"""

from __future__ import annotations

import json

import orjson
from django.db import models


def canonical_json(document) -> str:
    """Keys sorted, no spaces, UTF-8 characters kept: one text per JSON value."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_json(text: str):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # integers beyond 64 bits: the standard parser takes them
        return json.loads(text)


class CanonicalJSONField(models.TextField):
    """A JSON value in Python, its canonical text in the database."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else parse_json(value)

    def to_python(self, value):
        if value is None or isinstance(value, dict | list):
            return value
        return parse_json(value)

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return canonical_json(value)

    def value_to_string(self, obj):
        return canonical_json(self.value_from_object(obj))
