"""Moving custody: packing, shipping and receiving units, containers and batch quantities."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Batch, Container, Holding, Shipment, ShipmentLine, Unit, UnitStatus
from products.services.errors import ConflictError, CustodyError, InsufficientQuantity, NotAllowed
from traceability.gs1 import lgtin_class, sscc_epc
from traceability.models import Organization, Site
from traceability.validators import validate_sscc

from ._common import (
    HELD,
    Disp,
    Step,
    append,
    biz_transaction,
    check_units,
    chunked_events,
    chunks,
    copy_rows,
    flow_add,
    guarded_update,
    ids_of,
    load_units,
    location_uri,
    party_list,
    upsert_add,
)

# --- containers ----------------------------------------------------------------------------------

@transaction.atomic
def container_pack(*, sscc: str, units: Iterable[Unit | int], actor: Organization, site: Site | None = None,
                   kind: str = Container.Kind.CARTON, user=None) -> Container:
    """Pack units the actor holds into the container ``sscc`` (created for the actor if new).

    One AggregationEvent ADD ``packing`` / ``container_closed`` naming the SSCC and the units.
    """
    validate_sscc(sscc)
    container, _created = Container.objects.get_or_create(sscc=sscc, defaults={"holder": actor, "site": site,
                                                                              "kind": kind})
    if container.holder_id != actor.pk:
        raise NotAllowed(_("%(org)s does not hold container %(sscc)s.") % {"org": actor, "sscc": sscc},
                         code="not_holder", field="sscc")
    if container.status not in HELD:
        raise CustodyError(_("Container %(sscc)s is not in stock.") % {"sscc": sscc}, code="wrong_state", field="sscc")
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=HELD, verb=_("packed"))
    packed = [r for r in rows if r.container_id and r.container_id != container.pk]
    if packed:
        raise CustodyError(_("%(unit)s is already packed in another container; unpack it first.")
                           % {"unit": packed[0].label}, code="already_packed", field="units")
    guarded_update(ids, expect={"holder": actor, "status__in": HELD}, changes={"container": container})
    place = location_uri(site or container.site, actor)
    append(chunked_events([r.epc for r in rows], event_type="AggregationEvent", parent=sscc_epc(sscc), action="ADD",
                          biz_step=Step.PACKING, disposition=Disp.CONTAINER_CLOSED, read_point=place,
                          biz_location=place), actor=actor)
    return container


@transaction.atomic
def container_unpack(*, container: Container, actor: Organization, units: Iterable[Unit | int] | None = None,
                     user=None) -> int:
    """Take units (all when ``units`` is None) out of a container the actor holds; returns how many.

    One AggregationEvent DELETE ``unpacking`` / ``container_open``.
    """
    if container.holder_id != actor.pk:
        raise NotAllowed(_("%(org)s does not hold container %(sscc)s.") % {"org": actor, "sscc": container.sscc},
                         code="not_holder", field="container")
    if container.status == UnitStatus.IN_TRANSIT:
        raise CustodyError(_("Container %(sscc)s is in transit.") % {"sscc": container.sscc}, code="in_transit",
                           field="container")
    inside = list(Unit.objects.filter(container=container).values_list("pk", flat=True))
    ids = inside if units is None else ids_of(units)
    if not ids:
        raise CustodyError(_("Container %(sscc)s is empty.") % {"sscc": container.sscc}, code="empty", field="units")
    outside = set(ids) - set(inside)
    if outside:
        raise CustodyError(_("%(n)d of the units are not in container %(sscc)s.") % {"n": len(outside), "sscc": container.sscc},
                           code="not_in_container", field="units")
    rows = load_units(ids)
    guarded_update(ids, expect={"container": container}, changes={"container": None})
    place = location_uri(container.site, actor)
    append(chunked_events([r.epc for r in rows], event_type="AggregationEvent", parent=sscc_epc(container.sscc),
                          action="DELETE", biz_step=Step.UNPACKING, disposition=Disp.CONTAINER_OPEN,
                          read_point=place, biz_location=place), actor=actor)
    return len(ids)


def _container_tree(roots: list[int]) -> tuple[list[int], list[int]]:
    """All containers under ``roots`` (one query per level) and the units inside any of them."""
    containers, level = list(roots), list(roots)
    while level:
        level = list(Container.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        containers.extend(level)
    units = []
    for part in chunks(containers):
        units.extend(Unit.objects.filter(container_id__in=part).values_list("pk", flat=True))
    return containers, units


# --- shipments ----------------------------------------------------------------------------------

@transaction.atomic
def shipment_create(*, actor: Organization, receiver: Organization, units: Iterable[Unit | int] = (),
                    containers: Iterable[Container | int] = (), quantities: Mapping[Batch | int, int] | None = None,
                    from_site: Site | None = None, to_site: Site | None = None, reference: str = "",
                    user=None) -> Shipment:
    """A draft shipment from ``actor`` to ``receiver``; a container brings every unit packed in it.

    Only checks that the actor holds what it lists; every rule is checked again, race-safely, by
    ``shipment_ship``.
    """
    if receiver.pk == actor.pk:
        raise CustodyError(_("A shipment goes to another organisation."), code="to_self", field="receiver")
    if to_site is not None and to_site.organization_id != receiver.pk:
        raise CustodyError(_("The destination site belongs to another organisation."), code="wrong_site", field="to_site")
    container_ids = ids_of(containers)
    if container_ids:
        foreign = Container.objects.filter(pk__in=container_ids).exclude(holder=actor).values_list("sscc", flat=True)
        if foreign:
            raise NotAllowed(_("%(org)s does not hold container %(sscc)s.") % {"org": actor, "sscc": foreign[0]},
                             code="not_holder", field="containers")
        container_ids, packed_units = _container_tree(container_ids)
    else:
        packed_units = []
    unit_ids = ids_of([*units, *packed_units])
    for part in chunks(unit_ids):
        # Only who holds them here (two aggregate queries); shipment_ship checks every rule again.
        if Unit.objects.filter(pk__in=part).count() != len(part):
            raise CustodyError(_("Some of the units do not exist."), code="unknown_unit", field="units")
        foreign = list(Unit.objects.filter(pk__in=part).exclude(holder=actor).values_list("gtin", "serial")[:5])
        if foreign:
            raise NotAllowed(_("%(org)s does not hold %(units)s, so it may not ship them.")
                             % {"org": actor, "units": ", ".join(f"{g}/{s}" for g, s in foreign)},
                             code="not_holder", field="units")
    quantity_lines = {}
    for batch, quantity in (quantities or {}).items():
        batch_id = batch if isinstance(batch, int) else batch.pk
        if quantity <= 0:
            raise CustodyError(_("A shipped quantity must be positive."), code="negative_quantity", field="quantities")
        quantity_lines[batch_id] = quantity
    if not (unit_ids or container_ids or quantity_lines):
        raise CustodyError(_("A shipment needs at least one unit, container or quantity."), code="empty", field="units")
    shipment = Shipment.objects.create(sender=actor, receiver=receiver, from_site=from_site, to_site=to_site,
                                       reference=reference)
    pending = ShipmentLine.State.PENDING.value
    copy_rows(ShipmentLine._meta.db_table, ("shipment_id", "unit_id", "container_id", "batch_id", "quantity", "state"),
              [(shipment.pk, u, None, None, 1, pending) for u in unit_ids]
              + [(shipment.pk, None, c, None, 0, pending) for c in container_ids]
              + [(shipment.pk, None, None, b, q, pending) for b, q in quantity_lines.items()])
    return shipment


def _shipment_lines(shipment: Shipment, state: str) -> tuple[list[int], list[int], list[tuple[int, int, int]]]:
    unit_ids, container_ids, quantity_lines = [], [], []
    for pk, unit_id, container_id, batch_id, quantity in (
            shipment.lines.filter(state=state).values_list("pk", "unit_id", "container_id", "batch_id", "quantity")):
        if unit_id:
            unit_ids.append(unit_id)
        elif container_id:
            container_ids.append(container_id)
        else:
            quantity_lines.append((pk, batch_id, quantity))
    return unit_ids, container_ids, quantity_lines


def _line_units(shipment: Shipment, state: str):
    """The shipment's units in lines of ``state``, selected by a subquery (no list of 10,000 ids)."""
    return Unit.objects.filter(pk__in=ShipmentLine.objects.filter(shipment=shipment, state=state, unit__isnull=False)
                               .values("unit_id"))


