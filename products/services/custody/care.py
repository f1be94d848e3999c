"""In-use custody at the enterprise: issue, return, inspect, quarantine, release, retire, destroy."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Batch, Holding, RetireReason, Unit, UnitStatus, Worker
from products.services.errors import CustodyError, NotAllowed
from traceability.gs1 import lgtin_class
from traceability.models import Organization, Site

from ._common import (
    HELD,
    Disp,
    Step,
    append,
    check_units,
    chunked_events,
    guarded_update,
    ids_of,
    load_units,
    location_uri,
    object_event,
    worker_uri,
)
from .movement import holding_take

IN_USE = (UnitStatus.COMMISSIONED, UnitStatus.IN_STOCK, UnitStatus.ISSUED)


def _worker_party(kind: str, worker: Worker) -> list[dict]:
    return [{"type": "possessing_party", kind: worker_uri(worker.pseudonym)}]


def _check_worker(worker: Worker, actor: Organization) -> None:
    if worker.enterprise_id != actor.pk:
        raise NotAllowed(_("%(worker)s does not work for %(org)s.") % {"worker": worker.employee_number, "org": actor},
                         code="not_employer", field="worker")
    if not worker.active:
        raise CustodyError(_("Worker %(worker)s is no longer active.") % {"worker": worker.employee_number},
                           code="inactive_worker", field="worker")


@transaction.atomic
def unit_issue(*, units: Iterable[Unit | int], worker: Worker, actor: Organization, site: Site | None = None,
               user=None) -> int:
    """Issue units the enterprise holds in stock to one of its workers; returns how many.

    Recalled, quarantined, expired and retired units are refused with the reason (inv. 3). Sets the
    first-use date once. Event: ObjectEvent OBSERVE PPE ``issuing`` / ``in_use``; the worker appears
    only by pseudonym.
    """
    _check_worker(worker, actor)
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=HELD, verb=_("issued"), usable=True)
    now = timezone.now()
    guarded_update(ids, expect={"holder": actor, "status__in": HELD, "recalled": False},
                   changes={"status": UnitStatus.ISSUED, "worker": worker, "updated_at": now,
                            "first_use_date": Coalesce(F("first_use_date"), timezone.localdate())})
    place = location_uri(site, actor)
    append(chunked_events([r.epc for r in rows], action="OBSERVE", biz_step=Step.ISSUING, disposition=Disp.IN_USE,
                          read_point=place, biz_location=place, destinations=_worker_party("destination", worker)),
           actor=actor)
    return len(ids)


@transaction.atomic
def unit_return(*, units: Iterable[Unit | int], actor: Organization, site: Site | None = None, user=None) -> int:
    """Take issued units back from their workers into the enterprise's stock; returns how many."""
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=[UnitStatus.ISSUED], verb=_("returned"))
    workers = dict(Worker.objects.filter(pk__in={r.worker_id for r in rows}).values_list("pk", "pseudonym"))
    guarded_update(ids, expect={"holder": actor, "status": UnitStatus.ISSUED},
                   changes={"status": UnitStatus.IN_STOCK, "worker": None, "updated_at": timezone.now()})
    place = location_uri(site, actor)
    documents = []
    for worker_id, pseudonym in workers.items():
        documents += chunked_events([r.epc for r in rows if r.worker_id == worker_id], action="OBSERVE",
                                    biz_step=Step.RETURNING, disposition=Disp.ACTIVE, read_point=place,
                                    biz_location=place, sources=[{"type": "possessing_party", "source": worker_uri(pseudonym)}])
    append(documents, actor=actor)
    return len(ids)


