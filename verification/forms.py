"""Public forms: type a code by hand, report a suspected fake."""

from __future__ import annotations

import biip
from biip.gs1_messages import GS1Message
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from traceability.validators import AI21_RE, normalize_gtin


class SuspectReportForm(forms.Form):
    where = forms.CharField(label=_("Where did you buy or find it?"), max_length=200, required=False)
    description = forms.CharField(label=_("What looks wrong?"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    contact = forms.CharField(label=_("Contact (optional, only the manufacturer and the platform see it)"),
                              max_length=120, required=False)


def parse_code(value: str) -> dict:
    """GS1 keys from what a person typed: a Digital Link URI, an element string such as
    ``(01)...(10)...(21)...``, or a bare GTIN. Parsed and check-digit validated by biip."""
    value = value.strip()
    if not value:
        raise ValidationError(_("Type the code printed under the QR symbol."))
    if value.startswith("("):  # human-readable interpretation, as printed under a code
        try:
            strings = GS1Message.parse_hri(value).element_strings
        except biip.ParseError as exc:
            raise ValidationError(str(exc)) from exc
        return _keys(strings)
    try:
        result = biip.parse(value)
    except biip.ParseError as exc:
        raise ValidationError(str(exc)) from exc
    strings = []
    if result.gs1_digital_link_uri is not None:
        strings = result.gs1_digital_link_uri.element_strings
    elif result.gs1_message is not None:
        strings = result.gs1_message.element_strings
    elif result.gtin is not None:
        return {"gtin": result.gtin.as_gtin_14()}
    else:
        errors = [e for e in (result.gs1_digital_link_uri_error, result.gs1_message_error, result.gtin_error) if e]
        raise ValidationError(errors[0] if errors else _("This is not a GS1 code."))
    return _keys(strings)


def _keys(strings) -> dict:
    keys: dict = {}
    for element in strings:
        ai = element.ai.ai
        if ai == "01":
            if element.gtin is None:
                raise ValidationError(element.gtin_error or _("The GTIN is not valid."))
            keys["gtin"] = element.gtin.as_gtin_14()
        elif ai == "10":
            keys["lot"] = element.value
        elif ai == "21":
            keys["serial"] = element.value
        elif ai == "17":
            keys["expiry"] = element.date
    if "gtin" not in keys:
        raise ValidationError(_("The code holds no GTIN (AI 01)."))
    return keys


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=300, required=False,
                           help_text=_("A link from the QR code, (01)…(21)… as printed, or a GTIN."))
    gtin = forms.CharField(label=_("GTIN"), max_length=14, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        code, gtin, serial = data.get("code", ""), data.get("gtin", "").strip(), data.get("serial", "").strip()
        if code:
            keys = parse_code(code)
            if serial and "serial" not in keys:
                keys["serial"] = serial
        elif gtin:
            keys = {"gtin": normalize_gtin(gtin)}
            if serial:
                keys["serial"] = serial
        else:
            raise ValidationError(_("Type a code, or a GTIN and a serial number."))
        if keys.get("serial") and not AI21_RE.match(keys["serial"]):
            raise ValidationError(_("A serial has 1 to 20 characters of the GS1 AI 21 set."))
        data["keys"] = keys
        return data
