"""Recalls (minimal): whole batches, recalled as a persistent disposition on every unit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from products.models import Batch, Recall, Unit
from products.services.errors import CustodyError, NotAllowed
from traceability.gs1 import lgtin_class
from traceability.models import Organization

from ._common import Disp, Step, append, location_uri, object_event


@transaction.atomic
def recall_open(*, batches: Iterable[Batch], actor: Organization, reason: str, hazard: str, user=None) -> Recall:
    """Open a recall of ``batches`` by their manufacturer or a regulator.

    Sets each batch's release state to recalled and ``Unit.recalled`` on all of their units (one
    UPDATE, whatever their state: it is a persistent disposition), and writes one ObjectEvent
    OBSERVE ``holding`` / ``recalled`` with ``persistentDisposition.set = [recalled]`` naming the
    lots' classes, so every unit's history shows it without an index row per unit.
    """
    batches = list(Batch.objects.select_related("product_model").filter(pk__in=[b.pk for b in batches]))
    if not batches:
        raise CustodyError(_("Name at least one batch."), code="empty", field="batches")
    if not reason.strip() or not hazard.strip():
        raise CustodyError(_("A recall needs a reason and a hazard."), code="reason_required", field="reason")
    if not actor.is_regulator:
        foreign = [b for b in batches if b.product_model.manufacturer_id != actor.pk]
        if foreign:
            raise NotAllowed(_("%(org)s may not recall batch %(batch)s of another manufacturer.")
                             % {"org": actor, "batch": foreign[0]}, code="not_manufacturer", field="batches")
    already = [b for b in batches if b.release_state == Batch.ReleaseState.RECALLED]
    if already:
        raise CustodyError(_("Batch %(batch)s is already recalled.") % {"batch": already[0]}, code="recalled",
                           field="batches")
    ids = [b.pk for b in batches]
    Batch.objects.filter(pk__in=ids).update(release_state=Batch.ReleaseState.RECALLED)
    Unit.objects.filter(batch_id__in=ids, recalled=False).update(recalled=True)
    recall = Recall.objects.create(opened_by=actor, reason=reason.strip(), hazard=hazard.strip())
    recall.batches.set(ids)
    append([object_event(action="OBSERVE", biz_step=Step.HOLDING, disposition=Disp.RECALLED,
                         quantities=[{"epcClass": lgtin_class(b.product_model.gtin, b.lot)} for b in batches],
                         persistent={"set": [Disp.RECALLED]}, read_point=location_uri(None, actor),
                         extra={"urn:ppe-trace:recall": str(recall.pk), "urn:ppe-trace:hazard": hazard.strip()})],
           actor=actor)
    return recall
