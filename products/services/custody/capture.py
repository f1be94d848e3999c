"""Applying a captured EPCIS event to custody: the bridge the EPCIS capture endpoint calls."""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.db import transaction
from django.utils.translation import gettext as _

from products.models import RetireReason, Shipment, ShipmentLine, Unit, Worker
from products.services.errors import CustodyError, NotAllowed
from traceability.models import Organization

from ._common import PPE_NS, Step
from .care import unit_destroy, unit_inspect, unit_issue, unit_quarantine, unit_release_quarantine, unit_retire, unit_return
from .movement import shipment_receive, shipment_send

_SGTIN = re.compile(r"^https?://[^/]+/01/([0-9]{14})/21/([^/?#]+)$")
_CBV_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
_DISP_PREFIXES = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")


def _term(value: str | None, prefixes: tuple[str, ...]) -> str:
    value = value or ""
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def _units(document: dict) -> list[int]:
    keys = []
    for epc in document.get("epcList") or ():
        match = _SGTIN.match(epc)
        if not match:
            raise CustodyError(_("%(epc)s is not a serialized GS1 Digital Link the platform knows.") % {"epc": epc},
                               code="unknown_epc", field="epcList")
        keys.append((match.group(1), unquote(match.group(2))))
    if not keys:
        raise CustodyError(_("The event names no units."), code="empty", field="epcList")
    found = {}
    for gtin in {g for g, _s in keys}:
        serials = [s for g, s in keys if g == gtin]
        found.update({(gtin, s): pk for s, pk in
                      Unit.objects.filter(gtin=gtin, serial__in=serials).values_list("serial", "pk")})
    missing = [f"{g}/{s}" for g, s in keys if (g, s) not in found]
    if missing:
        raise CustodyError(_("Unknown units: %(units)s.") % {"units": ", ".join(missing[:5])}, code="unknown_unit",
                           field="epcList")
    return [found[k] for k in keys]


def _party(document: dict, list_key: str, kind: str) -> Organization | None:
    from django.conf import settings

    for entry in document.get(list_key) or ():
        uri = entry.get(kind, "")
        if "/417/" in uri:
            org = Organization.objects.filter(gln=uri.rsplit("/417/", 1)[1]).first()
        elif uri.startswith(f"{settings.SITE_URL}/id/org/"):
            org = Organization.objects.filter(uscc=uri.rsplit("/", 1)[1]).first()
        else:
            continue
        if org:
            return org
    return None


@transaction.atomic
def custody_apply_epcis(document: dict, *, actor: Organization, user=None) -> None:
    """Apply one captured EPCIS 2.0 event that names units the platform manages, as a custody command.

    Stable entry point for the EPCIS capture endpoint. ``document`` is one event object (JSON-LD
    as captured; bare CBV terms or full ``https://ref.gs1.org/cbv/...`` / ``urn:epcglobal:cbv:...``
    URIs). Its SGTIN Digital Links must all be known units. ``bizStep`` selects the command, run for
    ``actor`` with every check of that command (holder, destination, state, recall):

    - ``shipping`` -> ``shipment_send`` to the ``destinationList`` owning/possessing party (GLN ``/417/``);
    - ``receiving`` -> ``shipment_receive`` of those units from every shipment bringing them to the actor;
    - ``inspecting`` -> ``unit_inspect`` (``non_conformant`` fails and quarantines, else passes);
    - ``holding`` -> ``unit_quarantine``; PPE ``releasing`` -> ``unit_release_quarantine``;
    - ``decommissioning`` -> ``unit_retire`` (reason ``urn:ppe-trace:retireReason``, default end of life);
    - ``destroying`` -> ``unit_destroy``; PPE ``issuing`` -> ``unit_issue`` to the worker named by
      pseudonym in ``destinationList``; PPE ``returning`` -> ``unit_return``.

    Anything else (including ``commissioning`` of units that already exist) raises ``CustodyError``
    (code ``unsupported_biz_step`` / ``already_commissioned``). The command writes the platform's own
    events, which carry ``urn:ppe-trace:capturedEventID`` only by the caller's choice: store the
    captured event as well if the partner's original must be kept. All or nothing.
    """
    step = _term(document.get("bizStep"), _CBV_PREFIXES)
    disposition = _term(document.get("disposition"), _DISP_PREFIXES)
    if step == Step.COMMISSIONING:
        raise CustodyError(_("These units are already commissioned."), code="already_commissioned", field="bizStep")
    units = _units(document)
    if step == Step.SHIPPING:
        receiver = _party(document, "destinationList", "destination")
        if receiver is None:
            raise CustodyError(_("A shipping event must name the receiving party (GLN) in destinationList."),
                               code="unknown_party", field="destinationList")
        shipment_send(actor=actor, receiver=receiver, units=units)
    elif step == Step.RECEIVING:
        lines = (ShipmentLine.objects.filter(unit_id__in=units, state=ShipmentLine.State.IN_TRANSIT,
                                             shipment__receiver=actor).values_list("shipment_id", "unit_id"))
        by_shipment: dict[int, list[int]] = {}
        for shipment_id, unit_id in lines:
            by_shipment.setdefault(shipment_id, []).append(unit_id)
        if sum(len(v) for v in by_shipment.values()) != len(units):
            raise NotAllowed(_("Some of these units are not in transit to %(org)s.") % {"org": actor},
                             code="not_receiver", field="epcList")
        for shipment in Shipment.objects.filter(pk__in=by_shipment):
            shipment_receive(shipment=shipment, actor=actor, units=by_shipment[shipment.pk])
    elif step == Step.INSPECTING:
        unit_inspect(units=units, actor=actor, passed=disposition != "non_conformant")
    elif step == Step.HOLDING:
        unit_quarantine(units=units, actor=actor)
    elif step == Step.RELEASING:
        unit_release_quarantine(units=units, actor=actor)
    elif step == Step.DECOMMISSIONING:
        reason = document.get(f"{PPE_NS}retireReason") or RetireReason.END_OF_LIFE
        unit_retire(units=units, actor=actor, reason=reason)
    elif step == Step.DESTROYING:
        unit_destroy(units=units, actor=actor)
    elif step == Step.ISSUING:
        pseudonyms = [e.get("destination", "").rsplit("/", 1)[-1] for e in document.get("destinationList") or ()]
        worker = Worker.objects.filter(pseudonym__in=pseudonyms).first()
        if worker is None:
            raise CustodyError(_("An issuing event must name the worker by pseudonym in destinationList."),
                               code="unknown_worker", field="destinationList")
        unit_issue(units=units, worker=worker, actor=actor)
    elif step == Step.RETURNING:
        unit_return(units=units, actor=actor)
    else:
        raise CustodyError(_("Business step %(step)s does not change custody here.") % {"step": step or "-"},
                           code="unsupported_biz_step", field="bizStep")



