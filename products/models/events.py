"""The append-only, hash-chained event log, shaped like GS1 EPCIS 2.0.

``document`` keeps the event exactly as EPCIS 2.0 JSON-LD (what / when / where / why); the other
columns are indexes over it for queries. ``seq``, ``prev_hash`` and ``chain_hash`` chain every
event to the one before, so any UPDATE, DELETE or INSERT made behind the application's back
shows up in ``products.services.chain.chain_verify``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from products.canonical import CanonicalJSONField


class Event(models.Model):
    class Type(models.TextChoices):
        OBJECT = "ObjectEvent", _("Object event")
        AGGREGATION = "AggregationEvent", _("Aggregation event")
        TRANSACTION = "TransactionEvent", _("Transaction event")
        TRANSFORMATION = "TransformationEvent", _("Transformation event")
        ASSOCIATION = "AssociationEvent", _("Association event")

    class Action(models.TextChoices):
        ADD = "ADD", "ADD"
        OBSERVE = "OBSERVE", "OBSERVE"
        DELETE = "DELETE", "DELETE"
        NONE = "", "-"

    seq = models.BigIntegerField(_("chain position"), unique=True, editable=False)
    event_id = models.CharField(_("event ID"), max_length=255, unique=True, editable=False)
    event_type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, blank=True)
    biz_step = models.CharField(_("business step"), max_length=200, blank=True)
    disposition = models.CharField(_("disposition"), max_length=200, blank=True)
    event_time = models.DateTimeField(_("event time"))
    event_time_zone_offset = models.CharField(_("time-zone offset"), max_length=6, default="+08:00")
    record_time = models.DateTimeField(_("record time"), editable=False)
    read_point = models.CharField(_("read point"), max_length=255, blank=True)
    biz_location = models.CharField(_("business location"), max_length=255, blank=True)
    has_error_declaration = models.BooleanField(_("error declared"), default=False)
    foreign = models.BooleanField(_("foreign"), default=False,
                                  help_text=_("About objects the platform does not manage; custody untouched."))
    recorded_by = models.ForeignKey("traceability.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"),
                                    help_text=_("The organisation whose command or capture wrote the event."))
    document = CanonicalJSONField(_("EPCIS document"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    chain_hash = models.CharField(_("chain hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["event_time"], name="products_event_time_idx"),
            models.Index(fields=["biz_step", "event_time"], name="products_event_step_idx"),
            models.Index(fields=["biz_location"], name="products_event_loc_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.biz_step}"


class EventEPC(models.Model):
    """One identifier named by an event, so MATCH_epc / unit history are index lookups."""

    class Role(models.TextChoices):
        EPC = "epc", _("EPC")
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")
        INPUT = "input", _("input")
        OUTPUT = "output", _("output")
        CLASS = "class", _("EPC class (quantity)")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="epcs")
    epc = models.CharField(max_length=255)
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("event identifier")
        verbose_name_plural = _("event identifiers")
        indexes = [models.Index(fields=["epc", "event"], name="products_eventepc_epc_idx")]

    def __str__(self) -> str:
        return f"{self.role}:{self.epc}"


class ChainHead(models.Model):
    """The single row every append locks: the last position and hash of the chain.

    Writers take it with SELECT ... FOR UPDATE once per command (not per event), which
    serializes appends and lets verification notice a deleted tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="products_chainhead_singleton")]

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
