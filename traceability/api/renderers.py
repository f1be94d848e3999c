"""CSV export of every list endpoint (``?format=csv`` or ``Accept: text/csv``).

The export streams the whole filtered, scoped queryset in chunks rather than one page, so an
auditor gets every row with bounded memory. Columns come from the output serializer: nested
objects become dotted columns (``holder.name``), lists one cell. Cells that a spreadsheet would
run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        """Non-streamed data (a single object or an error): one header row and the rows."""
        rows = data.get("results", [data]) if isinstance(data, dict) else list(data or [])
        columns: list[str] = []
        flat_rows = [flatten(row) for row in rows]
        for row in flat_rows:
            columns.extend(key for key in row if key not in columns)
        return "".join(csv_lines([columns, *([row.get(c, "") for c in columns] for row in flat_rows)])).encode()


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def flatten(row, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in (row or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def serializer_columns(serializer: serializers.BaseSerializer, prefix: str = "") -> list[str]:
    """The dotted column names of a serializer's output, in field order."""
    columns: list[str] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.Serializer) and not isinstance(field, serializers.ListSerializer):
            columns.extend(serializer_columns(field, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


def stream_csv(queryset, serializer_factory, columns: list[str], *, chunk_size: int = 1000) -> Iterator[str]:
    """Yield CSV text for every row of ``queryset``, serialized ``chunk_size`` rows at a time."""
    yield "\ufeff"  # byte-order mark: spreadsheet programs then read the UTF-8 (Chinese names) right
    yield from csv_lines([columns])
    chunk: list = []
    for obj in queryset.iterator(chunk_size=chunk_size):
        chunk.append(obj)
        if len(chunk) >= chunk_size:
            yield from _chunk_lines(chunk, serializer_factory, columns)
            chunk = []
    if chunk:
        yield from _chunk_lines(chunk, serializer_factory, columns)


def pick(row: dict, column: str):
    """The value of a dotted column; a JSON field's object stays whole (one cell of JSON)."""
    value = row
    for part in column.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part, "")
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return "; ".join(str(v) for v in value)
    return value


def _chunk_lines(chunk: list, serializer_factory, columns: list[str]) -> Iterator[str]:
    data = serializer_factory(chunk).data
    yield from csv_lines([pick(row, c) for c in columns] for row in data)
