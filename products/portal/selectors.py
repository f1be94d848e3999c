"""Reads of the portal, every one scoped to the caller's organisation (DESIGN §1).

An organisation sees what it holds, what is on its way to it, what it sent, and its own workers;
anything else answers as if it did not exist (the views turn that into 404 / "Unknown code").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from products.models import (
    Batch,
    Container,
    Event,
    EventEPC,
    Holding,
    ProductCategory,
    Recall,
    Shipment,
    ShipmentLine,
    Unit,
    UnitStatus,
    Worker,
)
from traceability.gs1 import party_uri, sgtin_epc
from traceability.models import Organization

from .codes import Scanned, code_parse

INCOMING_STATES = (Shipment.State.SHIPPED, Shipment.State.PARTLY_RECEIVED)
GONE = (UnitStatus.DESTROYED,)
EXPIRY_WARNING_DAYS = 30
INSPECTION_WARNING_DAYS = 7

# Which units a scan may name, by purpose.
SCOPE_HELD = "held"  # units the organisation holds now (ship, issue, inspect, retire, quarantine)
SCOPE_INCOMING = "incoming"  # units in transit to the organisation (receive)
SCOPE_KNOWN = "known"  # units it holds, is being sent, or ever sent or was sent (unit page)


def _units() -> QuerySet[Unit]:
    return Unit.objects.select_related("batch__product_model__category", "worker")


def unit_scope(org: Organization, scope: str = SCOPE_KNOWN) -> QuerySet[Unit]:
    """The units ``org`` may see for ``scope``."""
    if scope == SCOPE_HELD:
        return _units().filter(holder=org)
    if scope == SCOPE_INCOMING:
        return _units().filter(status=UnitStatus.IN_TRANSIT, destination=org)
    moved = ShipmentLine.objects.filter(Q(shipment__sender=org) | Q(shipment__receiver=org),
                                        unit__isnull=False).exclude(shipment__state=Shipment.State.DRAFT)
    return _units().filter(Q(holder=org) | Q(destination=org) | Q(pk__in=moved.values("unit_id")))


def unit_get(org: Organization, pk: int) -> Unit | None:
    """A unit ``org`` holds or held, else ``None``."""
    return unit_scope(org).filter(pk=pk).first()


def unit_find(org: Organization, code: str | Scanned, *, scope: str = SCOPE_HELD) -> Unit:
    """The one unit in ``scope`` that ``code`` names.

    Raises ``ValidationError`` ("Unknown code ...") when the code names no unit in scope: a unit of
    another organisation is reported exactly like one that does not exist.
    """
    scanned = code if isinstance(code, Scanned) else code_parse(code)
    if not scanned.is_unit:
        raise ValidationError(_("Code %(code)s is a carton or pallet, not one item.") % {"code": scanned.raw},
                              code="not_an_item")
    units = unit_scope(org, scope).filter(serial=scanned.serial)
    if scanned.gtin:
        units = units.filter(gtin=scanned.gtin)
    found = list(units[:2])
    if not found:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": scanned.raw}, code="unknown_code")
    if len(found) > 1:
        raise ValidationError(_("Several items have serial %(serial)s: scan the full code.")
                              % {"serial": scanned.serial}, code="ambiguous")
    return found[0]


@dataclass
class Resolved:
    """What a list of scanned codes names: units, cartons, and one message per code that names nothing."""

    units: list[Unit] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


RESOLVE_CHUNK = 2000


def codes_resolve(org: Organization, codes: list[str], *, scope: str = SCOPE_HELD) -> Resolved:
    """Resolve many scanned codes at once: a few queries per two thousand codes, never one per code.

    Units and cartons are looked up only inside ``scope``; a code naming another organisation's
    item is reported as "Unknown code", exactly like one that names nothing.
    """
    result = Resolved()
    unit_codes: list[Scanned] = []
    carton_codes: list[Scanned] = []
    for code in codes:
        try:
            scanned = code_parse(code)
        except ValidationError as exc:
            result.errors.extend(exc.messages)
            continue
        (carton_codes if scanned.is_container else unit_codes).append(scanned)
    by_serial: dict[str, list[Unit]] = {}
    serials = sorted({c.serial for c in unit_codes})
    for i in range(0, len(serials), RESOLVE_CHUNK):
        for unit in unit_scope(org, scope).filter(serial__in=serials[i:i + RESOLVE_CHUNK]):
            by_serial.setdefault(unit.serial, []).append(unit)
    seen: set[int] = set()
    for scanned in unit_codes:
        found = [u for u in by_serial.get(scanned.serial, []) if not scanned.gtin or u.gtin == scanned.gtin]
        if not found:
            result.errors.append(_("Unknown code %(code)s.") % {"code": scanned.raw})
        elif len(found) > 1:
            result.errors.append(_("Several items have serial %(serial)s: scan the full code.")
                                 % {"serial": scanned.serial})
        elif found[0].pk not in seen:
            seen.add(found[0].pk)
            result.units.append(found[0])
    if carton_codes:
        containers = Container.objects.filter(sscc__in={c.sscc for c in carton_codes})
        if scope == SCOPE_INCOMING:
            containers = containers.filter(status=UnitStatus.IN_TRANSIT, destination=org)
        else:
            containers = containers.filter(holder=org)
        by_sscc = {c.sscc: c for c in containers}
        for scanned in carton_codes:
            if scanned.sscc in by_sscc:
                if by_sscc[scanned.sscc] not in result.containers:
                    result.containers.append(by_sscc[scanned.sscc])
            else:
                result.errors.append(_("Unknown code %(code)s.") % {"code": scanned.raw})
    return result


def container_find(org: Organization, code: str | Scanned, *, scope: str = SCOPE_HELD) -> Container:
    """The carton / pallet ``code`` names, held by ``org`` or (``incoming``) on its way to it."""
    scanned = code if isinstance(code, Scanned) else code_parse(code)
    if not scanned.is_container:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": scanned.raw}, code="unknown_code")
    containers = Container.objects.filter(sscc=scanned.sscc)
    if scope == SCOPE_INCOMING:
        containers = containers.filter(status=UnitStatus.IN_TRANSIT, destination=org)
    else:
        containers = containers.filter(holder=org)
    container = containers.first()
    if container is None:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": scanned.raw}, code="unknown_code")
    return container


# --- shipments -----------------------------------------------------------------------------------

def _with_counts(shipments: QuerySet[Shipment]) -> QuerySet[Shipment]:
    return shipments.select_related("sender", "receiver").annotate(
        line_count=Count("lines"),
        in_transit_count=Count("lines", filter=Q(lines__state=ShipmentLine.State.IN_TRANSIT)),
        received_count=Count("lines", filter=Q(lines__state=ShipmentLine.State.RECEIVED)),
    )


def shipment_incoming_list(org: Organization) -> QuerySet[Shipment]:
    """Shipments on their way to ``org`` (despatched or partly received), oldest first."""
    return _with_counts(Shipment.objects.filter(receiver=org, state__in=INCOMING_STATES)).order_by("shipped_at", "pk")


def shipment_outgoing_list(org: Organization, *, limit: int = 50) -> QuerySet[Shipment]:
    """Shipments ``org`` sent or is preparing, newest first."""
    return _with_counts(Shipment.objects.filter(sender=org)).order_by("-created_at", "-pk")[:limit]


def shipment_received_list(org: Organization, *, limit: int = 20) -> QuerySet[Shipment]:
    """Shipments ``org`` has finished receiving or rejected, newest first."""
    return _with_counts(Shipment.objects.filter(receiver=org).exclude(state__in=(*INCOMING_STATES, Shipment.State.DRAFT))
                        ).order_by("-received_at", "-pk")[:limit]


def shipment_get_incoming(org: Organization, pk: int) -> Shipment | None:
    """A shipment addressed to ``org`` (never a draft: the receiver sees it once despatched)."""
    return _with_counts(Shipment.objects.filter(pk=pk, receiver=org).exclude(state=Shipment.State.DRAFT)).first()


def shipment_get_outgoing(org: Organization, pk: int) -> Shipment | None:
    return _with_counts(Shipment.objects.filter(pk=pk, sender=org)).first()


def shipment_find_by_code(org: Organization, code: str) -> Shipment:
    """The incoming shipment that carries the unit or carton ``code`` names, or its number."""
    raw = (code or "").strip()
    by_number = Shipment.objects.filter(number=raw, receiver=org, state__in=INCOMING_STATES).first()
    if by_number:
        return by_number
    scanned = code_parse(raw)
    lines = ShipmentLine.objects.filter(state=ShipmentLine.State.IN_TRANSIT, shipment__receiver=org,
                                        shipment__state__in=INCOMING_STATES)
    if scanned.is_container:
        line = lines.filter(container=container_find(org, scanned, scope=SCOPE_INCOMING)).first()
    else:
        line = lines.filter(unit=unit_find(org, scanned, scope=SCOPE_INCOMING)).first()
    if line is None:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": raw}, code="unknown_code")
    return line.shipment


def shipment_lines(shipment: Shipment) -> QuerySet[ShipmentLine]:
    return shipment.lines.select_related("unit__batch__product_model", "container", "batch__product_model").order_by("pk")


def receiver_choices(org: Organization) -> QuerySet[Organization]:
    """Organisations ``org`` may ship to: distributors and user enterprises other than itself."""
    return Organization.objects.filter(Q(is_distributor=True) | Q(is_enterprise=True)).exclude(pk=org.pk).order_by("name")


# --- dashboard ----------------------------------------------------------------------------------

@dataclass
class StockRow:
    batch_id: int
    product: str
    model_number: str
    lot: str
    expiry_date: datetime.date | None
    recalled: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_stock(self) -> int:
        return self.counts.get(UnitStatus.IN_STOCK, 0) + self.counts.get(UnitStatus.COMMISSIONED, 0)

    @property
    def issued(self) -> int:
        return self.counts.get(UnitStatus.ISSUED, 0)

    @property
    def quarantined(self) -> int:
        return self.counts.get(UnitStatus.QUARANTINED, 0)

    @property
    def retired(self) -> int:
        return self.counts.get(UnitStatus.RETIRED, 0)


def stock_summary(org: Organization) -> list[StockRow]:
    """What ``org`` holds, per batch: unit counts by status (destroyed excluded), in one query."""
    rows: dict[int, StockRow] = {}
    query = (Unit.objects.filter(holder=org).exclude(status__in=GONE)
             .values("batch_id", "batch__product_model__name", "batch__product_model__model_number", "batch__lot",
                     "batch__expiry_date", "batch__release_state", "status")
             .annotate(n=Count("pk")).order_by("batch__product_model__name", "batch__lot", "status"))
    for r in query:
        row = rows.setdefault(r["batch_id"], StockRow(
            batch_id=r["batch_id"], product=r["batch__product_model__name"],
            model_number=r["batch__product_model__model_number"], lot=r["batch__lot"],
            expiry_date=r["batch__expiry_date"], recalled=r["batch__release_state"] == Batch.ReleaseState.RECALLED))
        row.counts[r["status"]] = r["n"]
    return list(rows.values())


def holding_list(org: Organization) -> QuerySet[Holding]:
    """Batch quantities (consumables) ``org`` holds."""
    return (Holding.objects.filter(holder=org, quantity__gt=0).select_related("batch__product_model")
            .order_by("batch__product_model__name", "batch__lot"))


def units_near_expiry(org: Organization, *, days: int = EXPIRY_WARNING_DAYS, limit: int = 50) -> QuerySet[Unit]:
    """Units ``org`` holds in stock or in use whose batch expires within ``days`` (or has expired)."""
    cutoff = timezone.localdate() + datetime.timedelta(days=days)
    return (_units().filter(holder=org, status__in=(UnitStatus.IN_STOCK, UnitStatus.ISSUED, UnitStatus.COMMISSIONED),
                            batch__expiry_date__lte=cutoff)
            .order_by("batch__expiry_date", "pk")[:limit])


def units_due_inspection(org: Organization, *, days: int = INSPECTION_WARNING_DAYS, limit: int = 50) -> list[Unit]:
    """Units in use at ``org`` whose periodic inspection falls due within ``days``.

    Due = (last inspection, else first use) + the category's inspection interval. One query per
    category that has an interval (a handful), never one per unit.
    """
    today = timezone.localdate()
    due: list[Unit] = []
    categories = ProductCategory.objects.filter(inspection_interval_days__isnull=False).values_list(
        "pk", "inspection_interval_days")
    for category_id, interval in categories:
        cutoff = today + datetime.timedelta(days=days) - datetime.timedelta(days=interval)
        due.extend(_units().annotate(since=Coalesce("last_inspected_on", "first_use_date"))
                   .filter(holder=org, status=UnitStatus.ISSUED, batch__product_model__category_id=category_id,
                           since__lte=cutoff).order_by("since", "pk")[:limit])
    for unit in due:
        unit.due_on = unit.since + datetime.timedelta(days=unit.batch.product_model.category.inspection_interval_days)
    return sorted(due, key=lambda u: (u.due_on, u.pk))[:limit]


@dataclass
class RecallRow:
    recall: Recall | None
    batch: Batch
    held: int
    in_stock: int
    issued: int
    quarantined: int


def recalled_holdings(org: Organization) -> list[RecallRow]:
    """Per recalled batch: how many of its units ``org`` still holds, and in which state."""
    counts = (Unit.objects.filter(holder=org, recalled=True).exclude(status__in=(*GONE, UnitStatus.RETIRED))
              .values("batch_id", "status").annotate(n=Count("pk")))
    per_batch: dict[int, dict[str, int]] = {}
    for r in counts:
        per_batch.setdefault(r["batch_id"], {})[r["status"]] = r["n"]
    if not per_batch:
        return []
    batches = Batch.objects.select_related("product_model").in_bulk(list(per_batch))
    recalls: dict[int, Recall] = {}
    for recall in Recall.objects.filter(batches__in=list(per_batch)).order_by("opened_at").prefetch_related("batches"):
        for batch in recall.batches.all():
            recalls[batch.pk] = recall
    rows = []
    for batch_id, by_status in per_batch.items():
        rows.append(RecallRow(recall=recalls.get(batch_id), batch=batches[batch_id], held=sum(by_status.values()),
                              in_stock=by_status.get(UnitStatus.IN_STOCK, 0) + by_status.get(UnitStatus.COMMISSIONED, 0),
                              issued=by_status.get(UnitStatus.ISSUED, 0),
                              quarantined=by_status.get(UnitStatus.QUARANTINED, 0)))
    return sorted(rows, key=lambda r: (str(r.batch), r.batch.pk))


def recalled_units_to_quarantine(org: Organization) -> list[int]:
    """Ids of recalled units ``org`` holds in stock or in use (what "quarantine all" acts on)."""
    return list(Unit.objects.filter(holder=org, recalled=True,
                                    status__in=(UnitStatus.IN_STOCK, UnitStatus.COMMISSIONED, UnitStatus.ISSUED))
                .order_by("pk").values_list("pk", flat=True))


# --- workers ----------------------------------------------------------------------------------

def worker_list(org: Organization) -> QuerySet[Worker]:
    """The enterprise's own workers with how many units each has now."""
    return (Worker.objects.filter(enterprise=org)
            .annotate(issued_count=Count("units", filter=Q(units__status=UnitStatus.ISSUED, units__holder=org)))
            .order_by("-active", "employee_number"))


