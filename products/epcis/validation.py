"""Validation of EPCIS 2.0 JSON-LD input: GS1's JSON schema, then the platform's business rules.

Every problem is reported as ``(json_path, message)`` so the client sees exactly which member of
which event is wrong (RFC 7807 ``errors`` list). The schema is GS1's own file, vendored under
``schema/`` (see its README), compiled once by ``jsonschema_rs``.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import jsonschema_rs
from django.utils import timezone
from django.utils.translation import gettext as _

from .identifiers import QUANTITY_LISTS, canonicalize_event

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "EPCIS-JSON-Schema.json"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
# How far ahead of the server clock an eventTime may be (clock skew of the capturing device).
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
MAX_ERRORS = 100

Problem = tuple[str, str]


class EPCISValidationError(Exception):
    """Input that the platform rejects; ``errors`` lists ``(json_path, message)``."""

    def __init__(self, errors: list[Problem], title: str | None = None):
        self.errors = errors[:MAX_ERRORS]
        self.title = title or _("The EPCIS input is not valid")
        super().__init__("; ".join(f"{p}: {m}" for p, m in self.errors))


# RFC 3986 "scheme:rest", or a JSON-LD blank node ("_:document1", used by GS1's own examples).
_URI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|_:)\S*$")


_QUOTED = re.compile(r'^"(?:[^"\\]|\\.)*"')


def _is_uri(value: str) -> bool:
    return bool(_URI.match(value))


@lru_cache(maxsize=1)
def _schema_terms() -> frozenset[str]:
    """Every member name GS1's schema defines anywhere (``persistentDisposition``, ``id``, ...)."""
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        schema = json.load(fh)
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            names.update((node.get("properties") or {}).keys())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return frozenset(names)


@lru_cache(maxsize=1)
def _validator():
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        return jsonschema_rs.validator_for(json.load(fh), formats={"uri": _is_uri}, validate_formats=True)


def json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_json(body: bytes) -> object:
    """Decode a request body; a precise message (line, column) when it is not JSON."""
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise EPCISValidationError([("$", _("The body is not UTF-8: %(error)s") % {"error": exc})],
                                   title=_("Malformed JSON")) from exc
    except json.JSONDecodeError as exc:
        raise EPCISValidationError(
            [("$", _("Malformed JSON at line %(line)d, column %(col)d: %(msg)s")
              % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg})],
            title=_("Malformed JSON")) from exc


def _friendly(path_parts: list, message: str) -> str:
    last = path_parts[-1] if path_parts else ""
    if last in ("bizStep", "disposition"):
        return _("unknown %(field)s %(message)s: use a CBV 2.0 value or a URI") % {
            "field": last, "message": message.split(" is not ")[0]}
    return message


def schema_errors(document: object) -> list[Problem]:
    """Every place where ``document`` breaks GS1's EPCIS 2.0 JSON schema, deepest first per place."""
    errors: dict[str, str] = {}
    for error in _validator().iter_errors(document):
        parts = list(error.instance_path)
        if "propertyNames" in error.schema_path:
            # The schema lets a member name be an EPCIS term or a URI (an extension). A term the
            # schema defines for another event type (GS1's own examples put persistentDisposition
            # on an AggregationEvent) is let through; a bare unknown name is reported by name.
            quoted = _QUOTED.match(error.message)
            name = json.loads(quoted.group(0)) if quoted else ""
            if name in _schema_terms():
                continue
            parts = [*parts, name]
            errors.setdefault(json_path(parts), _("unknown member %(name)r: extension members need a namespace "
                                                  "prefix declared in @context (prefix:name)") % {"name": name})
            continue
        path = json_path(parts)
        # Keep the most specific message: a parent's "not valid under any schema" adds nothing
        # when a child of it has its own error.
        if any(other.startswith(path) and other != path for other in errors):
            continue
        for other in [o for o in errors if path.startswith(o) and o != path]:
            del errors[other]
        errors.setdefault(path, _friendly(parts, error.message))
        if len(errors) >= MAX_ERRORS:
            break
    return sorted(errors.items(), key=lambda item: item[0])


