"""What a scan (or a person typing) hands the portal: a GS1 Digital Link URI, an element string, a
carton's SSCC, or a bare serial number.

GS1 syntax is parsed and check-digit validated by ``biip``; only what is none of those and fits
the AI 21 character set is taken as a bare serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import biip
from biip.gs1_messages import GS1Message
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from traceability.validators import AI21_RE

# Scanners that cannot send the FNC1 / GS character are often set to send "|" instead.
_CONFIG = biip.ParseConfig(separator_chars=("\x1d", "|"))
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Scanned:
    """The GS1 keys in one scanned code; ``serial`` without ``gtin`` is a bare serial number."""

    raw: str
    gtin: str = ""
    serial: str = ""
    lot: str = ""
    sscc: str = ""

    @property
    def is_unit(self) -> bool:
        return bool(self.serial)

    @property
    def is_container(self) -> bool:
        return bool(self.sscc)


def _from_elements(raw: str, elements) -> Scanned:
    keys: dict[str, str] = {}
    for element in elements:
        ai = element.ai.ai
        if ai == "01":
            if element.gtin is None:
                raise ValidationError(_("Unknown code %(code)s: the GTIN is not valid.") % {"code": raw},
                                      code="unknown_code")
            keys["gtin"] = element.gtin.as_gtin_14()
        elif ai == "21":
            keys["serial"] = element.value
        elif ai == "10":
            keys["lot"] = element.value
        elif ai == "00":
            keys["sscc"] = element.value
    if not keys.get("serial") and not keys.get("sscc"):
        raise ValidationError(_("Code %(code)s names a product, not one item: scan the item's own code.")
                              % {"code": raw}, code="not_an_item")
    return Scanned(raw=raw, **keys)


def code_parse(value: str) -> Scanned:
    """The keys in ``value``; raises ``ValidationError`` ("Unknown code ...") when it holds none."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Scan or type a code."), code="empty")
    if raw.startswith("("):
        try:
            return _from_elements(raw, GS1Message.parse_hri(raw).element_strings)
        except biip.ParseError as exc:
            raise ValidationError(_("Unknown code %(code)s.") % {"code": raw}, code="unknown_code") from exc
    try:
        result = biip.parse(raw, config=_CONFIG)
    except biip.ParseError:
        result = None
    if result is not None:
        if result.gs1_digital_link_uri is not None:
            return _from_elements(raw, result.gs1_digital_link_uri.element_strings)
        if result.sscc is not None:
            return Scanned(raw=raw, sscc=result.sscc.value)
        if result.gs1_message is not None and any(e.ai.ai in ("01", "00") for e in result.gs1_message.element_strings):
            return _from_elements(raw, result.gs1_message.element_strings)
    if AI21_RE.match(raw) and "/" not in raw:
        return Scanned(raw=raw, serial=raw)
    raise ValidationError(_("Unknown code %(code)s.") % {"code": raw[:120]}, code="unknown_code")


def codes_split(text: str) -> list[str]:
    """The codes in a pasted or scanned list: one per line (or separated by spaces, commas, semicolons)."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [line] if "://" in line or line.startswith("(") else _SPLIT.split(line)
        for part in parts:
            if part:
                seen[part] = None
    return list(seen)
