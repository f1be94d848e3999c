"""Portal forms: plain inputs that a keyboard-wedge scanner, a camera or a person fills alike."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from products.models import RetireReason

SCAN_ATTRS = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "data-scan": "1",
              "enterkeyhint": "go"}
LIST_ATTRS = {"rows": 4, "autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "data-scan-list": "1"}


def scan_field(label=None, **kwargs) -> forms.CharField:
    return forms.CharField(label=label or _("Code"), max_length=300, widget=forms.TextInput(attrs=SCAN_ATTRS), **kwargs)


def codes_field(required: bool = True) -> forms.CharField:
    return forms.CharField(label=_("Scanned codes"), required=required, max_length=200_000,
                           help_text=_("One code per line."), widget=forms.Textarea(attrs=LIST_ATTRS))


class ScanForm(forms.Form):
    code = scan_field()


class ReceiveForm(forms.Form):
    ALL, SOME, REJECT = "all", "some", "reject"
    action = forms.ChoiceField(choices=[(ALL, _("Receive all")), (SOME, _("Receive the scanned items")),
                                        (REJECT, _("Reject"))])
    codes = codes_field(required=False)
    reason = forms.CharField(label=_("Reason for rejection"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.SOME and not data.get("codes", "").strip():
            self.add_error("codes", _("Scan at least one item that arrived."))
        if data.get("action") == self.REJECT and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the shipment is rejected."))
        return data


class ShipmentForm(forms.Form):
    receiver = forms.ModelChoiceField(label=_("Ship to"), queryset=None, empty_label=_("Choose an organisation"))
    reference = forms.CharField(label=_("Order / despatch number"), max_length=60, required=False)
    codes = codes_field()

    def __init__(self, *args, receivers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = receivers


class WorkerForm(forms.Form):
    employee_number = forms.CharField(label=_("Employee number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)


class IssueForm(forms.Form):
    code = scan_field(_("Item code"))


class ReturnForm(forms.Form):
    code = scan_field(_("Item code"))


class InspectForm(forms.Form):
    PASS, FAIL = "pass", "fail"
    code = scan_field(_("Item code"))
    result = forms.ChoiceField(label=_("Result"), choices=[(PASS, _("Passed")), (FAIL, _("Failed"))],
                               widget=forms.RadioSelect, initial=PASS)
    on_fail = forms.ChoiceField(label=_("If failed"), choices=[("quarantine", _("Quarantine")), ("retire", _("Retire"))],
                                widget=forms.RadioSelect, initial="quarantine")
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RetireForm(forms.Form):
    code = scan_field(_("Item code"))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason")), *RetireReason.choices])


class QuarantineForm(forms.Form):
    code = scan_field(_("Item code"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