@transaction.atomic
def unit_inspect(*, units: Iterable[Unit | int], actor: Organization, passed: bool, on_fail: str = "quarantine",
                 note: str = "", site: Site | None = None, user=None) -> int:
    """Record an in-use inspection of units the actor holds; returns how many.

    Passed: ``inspecting`` / ``conformant`` and the last-inspected date. Failed: ``inspecting`` /
    ``non_conformant``, then the units are taken from their workers and either quarantined
    (``on_fail="quarantine"``) or retired with reason ``failed_test`` (``on_fail="retire"``), with
    that step's event in the same append.
    """
    if on_fail not in ("quarantine", "retire"):
        raise CustodyError(_("A failed unit is either quarantined or retired."), code="invalid", field="on_fail")
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=IN_USE, verb=_("inspected"))
    now = timezone.now()
    today = timezone.localdate()
    place = location_uri(site, actor)
    epcs = [r.epc for r in rows]
    extra = {"urn:ppe-trace:note": note} if note else None
    documents = chunked_events(epcs, action="OBSERVE", biz_step=Step.INSPECTING,
                               disposition=Disp.CONFORMANT if passed else Disp.NON_CONFORMANT,
                               read_point=place, biz_location=place, extra=extra)
    if passed:
        guarded_update(ids, expect={"holder": actor, "status__in": IN_USE},
                       changes={"last_inspected_on": today, "updated_at": now})
    elif on_fail == "quarantine":
        guarded_update(ids, expect={"holder": actor, "status__in": IN_USE},
                       changes={"last_inspected_on": today, "status": UnitStatus.QUARANTINED, "worker": None,
                                "updated_at": now})
        documents += chunked_events(epcs, action="OBSERVE", biz_step=Step.HOLDING, disposition=Disp.NON_SELLABLE,
                                    read_point=place, biz_location=place)
    else:
        guarded_update(ids, expect={"holder": actor, "status__in": IN_USE},
                       changes={"last_inspected_on": today, "status": UnitStatus.RETIRED, "worker": None,
                                "retire_reason": RetireReason.FAILED_TEST, "updated_at": now})
        documents += chunked_events(epcs, action="OBSERVE", biz_step=Step.DECOMMISSIONING, disposition=Disp.INACTIVE,
                                    read_point=place, biz_location=place,
                                    extra={"urn:ppe-trace:retireReason": RetireReason.FAILED_TEST.value})
    append(documents, actor=actor)
    return len(ids)


@transaction.atomic
def unit_quarantine(*, units: Iterable[Unit | int], actor: Organization, reason: str = "", site: Site | None = None,
                    user=None) -> int:
    """Segregate held units for review (from stock or from a worker); returns how many."""
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=IN_USE, verb=_("quarantined"))
    guarded_update(ids, expect={"holder": actor, "status__in": IN_USE},
                   changes={"status": UnitStatus.QUARANTINED, "worker": None, "updated_at": timezone.now()})
    place = location_uri(site, actor)
    append(chunked_events([r.epc for r in rows], action="OBSERVE", biz_step=Step.HOLDING, disposition=Disp.NON_SELLABLE,
                          read_point=place, biz_location=place,
                          extra={"urn:ppe-trace:reason": reason} if reason else None), actor=actor)
    return len(ids)


@transaction.atomic
def unit_release_quarantine(*, units: Iterable[Unit | int], actor: Organization, site: Site | None = None,
                            user=None) -> int:
    """Return quarantined units to stock (a recalled unit stays recalled and unshippable)."""
    ids = ids_of(units)
    rows = load_units(ids)
    check_units(rows, actor=actor, allowed=[UnitStatus.QUARANTINED], verb=_("released from quarantine"))
    guarded_update(ids, expect={"holder": actor, "status": UnitStatus.QUARANTINED},
                   changes={"status": UnitStatus.IN_STOCK, "updated_at": timezone.now()})
    place = location_uri(site, actor)
    append(chunked_events([r.epc for r in rows], action="OBSERVE", biz_step=Step.RELEASING, disposition=Disp.ACTIVE,
                          read_point=place, biz_location=place), actor=actor)
    return len(ids)


