"""Trace selectors: downstream of a batch, upstream of a unit, the history of a unit.

Set-based with a fixed number of queries whatever the batch size or the number of events per
unit: the downstream trace reads the batch's flow edges (one row per sender/receiver pair) and
one GROUP BY over its units (an index-only scan of ``products_unit_trace_idx``), never events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from products.models import Batch, BatchFlow, Certificate, Event, EventEPC, Holding, ShipmentLine, Unit, UnitStatus
from traceability.gs1 import lgtin_class, sgtin_epc
from traceability.models import Organization


@dataclass
class HolderNode:
    """One organisation that holds or held units of the batch, with what it has now."""

    organization: Organization
    received: int = 0  # units / quantity it ever received (the maker: commissioned)
    by_status: dict[str, int] = field(default_factory=dict)
    quantity: int = 0  # batch quantity in stock (consumables)
    consumed: int = 0  # batch quantity issued to workers
    children: list[HolderNode] = field(default_factory=list)
    sent: dict[int, int] = field(default_factory=dict)  # destination id -> units

    @property
    def current(self) -> int:
        return sum(n for s, n in self.by_status.items() if s != UnitStatus.IN_TRANSIT) + self.quantity

    @property
    def with_workers(self) -> int:
        return self.by_status.get(UnitStatus.ISSUED, 0) + self.consumed

    @property
    def in_transit(self) -> int:
        return self.by_status.get(UnitStatus.IN_TRANSIT, 0)

    @property
    def is_current(self) -> bool:
        return self.current > 0 or self.in_transit > 0 or self.consumed > 0

    def as_dict(self) -> dict:
        org = self.organization
        return {"organization": {"id": org.pk, "name": org.name, "kinds": org.kinds}, "received": self.received,
                "current": self.current, "in_transit_out": self.in_transit, "with_workers": self.with_workers,
                "by_status": self.by_status, "quantity": self.quantity, "consumed": self.consumed,
                "children": [c.as_dict() for c in self.children]}


@dataclass
class DownstreamTrace:
    batch: Batch
    root: HolderNode | None
    holders: dict[int, HolderNode]

    @property
    def affected(self) -> list[HolderNode]:
        """Every organisation that holds units now, or has units with its workers, by name."""
        return sorted((n for n in self.holders.values() if n.is_current), key=lambda n: n.organization.name)

    def as_dict(self) -> dict:
        return {"batch": {"id": self.batch.pk, "lot": self.batch.lot, "gtin": self.batch.product_model.gtin},
                "tree": self.root.as_dict() if self.root else None,
                "affected": [{"organization_id": n.organization.pk, "name": n.organization.name, "current": n.current,
                              "with_workers": n.with_workers} for n in self.affected]}


def batch_trace_downstream(batch: Batch) -> DownstreamTrace:
    """Every current and past holder of ``batch``, as a tree from its maker, with current counts.

    Five queries, whatever the size of the batch: flow edges, their organisations, unit counts by
    holder and status, batch-quantity holdings, and quantities in transit.
    """
    edges = list(BatchFlow.objects.filter(batch=batch).order_by("first_at", "pk")
                 .values_list("source_id", "destination_id", "units"))
    org_ids = {s for s, _d, _n in edges} | {d for _s, d, _n in edges}
    orgs = Organization.objects.only("id", "name", "is_manufacturer", "is_distributor", "is_enterprise",
                                     "is_laboratory", "is_regulator").in_bulk(list(org_ids))
    holders = {pk: HolderNode(org) for pk, org in orgs.items()}
    root = None
    for source_id, destination_id, units in edges:
        target = holders[destination_id]
        target.received += units
        if source_id == destination_id:
            root = target
        else:
            holders[source_id].sent[destination_id] = units
    for holder_id, status, n in (Unit.objects.filter(batch=batch).values_list("holder_id", "status")
                                 .annotate(n=Count("*")).order_by()):
        if holder_id in holders:
            holders[holder_id].by_status[status] = n
    for holder_id, quantity, consumed in Holding.objects.filter(batch=batch).values_list("holder_id", "quantity", "consumed"):
        if holder_id in holders:
            holders[holder_id].quantity, holders[holder_id].consumed = quantity, consumed
    for sender_id, n in (ShipmentLine.objects.filter(batch=batch, state=ShipmentLine.State.IN_TRANSIT)
                         .values_list("shipment__sender_id").annotate(n=Sum("quantity")).order_by()):
        if sender_id in holders:
            holders[sender_id].by_status[UnitStatus.IN_TRANSIT] = holders[sender_id].by_status.get(UnitStatus.IN_TRANSIT, 0) + n
    # A tree: each organisation hangs under the first organisation that sent it any of the batch.
    placed = {root.organization.pk} if root else set()
    for source_id, destination_id, _units in edges:
        if source_id != destination_id and destination_id not in placed:
            holders[source_id].children.append(holders[destination_id])
            placed.add(destination_id)
    return DownstreamTrace(batch=batch, root=root, holders=holders)


def batch_affected_holders(batch: Batch) -> list[tuple[int, int, int]]:
    """The recall answer in its smallest form: (organisation id, units held now, with workers), by id.

    Two queries: one GROUP BY over the batch's units and one over its holdings.
    """
    rows: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    # GROUP BY (holder, status) with COUNT(*) reads only the (batch, holder, status) index.
    for holder_id, status, n in (Unit.objects.filter(batch=batch).values_list("holder_id", "status")
                                 .annotate(n=Count("*")).order_by()):
        if status != UnitStatus.IN_TRANSIT:
            rows[holder_id][0] += n
        if status == UnitStatus.ISSUED:
            rows[holder_id][1] += n
    for holder_id, quantity, consumed in Holding.objects.filter(batch=batch).values_list("holder_id", "quantity", "consumed"):
        rows[holder_id][0] += quantity + consumed
        rows[holder_id][1] += consumed
    return sorted((k, v[0], v[1]) for k, v in rows.items() if v[0] or v[1])


@dataclass
class UpstreamTrace:
    unit: Unit
    certificates: list[Certificate]
    custody: list[dict]
    history: list[Event]

    def as_dict(self) -> dict:
        unit, batch = self.unit, self.unit.batch
        model = batch.product_model
        return {
            "unit": {"gtin": unit.gtin, "serial": unit.serial, "status": unit.status, "recalled": unit.recalled},
            "manufacturer": {"id": model.manufacturer_id, "name": model.manufacturer.name},
            "product_model": {"id": model.pk, "name": model.name, "model_number": model.model_number},
            "batch": {"id": batch.pk, "lot": batch.lot, "production_date": batch.production_date.isoformat(),
                      "expiry_date": batch.expiry_date.isoformat() if batch.expiry_date else None,
                      "release_state": batch.release_state},
            "certificates": [{"kind": c.kind, "number": c.number, "valid_until": c.valid_until.isoformat(),
                              "valid_on_production_date": c.is_valid_on(batch.production_date)}
                             for c in self.certificates],
            "custody": self.custody,
            "history": [{"seq": e.seq, "event_id": e.event_id, "biz_step": e.biz_step, "disposition": e.disposition,
                         "event_time": e.event_time.isoformat()} for e in self.history],
        }


def unit_history(unit: Unit) -> list[Event]:
    """Every event naming the unit, by its EPC or by its lot's class (recalls, batch-level events), in order.

    One query, through the EventEPC index.
    """
    epcs = [sgtin_epc(unit.gtin, unit.serial), lgtin_class(unit.gtin, unit.batch.lot)]
    return list(Event.objects.filter(pk__in=EventEPC.objects.filter(epc__in=epcs).values("event_id")).order_by("seq"))


def unit_trace_upstream(unit: Unit) -> UpstreamTrace:
    """Where a unit came from: maker, model, batch and its certificates, every custody step, its events.

    Four queries: the unit with batch, model and maker; the model's certificates; the unit's
    shipment lines with both parties; its history.
    """
    unit = Unit.objects.select_related("batch__product_model__manufacturer", "holder", "worker").get(pk=unit.pk)
    certificates = list(Certificate.objects.filter(product_models=unit.batch.product_model_id).order_by("kind", "number"))
    custody = [
        {"shipment": line.shipment.number, "from": line.shipment.sender.name, "to": line.shipment.receiver.name,
         "shipped_at": line.shipment.shipped_at.isoformat() if line.shipment.shipped_at else None,
         "received_at": line.shipment.received_at.isoformat() if line.shipment.received_at else None,
         "state": line.state}
        for line in ShipmentLine.objects.filter(unit=unit).exclude(state=ShipmentLine.State.PENDING)
        .select_related("shipment__sender", "shipment__receiver").order_by("shipment__shipped_at", "pk")
    ]
    return UpstreamTrace(unit=unit, certificates=certificates, custody=custody, history=unit_history(unit))