def _quantity_docs(quantity_lines, batches: dict[int, Batch]) -> list[dict]:
    return [{"epcClass": lgtin_class(batches[b].product_model.gtin, batches[b].lot), "quantity": q}
            for _pk, b, q in quantity_lines]


def _check_batches(batch_ids: Iterable[int], verb: str) -> dict[int, Batch]:
    batches = Batch.objects.select_related("product_model").in_bulk(list(set(batch_ids)))
    today = timezone.localdate()
    for batch in batches.values():
        if batch.release_state == Batch.ReleaseState.RECALLED:
            raise CustodyError(_("Batch %(batch)s is recalled and cannot be %(verb)s.") % {"batch": batch, "verb": verb},
                               code="recalled", field="quantities")
        if batch.release_state == Batch.ReleaseState.QUARANTINED:
            raise CustodyError(_("Batch %(batch)s is quarantined and cannot be %(verb)s.") % {"batch": batch, "verb": verb},
                               code="quarantined", field="quantities")
        if batch.expiry_date and batch.expiry_date < today:
            raise CustodyError(_("Batch %(batch)s has expired and cannot be %(verb)s.") % {"batch": batch, "verb": verb},
                               code="expired", field="quantities")
    return batches


def holding_take(*, batch_id: int, holder: Organization, quantity: int, field: str = "quantities") -> None:
    """Take ``quantity`` out of a holding with one conditional UPDATE; never below zero (inv. 1, 2).

    Of two concurrent takes that together overdraw, the second's UPDATE waits for the first and then
    matches no row: it raises ``InsufficientQuantity`` (a ``ConflictError``) and rolls back.
    """
    taken = Holding.objects.filter(batch_id=batch_id, holder=holder, quantity__gte=quantity).update(
        quantity=F("quantity") - quantity, updated_at=timezone.now())
    if taken != 1:
        held = Holding.objects.filter(batch_id=batch_id, holder=holder).values_list("quantity", flat=True).first() or 0
        raise InsufficientQuantity(_("%(org)s holds %(held)d of batch #%(batch)d, not the %(quantity)d asked for.")
                                   % {"org": holder, "held": held, "batch": batch_id, "quantity": quantity},
                                   code="insufficient_quantity", field=field)