@transaction.atomic
def unit_retire(*, units: Iterable[Unit | int], actor: Organization, reason: str, site: Site | None = None,
                user=None) -> int:
    """Take held units out of service for good, with a reason from ``RetireReason``; returns how many.

    Event: ObjectEvent OBSERVE ``decommissioning`` / ``inactive`` with the PPE ``retireReason``.
    """
    if reason not in RetireReason.values:
        raise CustodyError(_("Choose a retirement reason: %(choices)s.") % {"choices": ", ".join(RetireReason.values)},
                           code="invalid_reason", field="reason")
    ids = ids_of(units)
    rows = load_units(ids)
    allowed = (*IN_USE, UnitStatus.QUARANTINED)
    check_units(rows, actor=actor, allowed=allowed, verb=_("retired"))
    guarded_update(ids, expect={"holder": actor, "status__in": allowed},
                   changes={"status": UnitStatus.RETIRED, "retire_reason": reason, "worker": None,
                            "updated_at": timezone.now()})
    place = location_uri(site, actor)
    append(chunked_events([r.epc for r in rows], action="OBSERVE", biz_step=Step.DECOMMISSIONING,
                          disposition=Disp.INACTIVE, read_point=place, biz_location=place,
                          extra={"urn:ppe-trace:retireReason": reason}), actor=actor)
    return len(ids)


@transaction.atomic
def unit_destroy(*, units: Iterable[Unit | int], actor: Organization, site: Site | None = None, user=None) -> int:
    """Destroy retired or quarantined units the actor holds: ObjectEvent DELETE ``destroying``."""
    ids = ids_of(units)
    rows = load_units(ids)
    allowed = (UnitStatus.RETIRED, UnitStatus.QUARANTINED)
    check_units(rows, actor=actor, allowed=allowed, verb=_("destroyed"))
    guarded_update(ids, expect={"holder": actor, "status__in": allowed},
                   changes={"status": UnitStatus.DESTROYED, "updated_at": timezone.now()})
    place = location_uri(site, actor)
    append(chunked_events([r.epc for r in rows], action="DELETE", biz_step=Step.DESTROYING,
                          disposition=Disp.DESTROYED, read_point=place, biz_location=place), actor=actor)
    return len(ids)


@transaction.atomic
def holding_issue(*, batch: Batch, quantity: int, worker: Worker, actor: Organization, user=None) -> Holding:
    """Issue ``quantity`` of a consumable batch to a worker: it leaves stock as consumed (conserved)."""
    _check_worker(worker, actor)
    if quantity <= 0:
        raise CustodyError(_("The quantity must be positive."), code="negative_quantity", field="quantity")
    from .movement import _check_batches

    _check_batches([batch.pk], _("issued"))
    holding_take(batch_id=batch.pk, holder=actor, quantity=quantity, field="quantity")
    Holding.objects.filter(batch=batch, holder=actor).update(consumed=F("consumed") + quantity)
    append([object_event(action="OBSERVE", biz_step=Step.ISSUING, disposition=Disp.CONSUMED,
                         quantities=[{"epcClass": lgtin_class(batch.product_model.gtin, batch.lot), "quantity": quantity}],
                         read_point=location_uri(None, actor), destinations=_worker_party("destination", worker))],
           actor=actor)
    return Holding.objects.get(batch=batch, holder=actor)


@transaction.atomic
def holding_destroy(*, batch: Batch, quantity: int, actor: Organization, user=None) -> Holding:
    """Destroy ``quantity`` of a batch holding (e.g. a recalled lot): stock down, destroyed up."""
    if quantity <= 0:
        raise CustodyError(_("The quantity must be positive."), code="negative_quantity", field="quantity")
    holding_take(batch_id=batch.pk, holder=actor, quantity=quantity, field="quantity")
    Holding.objects.filter(batch=batch, holder=actor).update(destroyed=F("destroyed") + quantity)
    append([object_event(action="DELETE", biz_step=Step.DESTROYING, disposition=Disp.DESTROYED,
                         quantities=[{"epcClass": lgtin_class(batch.product_model.gtin, batch.lot), "quantity": quantity}],
                         read_point=location_uri(None, actor))], actor=actor)
    return Holding.objects.get(batch=batch, holder=actor)
