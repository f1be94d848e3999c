"""EPCIS event IDs by GS1's CBV 2.0 event-hash algorithm (``ni:///sha-256;...?ver=CBV2.0``).

``epcis-event-hash-generator`` is the reference implementation. It expands the whole document
as JSON-LD (pyld) and walks a generic tree, about 1.4 ms per event: too slow for capture at
2,000 events/s. ``event_ids_for`` therefore builds the same pre-hash string directly for the
event shapes the platform and its partners send (the five event types with EPC and quantity
lists, what / when / where / why fields, business transactions, sources and destinations,
persistent dispositions, flat ILMD and flat extension members), using the library's own
identifier normaliser, and hands any other event (sensor data, certification info, nested
extensions, unknown vocabulary) to the library itself. ``products/tests/test_epcis_eventid.py``
proves both paths give the same IDs over GS1's examples and thousands of generated events.

One deliberate difference: the library resolves bare CBV words across the whole document it is
given, so an event's hash could depend on its neighbours; here each event is hashed on its own,
which is what the library gives for a document holding that one event.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import re
from functools import lru_cache
from importlib import resources

from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.dl_normaliser import normaliser as _dl_normaliser
from epcis_event_hash_generator.file_document_loader import file_document_loader
from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from pyld import jsonld

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_CONTEXT_FILE = "e532647e8eb371379b8b0e8602d8981c8566bc60f7351f22c76a5bc865962008.jsonld"
# Published names of the same GS1 EPCIS 2.0 context (the library ships two of them; the
# "simple" one of GS1's examples defines the same terms). Hashing never fetches anything.
_GS1_CONTEXTS = {
    EPCIS_CONTEXT,
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.1/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context-simple.jsonld",
}

# The JSON-LD context ships inside the package: no network at run time.
jsonld.set_document_loader(file_document_loader())


class _Unsupported(Exception):
    """An event outside the shapes the fast path mirrors exactly: the library hashes it."""


# --- the reference implementation ------------------------------------------------------------
def _normalise_context(context) -> list:
    items = context if isinstance(context, list) else [context] if context else []
    out: list = [EPCIS_CONTEXT]
    for item in items:
        if isinstance(item, dict):
            out.append(item)
        # other remote contexts cannot be fetched here; GS1's are replaced by the bundled one
    return out


def library_event_ids(events: list[dict], context: list | None = None) -> list[str]:
    """The IDs as ``epcis-event-hash-generator`` computes them, one document per event."""
    ids = []
    for event in events:
        event = in_gs1_member_order(event)
        document = {
            "@context": _normalise_context(context),
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2000-01-01T00:00:00Z",
            # The library rewrites nested values in place (bare CBV words become URIs): hand it a copy.
            "epcisBody": {"eventList": [copy.deepcopy({k: v for k, v in event.items() if k not in ("eventID", "@context")})]},
        }
        # The library gathers namespace prefixes in a module global that outlives a call.
        json_to_py._namespaces.clear()
        hashed = epcis_hashes_from_events(json_to_py.event_list_from_epcis_document_json(document))
        if len(hashed) != 1:
            raise ValueError(f"the CBV 2.0 event hash cannot be computed for {event!r}")
        ids.extend(hashed)
    return ids


# --- the direct implementation -----------------------------------------------------------------
@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, dict[str, str]]:
    """Bare CBV word -> full URI for each vocabulary-typed member, read from the bundled context."""
    with resources.files("epcis_event_hash_generator").joinpath(_CONTEXT_FILE).open(encoding="utf-8") as fh:
        context = json.load(fh)["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.startswith("http")}

    def terms(scoped) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in scoped if isinstance(scoped, list) else [scoped]:
            for word, iri in (part or {}).items():
                if isinstance(iri, str) and not word.startswith("@") and ":" in iri:
                    prefix, rest = iri.split(":", 1)
                    out[word] = prefixes.get(prefix, prefix + ":") + rest
        return out

    return {
        "bizStep": terms(context["bizStep"]["@context"]),
        "disposition": terms(context["disposition"]["@context"]),
        "persistentDisposition": terms(context["persistentDisposition"]["@context"]),
        "bizTransactionList": terms(context["bizTransactionList"]["@context"]["type"]["@context"]),
        "sourceList": terms(context["sourceList"]["@context"]["type"]["@context"]),
        "destinationList": terms(context["destinationList"]["@context"]["type"]["@context"]),
        "errorDeclaration": terms(context["errorDeclaration"]["@context"]["reason"]["@context"]),
    }


_CBV_IRI = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
_EPC_LISTS = ("epcList", "inputEPCList", "childEPCs")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList")
_PAIR_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source", "destinationList": "destination"}
_SIMPLE = {"eventTimeZoneOffset", "parentID", "action", "transformationID", "bizStep", "disposition"}
_IGNORED = {"type", "eventID", "recordTime", "errorDeclaration", "@context"}
_KNOWN = (_SIMPLE | _IGNORED | set(_EPC_LISTS) | set(_QUANTITY_LISTS) | set(_PAIR_LISTS)
          | {"eventTime", "outputEPCList", "outputQuantityList", "persistentDisposition", "readPoint", "bizLocation"})
_CANONICAL_SGTIN = re.compile(
    r"^https://id\.gs1\.org/01/\d{14}/21/[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20}$")
_WEB_VOCAB = (("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
              ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
              ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
              ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
              ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"))


@lru_cache(maxsize=8192)
def _normalised(text: str) -> str | None:
    if not text.startswith(("urn:epc:", "http:", "https:")):
        return None  # every pattern of the normaliser starts so
    if _CANONICAL_SGTIN.match(text):
        return text  # already the constrained canonical form: the normaliser returns it unchanged
    return _dl_normaliser(text)


def _canonize(text: str) -> str:
    for old, new in _WEB_VOCAB:
        text = text.replace(old, new)
    try:
        numeric = float(text)
        if int(numeric) == numeric:
            numeric = int(numeric)
        text = str(numeric)
    except ValueError:
        pass
    except OverflowError as exc:  # the library skips such an event; leave it to the library
        raise _Unsupported from exc
    return _normalised(text) or text


_FRACTION = re.compile(r"[.,](\d+)")


def _fix_time(text: str) -> str:
    fraction = _FRACTION.search(text)
    if fraction and len(fraction.group(1)) > 6:
        raise _Unsupported  # finer than microseconds: parsers differ
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as exc:
        raise _Unsupported from exc
    if when.tzinfo is None:
        raise _Unsupported  # the library would read it in the server's local time
    when = when.astimezone(datetime.UTC)
    micro = round(when.microsecond, -3)
    if micro >= 1_000_000:
        raise _Unsupported
    return when.replace(microsecond=micro).isoformat(timespec="milliseconds")[:-6] + "Z"


def _string(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unsupported
    return str(value)


def _expanded_terms(event: dict) -> set[str]:
    """The CBV IRIs a JSON-LD expansion of ``event`` contains (bare words resolved)."""
    vocab = _vocabularies()
    found: set[str] = set()

    def add(kind: str, word):
        if not isinstance(word, str):
            raise _Unsupported
        if word in vocab[kind]:
            found.add(vocab[kind][word])
        elif ":" not in word:
            raise _Unsupported  # a bare word the context does not define
    for kind in ("bizStep", "disposition"):
        if kind in event:
            add(kind, event[kind])
    persistent = event.get("persistentDisposition")
    if persistent is not None:
        if not isinstance(persistent, dict) or set(persistent) - {"set", "unset"}:
            raise _Unsupported
        for word in [*(persistent.get("set") or []), *(persistent.get("unset") or [])]:
            add("persistentDisposition", word)
    for kind in _PAIR_LISTS:
        for item in event.get(kind) or ():
            if isinstance(item, dict) and "type" in item:
                add(kind, item["type"])
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict) and "reason" in declaration:
        add("errorDeclaration", declaration["reason"])

    def scan(value):
        if isinstance(value, str):
            if value.startswith(_CBV_IRI):
                found.add(value)
        elif isinstance(value, list):
            for item in value:
                scan(item)
        elif isinstance(value, dict):
            for item in value.values():
                scan(item)
    scan({k: v for k, v in event.items() if k not in ("eventID", "@context")})
    return found


def _value(text: str, expanded: set[str], namespaces: dict[str, str]) -> str:
    """A leaf value as the library sees it: bare CBV words replaced, then namespace prefixes."""
    matches = [x for x in expanded if x.endswith("-" + text) or x.endswith("/" + text)]
    if len(matches) == 1:
        text = matches[0]
    prefix, sep, rest = text.partition(":")
    if sep and prefix in namespaces:
        text = namespaces[prefix] + rest
    return text


def _prehash(event: dict, namespaces: dict[str, str]) -> str:
    """The CBV 2.0 pre-hash string of one event, or ``_Unsupported``."""
    for key, value in event.items():
        if key in _KNOWN:
            continue
        if key == "ilmd":
            if not isinstance(value, dict) or not all(":" in k and _is_scalar(v) for k, v in value.items()):
                raise _Unsupported  # nested or unprefixed master data
            continue
        if ":" not in key or not _is_scalar(value):
            raise _Unsupported  # sensors, certification info, nested or unprefixed extensions
    event_type = event.get("type")
    if not isinstance(event_type, str) or "eventTime" not in event:
        raise _Unsupported
    expanded = _expanded_terms(event)

    def leaf(value) -> str:
        if isinstance(value, str):
            return _value(value, expanded, namespaces).strip()
        return _string(value).strip()  # numbers are neither vocabulary nor prefixed names

    def item(name: str, value) -> str:
        text = leaf(value)
        return f"{name}={_canonize(text)}" if text else ""

    def joined(values: list[str]) -> str:
        return "".join(sorted(v for v in values if v))

    out = ["eventType=" + event_type]
    time_text = leaf(event["eventTime"])
    if time_text:
        out.append("eventTime=" + _fix_time(time_text))

    def simple(name: str):
        if name in event:
            out.append(item(name, event[name]))

    def epcs(name: str):
        values = event.get(name)
        if values is None:
            return
        if not isinstance(values, list):
            raise _Unsupported
        inner = joined([item("epc", v) for v in values])
        if inner:
            out.append(name + inner)

    def quantities(name: str):
        values = event.get(name)
        if values is None:
            return
        if not isinstance(values, list):
            raise _Unsupported
        elements = []
        for element in values:
            if not isinstance(element, dict) or set(element) - {"epcClass", "quantity", "uom"}:
                raise _Unsupported
            inner = "".join(item(k, element[k]) for k in ("epcClass", "quantity", "uom") if k in element)
            elements.append("quantityElement" + inner if inner else "")
        inner = joined(elements)
        if inner:
            out.append(name + inner)

    def place(name: str):
        value = event.get(name)
        if value is None:
            return
        if not isinstance(value, dict) or set(value) != {"id"}:
            raise _Unsupported
        inner = item("id", value["id"])
        if inner:
            out.append(name + inner)

    simple("eventTimeZoneOffset")
    simple("parentID")
    for name in _EPC_LISTS:
        epcs(name)
    for name in _QUANTITY_LISTS:
        quantities(name)
    epcs("outputEPCList")
    quantities("outputQuantityList")
    for name in ("action", "transformationID", "bizStep", "disposition"):
        simple(name)
    persistent = event.get("persistentDisposition")
    if persistent is not None:
        inner = "".join(joined([item(part, w) for w in persistent.get(part) or []]) for part in ("set", "unset"))
        if inner:
            out.append("persistentDisposition" + inner)
    place("readPoint")
    place("bizLocation")

    # What the ordered pass leaves: business transactions, sources, destinations, extensions.
    rest = []
    for name, member in _PAIR_LISTS.items():
        values = event.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not values:
            raise _Unsupported
        pairs = []
        for element in values:
            if not isinstance(element, dict) or set(element) != {"type", member}:
                raise _Unsupported
            pairs.append("".join(_generic(k, leaf(v)) for k, v in element.items()))
        rest.append(name + "".join(sorted(pairs)))
    for key, value in event.items():
        if key == "ilmd":
            rest.append("ilmd" + "".join(sorted(_generic(_name(k, namespaces), leaf(v)) for k, v in value.items())))
        elif key not in _KNOWN:
            rest.append(_generic(_name(key, namespaces), leaf(value)))
    out.append("".join(sorted(rest)))
    return "".join(out)


def _is_scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _name(key: str, namespaces: dict[str, str]) -> str:
    """A member name as the library writes it: ``{namespace}local`` for a prefix the document declares."""
    prefix, _sep, local = key.partition(":")
    return "{" + namespaces[prefix] + "}" + local if prefix in namespaces else key


def _generic(name: str, text: str) -> str:
    return f"{name}={_canonize(text)}" if text else name


def _namespaces(context) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            out.update({k: v for k, v in item.items() if isinstance(v, str)})
    return out


def in_gs1_member_order(event: dict) -> dict:
    """JSON objects are unordered, but the reference implementation hashes a business
    transaction, source or destination in the order its members arrive. Put ``type`` first,
    as GS1's JSON examples write them, so an event keeps its ID whatever its key order
    (a document read back from storage has its keys sorted)."""
    if not any(name in event for name in _PAIR_LISTS):
        return event
    event = dict(event)
    for name, member in _PAIR_LISTS.items():
        values = event.get(name)
        if isinstance(values, list):
            event[name] = [
                {"type": v["type"], member: v[member], **{k: x for k, x in v.items() if k not in ("type", member)}}
                if isinstance(v, dict) and "type" in v and member in v else v
                for v in values
            ]
    return event


def event_ids_for(events: list[dict], context: list | None = None) -> list[str]:
    """The CBV 2.0 hash IDs of ``events`` (EPCIS 2.0 JSON-LD event objects), in order.

    ``context`` is the ``@context`` of the document the events came in (its namespace
    definitions matter for extension members). Each event is hashed on its own, and its ID
    does not depend on the order of the keys of its JSON objects.
    """
    events = [in_gs1_member_order(event) for event in events]
    namespaces = _namespaces(context)
    ids: list[str | None] = []
    slow: list[int] = []
    for i, event in enumerate(events):
        try:
            pre = _prehash(event, namespaces)
        except _Unsupported:
            ids.append(None)
            slow.append(i)
            continue
        ids.append("ni:///sha-256;" + hashlib.sha256(pre.encode("utf-8")).hexdigest() + "?ver=CBV2.0")
    if slow:
        for i, event_id in zip(slow, library_event_ids([events[i] for i in slow], context), strict=True):
            ids[i] = event_id
    return ids  # type: ignore[return-value]