def holding_put(*, batch_id: int, holder: Organization, quantity: int) -> None:
    upsert_add(Holding, {"batch": batch_id, "holder": holder.pk}, {"quantity": quantity, "consumed": 0, "destroyed": 0},
               {"updated_at": timezone.now()})


@transaction.atomic
def shipment_ship(*, shipment: Shipment, actor: Organization, user=None) -> Shipment:
    """Despatch a draft shipment: every unit, container and quantity leaves the sender's stock.

    The sender must hold everything; recalled, quarantined, expired and retired units are refused
    with the reason (inv. 3). Units change with one conditional UPDATE, quantities with a
    conditional decrement: of two concurrent shipments of the same unit or of more than a holding
    has, exactly one succeeds and the other raises ``ConflictError`` (inv. 2). Events: ObjectEvent
    OBSERVE ``shipping`` / ``in_transit`` per thousand EPCs, with the despatch advice and parties.
    """
    if shipment.sender_id != actor.pk:
        raise NotAllowed(_("Only the sender may despatch shipment %(number)s.") % {"number": shipment.number},
                         code="not_sender", field="shipment")
    if shipment.state != Shipment.State.DRAFT:
        raise ConflictError(_("Shipment %(number)s has already been despatched.") % {"number": shipment.number},
                            code="already_shipped", field="shipment")
    now = timezone.now()
    unit_ids, container_ids, quantity_lines = _shipment_lines(shipment, ShipmentLine.State.PENDING)
    base = _line_units(shipment, ShipmentLine.State.PENDING)
    rows = load_units(unit_ids, base=base) if unit_ids else []
    if rows:
        check_units(rows, actor=actor, allowed=HELD, verb=_("shipped"), usable=True)
    batches = _check_batches([b for _pk, b, _q in quantity_lines], _("shipped"))
    if Shipment.objects.filter(pk=shipment.pk, state=Shipment.State.DRAFT).update(
            state=Shipment.State.SHIPPED, shipped_at=now) != 1:
        raise ConflictError(_("Shipment %(number)s has already been despatched.") % {"number": shipment.number},
                            code="already_shipped", field="shipment")
    if unit_ids:
        guarded_update(unit_ids, expect={"holder": actor, "status__in": HELD, "recalled": False},
                       changes={"status": UnitStatus.IN_TRANSIT, "destination": shipment.receiver_id,
                                "updated_at": now}, base=base)
    if container_ids:
        moved = Container.objects.filter(pk__in=container_ids, holder=actor).exclude(status=UnitStatus.IN_TRANSIT).update(
            status=UnitStatus.IN_TRANSIT, destination=shipment.receiver_id)
        if moved != len(container_ids):
            raise ConflictError(_("A container of this shipment is already on its way."), code="conflict",
                                field="containers")
    for _pk, batch_id, quantity in quantity_lines:
        holding_take(batch_id=batch_id, holder=actor, quantity=quantity)
    shipment.lines.filter(state=ShipmentLine.State.PENDING).update(state=ShipmentLine.State.IN_TRANSIT)
    ssccs = list(Container.objects.filter(pk__in=container_ids).values_list("sscc", flat=True)) if container_ids else []
    place = location_uri(shipment.from_site, actor)
    append(chunked_events([sscc_epc(s) for s in ssccs] + [r.epc for r in rows], action="OBSERVE",
                          biz_step=Step.SHIPPING, disposition=Disp.IN_TRANSIT, read_point=place,
                          quantities=_quantity_docs(quantity_lines, batches),
                          biz_transactions=[biz_transaction("desadv", shipment.number)],
                          sources=party_list("source", actor), destinations=party_list("destination", shipment.receiver)),
           actor=actor)
    shipment.refresh_from_db()
    return shipment


