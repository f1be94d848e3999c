"""Batches (lots), serialized units, containers and the workers who wear the equipment."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traceability.models import Organization, Site
from traceability.validators import validate_serial, validate_sscc

from .catalog import ProductModel


class Batch(models.Model):
    """A production lot of one product model (GS1 AI 10)."""

    class ReleaseState(models.TextChoices):
        NOT_RELEASED = "not_released", _("Not released")
        RELEASED = "released", _("Released")
        QUARANTINED = "quarantined", _("Quarantined")
        RECALLED = "recalled", _("Recalled")

    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="batches",
                                      verbose_name=_("product model"))
    lot = models.CharField(_("lot number"), max_length=20)
    production_date = models.DateField(_("production date"))
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity produced"), default=0)
    release_state = models.CharField(_("release state"), max_length=20, choices=ReleaseState.choices,
                                     default=ReleaseState.NOT_RELEASED)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-production_date", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["product_model", "lot"], name="products_batch_model_lot_unique"),
            models.CheckConstraint(condition=Q(expiry_date__isnull=True) | Q(expiry_date__gt=models.F("production_date")),
                                   name="products_batch_expiry_after_production"),
            models.CheckConstraint(condition=Q(lot__regex=r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$"),
                                   name="products_batch_lot_ai10"),
        ]
        indexes = [models.Index(fields=["release_state"], name="products_batch_state_idx")]

    def __str__(self) -> str:
        return f"{self.product_model.model_number} / {self.lot}"


class RetireReason(models.TextChoices):
    END_OF_LIFE = "end_of_life", _("End of service life")
    FALL_ARRESTED = "fall_arrested", _("Arrested a fall")
    IMPACT = "impact", _("Took an impact")
    DAMAGE = "damage", _("Damaged")
    FAILED_TEST = "failed_test", _("Failed a test or inspection")


class UnitStatus(models.TextChoices):
    COMMISSIONED = "commissioned", _("Commissioned")
    IN_STOCK = "in_stock", _("In stock")
    IN_TRANSIT = "in_transit", _("In transit")
    ISSUED = "issued", _("Issued to a worker")
    QUARANTINED = "quarantined", _("Quarantined")
    RETIRED = "retired", _("Retired")
    DESTROYED = "destroyed", _("Destroyed")


class Worker(models.Model):
    """A worker of a user enterprise. Personal data stays inside the enterprise; events name
    the worker only by ``pseudonym``."""

    enterprise = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="workers",
                                   limit_choices_to={"is_enterprise": True}, verbose_name=_("enterprise"))
    employee_number = models.CharField(_("employee number"), max_length=40)
    name = models.CharField(_("display name"), max_length=100)
    post = models.CharField(_("post / job"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    pseudonym = models.CharField(_("pseudonymous id"), max_length=32, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["enterprise__name", "employee_number"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "employee_number"],
                                    name="products_worker_enterprise_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_number} {self.name}"

    def save(self, *args, **kwargs):
        if not self.pseudonym:
            self.pseudonym = "W" + secrets.token_hex(12).upper()
        super().save(*args, **kwargs)


class Container(models.Model):
    """A carton or pallet identified by its SSCC; shipping it ships what it holds."""

    class Kind(models.TextChoices):
        CARTON = "carton", _("Carton")
        PALLET = "pallet", _("Pallet")

    sscc = models.CharField(_("SSCC"), max_length=18, unique=True, validators=[validate_sscc])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CARTON)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("packed in"))
    holder = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="containers",
                               verbose_name=_("holder"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="containers",
                             verbose_name=_("site"))
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.IN_STOCK)
    destination = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="incoming_containers", verbose_name=_("in transit to"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(sscc__regex=r"^[0-9]{18}$"), name="products_container_sscc_format"),
        ]

    def __str__(self) -> str:
        return self.sscc


class Unit(models.Model):
    """One serialized item. The random serial is also the anti-counterfeit secret."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="units", verbose_name=_("batch"))
    gtin = models.CharField(_("GTIN-14"), max_length=14, editable=False)
    serial = models.CharField(_("serial number"), max_length=20, validators=[validate_serial])
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.COMMISSIONED)
    recalled = models.BooleanField(_("recalled"), default=False,
                                   help_text=_("Persistent disposition: stays set whatever the state."))
    holder = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="held_units", verbose_name=_("holder"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="units",
                             verbose_name=_("site"))
    destination = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="incoming_units", verbose_name=_("in transit to"))
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="units",
                               verbose_name=_("issued to"))
    container = models.ForeignKey(Container, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="units", verbose_name=_("container"))
    retire_reason = models.CharField(_("retirement reason"), max_length=20, choices=RetireReason.choices,
                                     blank=True)
    first_use_date = models.DateField(_("first use"), null=True, blank=True)
    last_inspected_on = models.DateField(_("last inspected"), null=True, blank=True)
    commissioned_at = models.DateTimeField(_("commissioned"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gtin", "serial"], name="products_unit_gtin_serial_unique"),
            models.CheckConstraint(condition=Q(serial__regex=r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$"),
                                   name="products_unit_serial_ai21"),
            models.CheckConstraint(condition=~Q(status="issued") | Q(worker__isnull=False),
                                   name="products_unit_issued_has_worker"),
            models.CheckConstraint(condition=~Q(status="in_transit") | Q(destination__isnull=False),
                                   name="products_unit_in_transit_has_destination"),
            models.CheckConstraint(condition=~Q(status="retired") | ~Q(retire_reason=""),
                                   name="products_unit_retired_has_reason"),
        ]
        indexes = [
            # Covers the recall trace's GROUP BY holder, status over one batch (index-only scan).
            models.Index(fields=["batch", "holder", "status"], name="products_unit_trace_idx"),
            models.Index(fields=["holder", "status"], name="products_unit_hold_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial}"