def _parse_time(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else None


def event_rule_errors(event: dict, path: str, now: datetime.datetime) -> list[Problem]:
    """The platform's rules beyond the schema; also rewrites GS1 identifiers to canonical form."""
    errors: list[Problem] = []
    when = _parse_time(event.get("eventTime", ""))
    if when is None:
        errors.append((f"{path}.eventTime", _("eventTime must be an ISO 8601 date-time with a time-zone offset")))
    elif when > now + FUTURE_TOLERANCE:
        errors.append((f"{path}.eventTime", _("eventTime %(time)s is in the future") % {"time": event["eventTime"]}))
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        declared = _parse_time(declaration.get("declarationTime", ""))
        if declared is not None and declared > now + FUTURE_TOLERANCE:
            errors.append((f"{path}.errorDeclaration.declarationTime", _("declarationTime is in the future")))
    for key in QUANTITY_LISTS:
        for i, element in enumerate(event.get(key) or ()):
            if not isinstance(element, dict) or "quantity" not in element:
                continue
            try:
                quantity = Decimal(str(element["quantity"]))
            except InvalidOperation:
                continue  # the schema already said it is not a number
            if quantity < 0:
                errors.append((f"{path}.{key}[{i}].quantity",
                               _("quantity must not be negative (got %(q)s)") % {"q": element["quantity"]}))
    errors.extend(canonicalize_event(event, path))
    return errors


def document_events(document: dict) -> list[dict]:
    """The events of an EPCISDocument or EPCISQueryDocument (schema-valid input)."""
    body = document.get("epcisBody") or {}
    if "queryResults" in body:
        return list(((body["queryResults"] or {}).get("resultsBody") or {}).get("eventList") or [])
    if "eventList" in body:
        return list(body["eventList"] or [])
    if "event" in body:
        return [body["event"]]
    return []


def events_base_path(document: dict) -> str:
    body = document.get("epcisBody") or {}
    if "queryResults" in body:
        return "$.epcisBody.queryResults.resultsBody.eventList"
    return "$.epcisBody.eventList"


def validate_capture_document(document: object) -> list[dict]:
    """Check a document for ``POST /capture`` against the schema; return its events."""
    if not isinstance(document, dict) or document.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        raise EPCISValidationError([("$.type", _("expected an EPCISDocument or an EPCISQueryDocument"))])
    for event in document_events(document):
        if isinstance(event, dict):
            normalize_aliases(event)
    errors = schema_errors(document)
    if errors:
        raise EPCISValidationError(errors, title=_("The document does not follow the EPCIS 2.0 JSON schema"))
    return document_events(document)


def validate_single_event(event: object) -> dict:
    """Check one event for ``POST /events`` (it carries its own ``@context``) against the schema."""
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        raise EPCISValidationError([("$.type", _("expected one of %(types)s") % {"types": ", ".join(EVENT_TYPES)})])
    normalize_aliases(event)
    errors = schema_errors(event)
    if errors:
        raise EPCISValidationError(errors, title=_("The event does not follow the EPCIS 2.0 JSON schema"))
    return event


def event_path(base_path: str, index: int) -> str:
    """JSON path of event ``index``: ``$`` itself for a single event (``POST /events``)."""
    return base_path if base_path == "$" else f"{base_path}[{index}]"


def normalize_aliases(event: dict) -> None:
    """JSON-LD ``id`` on an event is the same ``@id`` as ``eventID``: keep the EPCIS name."""
    if "id" in event and "eventID" not in event and isinstance(event["id"], str):
        event["eventID"] = event.pop("id")


def check_events(events: list[dict], base_path: str) -> list[Problem]:
    """Business rules for every event (in place canonicalization); all problems, in event order."""
    now = timezone.now()
    errors: list[Problem] = []
    for i, event in enumerate(events):
        errors.extend(event_rule_errors(event, event_path(base_path, i), now))
    return errors
