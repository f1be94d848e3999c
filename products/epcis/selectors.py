"""Reads of the EPCIS binding: who sees which event, and the standard query parameters as SQL.

``events_visible_to`` is the one place that scopes events by the caller (DESIGN §1): staff,
regulators and auditors see every event; any other organisation sees the events that name its
products (by GTIN), that happened at its sites (read point or business location), or that it
recorded itself (``Event.recorded_by``: its captures and its commands in the admin or portal). Every filter of
``events_query`` is an indexed SQL predicate: ``EventEPC`` for the MATCH_ parameters, ``Event``
columns for the rest; nothing is filtered in Python.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from urllib.parse import urlsplit

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from products.models import Event, EventEPC, ProductModel

from .identifiers import CANONICAL_HOST, DL_KEYS, canonical_or_same

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
TOKEN_MAX_AGE = 3600  # seconds a nextPageToken stays valid
TOKEN_SALT = "epcis.nextPageToken"

# MATCH_ parameter -> EventEPC roles it looks at (EPCIS 2.0 §8.2.7.1).
MATCH_ROLES = {
    "MATCH_epc": [EventEPC.Role.EPC, EventEPC.Role.CHILD],
    "MATCH_parentID": [EventEPC.Role.PARENT],
    "MATCH_inputEPC": [EventEPC.Role.INPUT],
    "MATCH_outputEPC": [EventEPC.Role.OUTPUT],
    "MATCH_anyEPC": [EventEPC.Role.EPC, EventEPC.Role.CHILD, EventEPC.Role.INPUT, EventEPC.Role.OUTPUT,
                     EventEPC.Role.PARENT],
    "MATCH_epcClass": [EventEPC.Role.CLASS],
    "MATCH_anyEPCClass": [EventEPC.Role.CLASS],
}
VOCAB_PREFIXES = {
    "bizStep": ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"),
}
SIMPLE_PARAMS = {"eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
                 "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_eventID",
                 "EXISTS_errorDeclaration", "perPage", "nextPageToken"}
KNOWN_PARAMS = SIMPLE_PARAMS | set(MATCH_ROLES)


class QueryParameterError(ValueError):
    """A query parameter the binding does not know, or a value it cannot read."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(message)


def events_visible_to(user) -> QuerySet[Event]:
    """Every event ``user`` may read (the single scoping rule of the binding)."""
    events = Event.objects.all()
    if not getattr(user, "is_authenticated", False):
        return events.none()
    if user.reads_everything:
        return events
    org = user.organization
    if org is None:
        return events.none()
    locations = [site.location_uri for site in org.sites.all()]
    gtins = list(ProductModel.objects.filter(manufacturer=org).values_list("gtin", flat=True))
    scope = Q(pk__in=[])
    if locations:
        scope |= Q(biz_location__in=locations) | Q(read_point__in=locations)
    if gtins:
        prefixes = Q()
        for gtin in gtins:
            prefixes |= Q(epc=f"{CANONICAL_HOST}/01/{gtin}") | Q(epc__startswith=f"{CANONICAL_HOST}/01/{gtin}/")
        scope |= Exists(EventEPC.objects.filter(prefixes, event=OuterRef("pk")))
    scope |= Q(recorded_by=org)
    return events.filter(scope)


def _values(params, name: str) -> list[str]:
    """A parameter given once with a comma list (``eventType=A,B``) or repeated."""
    out: list[str] = []
    for raw in params.getlist(name):
        out.extend(v for v in (s.strip() for s in raw.split(",")) if v)
    return out


def _time(params, name: str) -> datetime.datetime:
    raw = params.get(name, "").strip().replace(" ", "+")  # an unencoded "+" arrives as a space
    try:
        value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise QueryParameterError(name, _("%(name)s must be an ISO 8601 date-time with a time-zone offset, got %(v)r")
                                  % {"name": name, "v": raw})
    return value


def _vocab(kind: str, values: list[str]) -> list[str]:
    """A CBV term in every spelling it may be stored in (bare, web URI, URN)."""
    out: set[str] = set()
    for value in values:
        bare = value
        for prefix in VOCAB_PREFIXES[kind]:
            if value.startswith(prefix):
                bare = value[len(prefix):]
        out.add(value)
        out.add(bare)
        out.update(prefix + bare for prefix in VOCAB_PREFIXES[kind])
    return sorted(out)