@transaction.atomic
def shipment_receive(*, shipment: Shipment, actor: Organization, units: Iterable[Unit | int] | None = None,
                     reject: bool = False, reason: str = "", user=None) -> Shipment:
    """Receive a despatched shipment: whole (``units=None``), partly (the listed units), or reject it.

    Only the named receiver may. Accepted units and containers pass to the receiver's stock at
    ``to_site``, quantities to its holding, and the batch flow edges grow; rejected ones (``reject``
    with a ``reason``: everything still in transit) go back to the sender's stock. The shipment
    ends received, partly received or rejected once nothing is in transit. Events: ObjectEvent
    OBSERVE ``receiving`` / ``in_progress`` with the receiving advice, or the PPE ``rejecting`` step
    / ``returned`` with the reason.
    """
    if shipment.receiver_id != actor.pk:
        raise NotAllowed(_("Only the named receiver may receive shipment %(number)s.") % {"number": shipment.number},
                         code="not_receiver", field="shipment")
    if shipment.state not in (Shipment.State.SHIPPED, Shipment.State.PARTLY_RECEIVED):
        raise ConflictError(_("Shipment %(number)s is %(state)s; nothing is in transit.")
                            % {"number": shipment.number, "state": shipment.get_state_display()},
                            code="not_in_transit", field="shipment")
    if reject and not reason.strip():
        raise CustodyError(_("Say why the shipment is rejected."), code="reason_required", field="reason")
    now = timezone.now()
    unit_ids, container_ids, quantity_lines = _shipment_lines(shipment, ShipmentLine.State.IN_TRANSIT)
    partial = units is not None
    if partial:
        wanted = ids_of(units)
        stray = set(wanted) - set(unit_ids)
        if stray:
            raise CustodyError(_("%(n)d of the units are not in transit in shipment %(number)s.")
                               % {"n": len(stray), "number": shipment.number}, code="not_in_shipment", field="units")
        unit_ids = wanted
        quantity_lines = []
        remaining = shipment.lines.filter(state=ShipmentLine.State.IN_TRANSIT, unit__isnull=False).count() - len(wanted)
        if remaining:
            container_ids = []
    base = None if partial else _line_units(shipment, ShipmentLine.State.IN_TRANSIT)
    rows = load_units(unit_ids, base=base) if unit_ids else []
    sender = shipment.sender
    if reject:
        target = {"status": UnitStatus.IN_STOCK, "destination": None, "updated_at": now}
        line_state = ShipmentLine.State.REJECTED
    else:
        target = {"status": UnitStatus.IN_STOCK, "destination": None, "holder": actor.pk, "updated_at": now}
        if shipment.to_site_id:
            target["site"] = shipment.to_site_id
        line_state = ShipmentLine.State.RECEIVED
    if unit_ids:
        guarded_update(unit_ids, expect={"status": UnitStatus.IN_TRANSIT, "destination": actor.pk, "holder": sender.pk},
                       changes=target, base=base)
    if container_ids:
        Container.objects.filter(pk__in=container_ids).update(
            status=UnitStatus.IN_STOCK, destination=None, holder=(sender if reject else actor),
            site=(shipment.from_site if reject else shipment.to_site))
    for _pk, batch_id, quantity in quantity_lines:
        holding_put(batch_id=batch_id, holder=sender if reject else actor, quantity=quantity)
    line_filter = {"state": ShipmentLine.State.IN_TRANSIT}
    changed = 0
    if partial:
        for part in chunks(unit_ids):
            changed += shipment.lines.filter(unit_id__in=part, **line_filter).update(state=line_state)
        if container_ids:
            shipment.lines.filter(container_id__in=container_ids, **line_filter).update(state=line_state)
    else:
        changed = shipment.lines.filter(**line_filter).exclude(unit__isnull=True).update(state=line_state)
        shipment.lines.filter(**line_filter).update(state=line_state)
    if changed != len(unit_ids):
        raise ConflictError(_("Shipment %(number)s changed while it was being received; try again.")
                            % {"number": shipment.number}, code="conflict", field="shipment")
    if not reject:
        per_batch = Counter(r.batch_id for r in rows)
        for _pk, batch_id, quantity in quantity_lines:
            per_batch[batch_id] += quantity
        for batch_id, n in sorted(per_batch.items()):
            flow_add(batch_id, sender.pk, actor.pk, n, now)
    states = set(shipment.lines.values_list("state", flat=True).distinct())
    if ShipmentLine.State.IN_TRANSIT in states:
        new_state = Shipment.State.PARTLY_RECEIVED
    elif ShipmentLine.State.RECEIVED in states:
        new_state = Shipment.State.PARTLY_RECEIVED if ShipmentLine.State.REJECTED in states else Shipment.State.RECEIVED
    else:
        new_state = Shipment.State.REJECTED
    updates = {"state": new_state}
    if new_state != Shipment.State.PARTLY_RECEIVED:
        updates["received_at"] = now
    if reject:
        updates["reject_reason"] = reason.strip()[:300]
    if Shipment.objects.filter(pk=shipment.pk, state=shipment.state).update(**updates) != 1:
        raise ConflictError(_("Shipment %(number)s changed while it was being received; try again.")
                            % {"number": shipment.number}, code="conflict", field="shipment")
    ssccs = list(Container.objects.filter(pk__in=container_ids).values_list("sscc", flat=True)) if container_ids else []
    batches = Batch.objects.select_related("product_model").in_bulk([b for _pk, b, _q in quantity_lines])
    place = location_uri(shipment.to_site, actor)
    common = {"action": "OBSERVE", "read_point": place, "quantities": _quantity_docs(quantity_lines, batches),
              "sources": party_list("source", sender), "destinations": party_list("destination", actor)}
    if reject:
        documents = chunked_events([sscc_epc(s) for s in ssccs] + [r.epc for r in rows], biz_step=Step.REJECTING,
                                   disposition=Disp.RETURNED, biz_transactions=[biz_transaction("desadv", shipment.number)],
                                   extra={"urn:ppe-trace:rejectReason": reason.strip()}, **common)
    else:
        documents = chunked_events([sscc_epc(s) for s in ssccs] + [r.epc for r in rows], biz_step=Step.RECEIVING,
                                   disposition=Disp.IN_PROGRESS, biz_location=place,
                                   biz_transactions=[biz_transaction("desadv", shipment.number),
                                                     biz_transaction("recadv", shipment.number)], **common)
    append(documents, actor=actor)
    shipment.refresh_from_db()
    return shipment


@transaction.atomic
def shipment_send(*, actor: Organization, receiver: Organization, user=None, **lines) -> Shipment:
    """Create and despatch a shipment in one transaction (``shipment_create`` + ``shipment_ship``)."""
    shipment = shipment_create(actor=actor, receiver=receiver, **lines)
    return shipment_ship(shipment=shipment, actor=actor)
