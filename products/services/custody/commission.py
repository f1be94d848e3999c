"""Commissioning: serialized units of a batch, or a batch quantity of consumables."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Batch, Holding, Unit, UnitStatus
from products.services.errors import CustodyError, NotAllowed
from traceability.gs1 import lgtin_class, sgtin_epc
from traceability.models import Organization, Site
from traceability.validators import new_serials, validate_serial

from ._common import (
    Disp,
    Step,
    append,
    chunked_events,
    copy_rows,
    flow_add,
    location_uri,
    lot_ilmd,
    object_event,
    party_list,
    upsert_add,
)

COMMISSION_CHUNK = 10_000  # rows held in memory at once: 1,000,000 units run in bounded memory

UNIT_COLUMNS = ("batch_id", "gtin", "serial", "status", "recalled", "holder_id", "site_id", "retire_reason",
                "commissioned_at", "updated_at")


def _check_maker(batch: Batch, actor: Organization) -> None:
    if batch.product_model.manufacturer_id != actor.pk:
        raise NotAllowed(_("Only the manufacturer of batch %(batch)s may commission it.") % {"batch": batch},
                         code="not_manufacturer", field="batch")
    if batch.release_state == Batch.ReleaseState.RECALLED:
        raise CustodyError(_("Batch %(batch)s is recalled; nothing more may be commissioned in it.") % {"batch": batch},
                           code="recalled", field="batch")


@transaction.atomic
def unit_commission(*, batch: Batch, count: int | None = None, serials: Sequence[str] | None = None,
                    actor: Organization, site: Site | None = None, user=None) -> int:
    """Commission serialized units of ``batch`` for its manufacturer ``actor``; returns how many.

    Either ``count`` new random serials (``traceability.validators.new_serials``) or the given
    ``serials``. Units start ``commissioned`` at the maker; the log gets one ObjectEvent ADD
    ``commissioning`` per thousand EPCs with the lot's ILMD, appended in chunks of ten thousand units
    so memory stays bounded; units and their event index rows go in by COPY on PostgreSQL.
    All or nothing: a duplicate serial rolls the whole command back.
    """
    _check_maker(batch, actor)
    if serials is not None:
        for serial in serials:
            validate_serial(serial)
        if len(set(serials)) != len(serials):
            raise CustodyError(_("A serial number is listed twice."), code="duplicate_serial", field="serials")
        total = len(serials)
    else:
        total = count or 0
    if total <= 0:
        raise CustodyError(_("Commission at least one unit."), code="empty", field="count")
    gtin = batch.product_model.gtin
    now = timezone.now()
    place = location_uri(site, actor)
    ilmd = lot_ilmd(batch)
    db_now = Unit._meta.get_field("updated_at").get_db_prep_value(now, connection)
    done = 0
    while done < total:
        size = min(COMMISSION_CHUNK, total - done)
        chunk = list(serials[done:done + size]) if serials is not None else new_serials(size)
        try:
            with transaction.atomic():
                copy_rows(Unit._meta.db_table, UNIT_COLUMNS,
                          [(batch.pk, gtin, s, UnitStatus.COMMISSIONED.value,
                            "f" if connection.vendor == "postgresql" else 0,
                            actor.pk, site.pk if site else None, "", db_now, db_now) for s in chunk])
        except IntegrityError as exc:
            raise CustodyError(_("A serial number of this GTIN is already in use; nothing was commissioned."),
                               code="duplicate_serial", field="serials") from exc
        epcs = [sgtin_epc(gtin, s) for s in chunk]
        documents = chunked_events(epcs, action="ADD", biz_step=Step.COMMISSIONING, disposition=Disp.ACTIVE,
                                   read_point=place, biz_location=place, ilmd=ilmd,
                                   destinations=party_list("destination", actor))
        append(documents, actor=actor)
        done += size
    Batch.objects.filter(pk=batch.pk).update(quantity=F("quantity") + total)
    flow_add(batch.pk, actor.pk, actor.pk, total, now)
    return total


@transaction.atomic
def batch_commission_quantity(*, batch: Batch, quantity: int, actor: Organization, site: Site | None = None,
                              user=None) -> Holding:
    """Commission ``quantity`` of a consumable batch as a batch quantity held by its maker.

    One ObjectEvent ADD ``commissioning`` with a quantityList of the lot's LGTIN class and its ILMD.
    """
    _check_maker(batch, actor)
    if quantity <= 0:
        raise CustodyError(_("The quantity must be positive."), code="negative_quantity", field="quantity")
    now = timezone.now()
    upsert_add(Holding, {"batch": batch.pk, "holder": actor.pk}, {"quantity": quantity, "consumed": 0, "destroyed": 0},
               {"updated_at": now})
    Batch.objects.filter(pk=batch.pk).update(quantity=F("quantity") + quantity)
    flow_add(batch.pk, actor.pk, actor.pk, quantity, now)
    place = location_uri(site, actor)
    append([object_event(action="ADD", biz_step=Step.COMMISSIONING, disposition=Disp.ACTIVE,
                         quantities=[{"epcClass": lgtin_class(batch.product_model.gtin, batch.lot), "quantity": quantity}],
                         read_point=place, biz_location=place, ilmd=lot_ilmd(batch),
                         destinations=party_list("destination", actor))], actor=actor)
    return Holding.objects.get(batch=batch, holder=actor)