def worker_get(org: Organization, pk: int) -> Worker | None:
    return Worker.objects.filter(enterprise=org, pk=pk).first()


def worker_find(org: Organization, value: str) -> Worker | None:
    """An active worker of ``org`` by employee number (what a badge scan or a person types)."""
    return Worker.objects.filter(enterprise=org, employee_number=(value or "").strip(), active=True).first()


def worker_units(org: Organization, worker: Worker) -> QuerySet[Unit]:
    return _units().filter(holder=org, worker=worker, status=UnitStatus.ISSUED).order_by("pk")


# --- history -----------------------------------------------------------------------------------

STEP_LABELS = {
    "commissioning": _l("Made"),
    "packing": _l("Packed"),
    "unpacking": _l("Unpacked"),
    "shipping": _l("Shipped"),
    "receiving": _l("Received"),
    "urn:ppe-trace:bizstep:rejecting": _l("Rejected"),
    "urn:ppe-trace:bizstep:issuing": _l("Issued to a worker"),
    "urn:ppe-trace:bizstep:returning": _l("Taken back"),
    "inspecting": _l("Inspected"),
    "holding": _l("Quarantined"),
    "urn:ppe-trace:bizstep:releasing": _l("Released from quarantine"),
    "decommissioning": _l("Retired"),
    "destroying": _l("Destroyed"),
}
DISPOSITION_LABELS = {
    "conformant": _l("passed"),
    "non_conformant": _l("failed"),
    "recalled": _l("recalled"),
}

