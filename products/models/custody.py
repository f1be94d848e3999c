"""Custody records beside the event log: shipments, batch-quantity holdings, batch flows, recalls.

The event log says what happened; these rows say where things are now and who ever held what,
so commands can check and change state with one conditional UPDATE, and a recall trace reads a
few hundred rows instead of every event.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from traceability.models import Organization, Site

from .inventory import Batch, Container, Unit


def new_shipment_number() -> str:
    return f"SH{timezone.now():%y%m%d}{secrets.token_hex(4).upper()}"


class Shipment(models.Model):
    """A despatch from one organisation to another: units, containers and batch quantities."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        PARTLY_RECEIVED = "partly_received", _("Partly received")
        REJECTED = "rejected", _("Rejected")

    number = models.CharField(_("number"), max_length=30, unique=True, default=new_shipment_number)
    sender = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="shipments_sent",
                               verbose_name=_("sender"))
    receiver = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="shipments_received",
                                 verbose_name=_("receiver"))
    from_site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("from site"))
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("to site"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    reference = models.CharField(_("despatch advice / order number"), max_length=60, blank=True)
    reject_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(sender=models.F("receiver")), name="products_shipment_not_to_self"),
            models.CheckConstraint(condition=Q(state="draft") | Q(shipped_at__isnull=False),
                                   name="products_shipment_shipped_has_time"),
        ]
        indexes = [models.Index(fields=["receiver", "state"], name="products_shipment_recv_idx"),
                   models.Index(fields=["sender", "state"], name="products_shipment_send_idx")]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    """One unit, one container, or a quantity of one batch in a shipment."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED = "received", _("Received")
        REJECTED = "rejected", _("Rejected")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="shipment_lines",
                             verbose_name=_("unit"))
    container = models.ForeignKey(Container, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="shipment_lines", verbose_name=_("container"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="shipment_lines", verbose_name=_("batch (quantity)"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False, container__isnull=True, batch__isnull=True, quantity=1)
                           | Q(unit__isnull=True, container__isnull=False, batch__isnull=True)
                           | Q(unit__isnull=True, container__isnull=True, batch__isnull=False, quantity__gt=0)),
                name="products_shipmentline_one_kind"),
            models.UniqueConstraint(fields=["shipment", "unit"], condition=Q(unit__isnull=False),
                                    name="products_shipmentline_unit_once"),
            models.UniqueConstraint(fields=["shipment", "container"], condition=Q(container__isnull=False),
                                    name="products_shipmentline_container_once"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} / {self.unit or self.container or self.batch}"


class Holding(models.Model):
    """How much of a batch quantity (consumables) an organisation holds, and has used up.

    Conservation per batch: batch.quantity = sum(quantity) + in transit (shipment lines)
    + sum(consumed) + sum(destroyed); the CHECK keeps every counter at zero or more.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("batch"))
    holder = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="holdings",
                               verbose_name=_("holder"))
    quantity = models.IntegerField(_("in stock"), default=0)
    consumed = models.IntegerField(_("issued / consumed"), default=0)
    destroyed = models.IntegerField(_("destroyed"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("batch holding")
        verbose_name_plural = _("batch holdings")
        ordering = ["batch_id", "holder_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "holder"], name="products_holding_batch_holder_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(consumed__gte=0) & Q(destroyed__gte=0),
                                   name="products_holding_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} @ {self.holder}: {self.quantity}"


class BatchFlow(models.Model):
    """An edge of a batch's distribution tree: ``units`` of it went from ``source`` to ``destination``.

    Written (upserted, counter added) by commissioning (source = destination = maker) and by every
    receipt, so the recall trace reads these few rows, never the events.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="flows", verbose_name=_("batch"))
    source = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    destination = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("to"))
    units = models.BigIntegerField(_("units received"), default=0)
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))

    class Meta:
        verbose_name = _("batch flow")
        verbose_name_plural = _("batch flows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "source", "destination"], name="products_batchflow_edge_unique"),
            models.CheckConstraint(condition=Q(units__gte=0), name="products_batchflow_units_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.batch}: {self.source_id} -> {self.destination_id} ({self.units})"


class Recall(models.Model):
    """A recall of whole batches (minimal: scope, hazard, who opened it)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    batches = models.ManyToManyField(Batch, related_name="recalls", verbose_name=_("batches"))
    opened_by = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="recalls_opened",
                                  verbose_name=_("opened by"))
    reason = models.TextField(_("reason"))
    hazard = models.TextField(_("hazard"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{_('Recall')} #{self.pk}"