def _epc_filter(values: list[str], roles: list[str]) -> Q:
    """EventEPC rows naming one of ``values`` (either URN or Digital Link; ``.*`` patterns too)."""
    match = Q()
    for value in values:
        if value.endswith("*") and not value.startswith("urn:"):
            # A Digital Link pattern (".../01/<gtin>/21/*"): everything under that path.
            prefix = value[:-1]
            key = DL_KEYS.search(urlsplit(prefix).path)
            if key:
                prefix = CANONICAL_HOST + urlsplit(prefix).path[key.start():]
            match |= Q(epc__startswith=prefix)
            continue
        canonical = canonical_or_same(value)
        if value.startswith("urn:epc:idpat:"):
            # An EPC pattern (all serials of a GTIN): the class URI itself or anything under it.
            match |= Q(epc=canonical) | Q(epc__startswith=canonical + "/")
        else:
            match |= Q(epc=canonical)
            if canonical != value:
                match |= Q(epc=value)
    return Q(pk__in=EventEPC.objects.filter(match, role__in=roles).values("event_id"))


def query_fingerprint(params) -> str:
    items = sorted((k, params.getlist(k)) for k in params if k not in ("nextPageToken", "perPage"))
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def events_query(user, params) -> QuerySet[Event]:
    """The events ``user`` may see that match the EPCIS query ``params`` (a QueryDict), by position."""
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        raise QueryParameterError(unknown[0], _("unknown query parameter %(p)s") % {"p": unknown[0]})
    events = events_visible_to(user)
    if types := _values(params, "eventType"):
        events = events.filter(event_type__in=types)
    if actions := _values(params, "EQ_action"):
        events = events.filter(action__in=actions)
    if steps := _values(params, "EQ_bizStep"):
        events = events.filter(biz_step__in=_vocab("bizStep", steps))
    if dispositions := _values(params, "EQ_disposition"):
        events = events.filter(disposition__in=_vocab("disposition", dispositions))
    if places := _values(params, "EQ_readPoint"):
        events = events.filter(read_point__in={canonical_or_same(p) for p in places} | set(places))
    if places := _values(params, "EQ_bizLocation"):
        events = events.filter(biz_location__in={canonical_or_same(p) for p in places} | set(places))
    if ids := _values(params, "EQ_eventID"):
        events = events.filter(event_id__in=ids)
    if "GE_eventTime" in params:
        events = events.filter(event_time__gte=_time(params, "GE_eventTime"))
    if "LT_eventTime" in params:
        events = events.filter(event_time__lt=_time(params, "LT_eventTime"))
    if "GE_recordTime" in params:
        events = events.filter(record_time__gte=_time(params, "GE_recordTime"))
    if "LT_recordTime" in params:
        events = events.filter(record_time__lt=_time(params, "LT_recordTime"))
    if "EXISTS_errorDeclaration" in params:
        events = events.filter(has_error_declaration=params["EXISTS_errorDeclaration"].lower() != "false")
    for name, roles in MATCH_ROLES.items():
        if values := _values(params, name):
            events = events.filter(_epc_filter(values, roles))
    return events.order_by("seq")


def per_page(params) -> int:
    raw = params.get("perPage", "")
    if not raw:
        return DEFAULT_PER_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise QueryParameterError("perPage", _("perPage must be a whole number from 1 to %(max)d") % {"max": MAX_PER_PAGE})
    return int(raw)


def make_page_token(params, last_seq: int) -> str:
    return signing.dumps({"after": last_seq, "q": query_fingerprint(params)}, salt=TOKEN_SALT, compress=True)


def read_page_token(params) -> int:
    """The position after which the next page starts (0 without a token)."""
    token = params.get("nextPageToken")
    if not token:
        return 0
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise QueryParameterError("nextPageToken", _("nextPageToken has expired")) from exc
    except signing.BadSignature as exc:
        raise QueryParameterError("nextPageToken", _("nextPageToken is not valid")) from exc
    if data.get("q") != query_fingerprint(params):
        raise QueryParameterError("nextPageToken", _("nextPageToken belongs to another query"))
    return int(data["after"])


def events_page(user, params) -> tuple[list[dict], str | None]:
    """One page of matching event documents, and the token of the next page (None on the last)."""
    size = per_page(params)
    after = read_page_token(params)
    rows = list(events_query(user, params).filter(seq__gt=after).values_list("seq", "document")[: size + 1])
    token = make_page_token(params, rows[size - 1][0]) if len(rows) > size else None
    return [doc for _seq, doc in rows[:size]], token


def event_get(user, event_id: str) -> Event | None:
    """One event by eventID, or None when it does not exist or ``user`` may not see it."""
    return events_visible_to(user).filter(event_id=event_id).first()
