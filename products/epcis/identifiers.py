"""GS1 identifiers in EPCIS events: EPC URNs and Digital Link URIs to one canonical form.

Events are stored with their GS1 identifiers as canonical Digital Link URIs on ``id.gs1.org``
(the form ``traceability.gs1`` writes), whatever form they arrived in, so a unit, a lot, an SSCC or a
location is found by one index lookup. URNs (``urn:epc:id:sgtin:...``, ``urn:epc:class:lgtin:...``,
``urn:epc:idpat:sgtin:...``, ``urn:epc:id:sscc:...``, ``urn:epc:id:sgln:...``, ``urn:epc:id:pgln:...``)
are translated by the GS1 translation that the CBV 2.0 event-hash library ships; Digital Link URIs
(on any host) are parsed and check-digit validated by ``biip``. Identifiers that are neither (a
``urn:uuid:``, a company's own URI) are kept as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from django.utils.translation import gettext as _
from epcis_event_hash_generator.dl_normaliser import normaliser as _urn_to_dl

CANONICAL_HOST = "https://id.gs1.org"

# Path segments that start a GS1 Digital Link (primary keys and their short names).
DL_KEYS = re.compile(
    r"/(01|gtin|00|sscc|414|gln|417|party|8003|grai|8004|giai|8006|itip|8010|cpid|8017|gsrnp|8018|gsrn"
    r"|253|gdti|255|gcn|401|ginc|402|gsin)/"
)
_GS1_URN = re.compile(r"^urn:epc:(id|class|idpat):")


class IdentifierError(ValueError):
    """A GS1 identifier that cannot be read or whose check digit is wrong."""


def _seg(value: str) -> str:
    return quote(value, safe="")


def dl_from_biip(uri: str) -> str:
    try:
        parsed = GS1DigitalLinkURI.parse(uri)
    except ParseError as exc:
        raise IdentifierError(_("%(uri)s is not a valid GS1 Digital Link URI: %(error)s")
                              % {"uri": uri, "error": exc}) from exc
    values: dict[str, str] = {}
    for element in parsed.element_strings:
        for error in (getattr(element, "gtin_error", None), getattr(element, "sscc_error", None),
                      getattr(element, "gln_error", None)):
            if error:
                raise IdentifierError(_("%(uri)s: %(error)s") % {"uri": uri, "error": error})
        values.setdefault(element.ai.ai, element.value)
    if "01" in values:
        path = f"/01/{values['01']}"
        if "21" in values:
            return f"{CANONICAL_HOST}{path}/21/{_seg(values['21'])}"
        if "10" in values:
            return f"{CANONICAL_HOST}{path}/10/{_seg(values['10'])}"
        return CANONICAL_HOST + path
    if "414" in values:
        path = f"/414/{values['414']}"
        if values.get("254"):
            path += f"/254/{_seg(values['254'])}"
        return CANONICAL_HOST + path
    for ai in ("00", "417", "8003", "8004", "8017", "8018", "253", "255", "401", "402"):
        if ai in values:
            return f"{CANONICAL_HOST}/{ai}/{_seg(values[ai])}"
    # Another primary key (8006, 8010, ...): keep its path, on the canonical host, without query.
    return CANONICAL_HOST + urlsplit(uri).path


# The plain shapes of the keys the platform handles, on any host, without a path prefix or query:
# these take the short road (check digit by biip's GS1 checksum, AI 82-character set by pattern);
# anything else, and anything failing here, goes through biip's full Digital Link parser.
_PLAIN_DL = re.compile(
    r"^https?://[^/?#]+/(?:01/(?P<gtin>\d{14})(?:/(?P<q>10|21)/(?P<v>[^/?#]+))?"
    r"|(?P<key>00|414|417)/(?P<digits>\d{13}|\d{18})(?:/254/(?P<ext>[^/?#]+))?)$"
)
_AI82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_KEY_LENGTH = {"00": 18, "414": 13, "417": 13}


def _check_digit_ok(digits: str) -> bool:
    return gs1_standard_check_digit(digits[:-1]) == int(digits[-1])


def _plain_dl(uri: str) -> str | None:
    match = _PLAIN_DL.match(uri)
    if not match:
        return None
    if match["gtin"]:
        if not _check_digit_ok(match["gtin"]):
            return None
        path = f"/01/{match['gtin']}"
        if match["q"]:
            value = unquote(match["v"])
            if not _AI82.match(value):
                return None
            path += f"/{match['q']}/{_seg(value)}"
        return CANONICAL_HOST + path
    key, digits = match["key"], match["digits"]
    if len(digits) != _KEY_LENGTH[key] or not _check_digit_ok(digits) or (match["ext"] and key != "414"):
        return None
    path = f"/{key}/{digits}"
    if match["ext"]:
        ext = unquote(match["ext"])
        if not _AI82.match(ext):
            return None
        path += f"/254/{_seg(ext)}"
    return CANONICAL_HOST + path


@lru_cache(maxsize=4096)
def canonical_uri(uri: str) -> str:
    """The canonical form of one identifier; raises ``IdentifierError`` for a bad GS1 key.

    Cached: read points, locations and parties repeat across the events of a document.
    """
    if _GS1_URN.match(uri):
        converted = _urn_to_dl(uri)
        if converted is None:
            raise IdentifierError(_("%(uri)s is not a valid EPC URI") % {"uri": uri})
        return _plain_dl(converted) or dl_from_biip(converted)
    if uri.startswith(("https://", "http://")) and DL_KEYS.search(urlsplit(uri).path):
        return _plain_dl(uri) or dl_from_biip(uri)
    return uri


# Where identifiers sit in an event: (list key, item key or None for a plain string list).
EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def canonicalize_event(event: dict, path: str) -> list[tuple[str, str]]:
    """Rewrite ``event``'s GS1 identifiers in place to their canonical form.

    Returns ``(json_path, message)`` for every identifier that is not valid (nothing is changed
    then that matters: the caller rejects the event).
    """
    errors: list[tuple[str, str]] = []

    def fix(value, where: str):
        if not isinstance(value, str):
            return value
        try:
            return canonical_uri(value)
        except IdentifierError as exc:
            errors.append((where, str(exc)))
            return value

    for key in EPC_LISTS:
        values = event.get(key)
        if isinstance(values, list):
            event[key] = [fix(v, f"{path}.{key}[{i}]") for i, v in enumerate(values)]
    if "parentID" in event:
        event["parentID"] = fix(event["parentID"], f"{path}.parentID")
    for key in QUANTITY_LISTS:
        for i, element in enumerate(event.get(key) or ()):
            if isinstance(element, dict) and "epcClass" in element:
                element["epcClass"] = fix(element["epcClass"], f"{path}.{key}[{i}].epcClass")
    for key in ("readPoint", "bizLocation"):
        place = event.get(key)
        if isinstance(place, dict) and "id" in place:
            place["id"] = fix(place["id"], f"{path}.{key}.id")
    for key, item in (("sourceList", "source"), ("destinationList", "destination")):
        for i, element in enumerate(event.get(key) or ()):
            if isinstance(element, dict) and item in element:
                element[item] = fix(element[item], f"{path}.{key}[{i}].{item}")
    return errors


def canonical_or_same(uri: str) -> str:
    """For query parameters: the canonical form, or the value itself when it is not a GS1 key."""
    try:
        return canonical_uri(uri)
    except IdentifierError:
        return uri