def unit_events(org: Organization, unit: Unit) -> list[Event]:
    """The unit's events as ``org`` may see them (DESIGN §1: no other organisation's private steps).

    From the custody engine's ``unit_history`` (every event naming the unit or its lot): those ``org``
    recorded, the unit's commissioning, recalls (lot-level), and moves where ``org`` is a party.
    Each event gets ``recorder_name``; two queries in all.
    """
    try:
        from products.selectors.trace import unit_history
    except ImportError:  # pragma: no cover - the custody engine's selector is not there
        epc = sgtin_epc(unit.gtin, unit.serial)
        events = list(Event.objects.filter(pk__in=EventEPC.objects.filter(epc=epc).values("event_id")).order_by("seq"))
    else:
        events = unit_history(unit)
    party = party_uri(org)
    visible = []
    for event in events:
        doc = event.document
        parties = {p.get("source") or p.get("destination")
                   for p in (doc.get("sourceList") or []) + (doc.get("destinationList") or [])}
        if (event.recorded_by_id == org.pk or event.biz_step == "commissioning" or party in parties
                or event.disposition == "recalled"):
            visible.append(event)
    names = dict(Organization.objects.filter(pk__in={e.recorded_by_id for e in visible if e.recorded_by_id})
                 .values_list("pk", "name"))
    for event in visible:
        event.recorder_name = names.get(event.recorded_by_id, "")
        event.step_label = STEP_LABELS.get(event.biz_step, event.biz_step.rsplit(":", 1)[-1])
        if event.disposition == "recalled":
            event.step_label = _("Recall")
        event.disposition_label = DISPOSITION_LABELS.get(event.disposition, "")
    return visible
