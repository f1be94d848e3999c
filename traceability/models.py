"""Organisations, their sites, and the users who act for them (DESIGN §1, §2)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import validate_gln, validate_region, validate_uscc


class Industry(models.TextChoices):
    PETROLEUM = "petroleum", _("Petroleum and natural gas")
    CHEMICAL = "chemical", _("Chemical")
    COAL = "coal", _("Coal mining")
    ELECTRIC_POWER = "electric_power", _("Electric power")
    METALLURGY = "metallurgy", _("Metallurgy")
    MACHINERY = "machinery", _("Machinery")
    CONSTRUCTION = "construction", _("Construction")
    OTHER = "other", _("Other")


class OrganizationQuerySet(models.QuerySet):
    def manufacturers(self):
        return self.filter(is_manufacturer=True)

    def distributors(self):
        return self.filter(is_distributor=True)

    def enterprises(self):
        return self.filter(is_enterprise=True)

    def laboratories(self):
        return self.filter(is_laboratory=True)

    def regulators(self):
        return self.filter(is_regulator=True)


class Organization(models.Model):
    """A legal person taking part in the chain; one organisation may have several kinds."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                            validators=[validate_uscc],
                            help_text=_("18 characters, GB 32100 check character."))
    gln = models.CharField(_("GLN"), max_length=13, blank=True, validators=[validate_gln],
                           help_text=_("Optional GS1 global location number, 13 digits."))
    is_manufacturer = models.BooleanField(_("manufacturer"), default=False)
    is_distributor = models.BooleanField(_("distributor"), default=False)
    is_enterprise = models.BooleanField(_("user enterprise"), default=False)
    is_laboratory = models.BooleanField(_("laboratory"), default=False)
    is_regulator = models.BooleanField(_("regulator"), default=False)
    region = models.CharField(_("region"), max_length=6, validators=[validate_region],
                              help_text=_("GB/T 2260 administrative division code."))
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    alliance_member = models.BooleanField(_("alliance member"), default=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gln"], condition=~Q(gln=""), name="traceability_organization_gln_unique"),
            models.CheckConstraint(condition=Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                                   name="traceability_organization_uscc_format"),
            models.CheckConstraint(condition=Q(gln="") | Q(gln__regex=r"^[0-9]{13}$"),
                                   name="traceability_organization_gln_format"),
            models.CheckConstraint(condition=Q(region__regex=r"^[0-9]{6}$"),
                                   name="traceability_organization_region_format"),
            models.CheckConstraint(
                condition=Q(is_manufacturer=True) | Q(is_distributor=True) | Q(is_enterprise=True)
                | Q(is_laboratory=True) | Q(is_regulator=True),
                name="traceability_organization_has_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kinds(self) -> list[str]:
        return [k for k in ("manufacturer", "distributor", "enterprise", "laboratory", "regulator")
                if getattr(self, f"is_{k}")]


class Site(models.Model):
    """A place of an organisation (warehouse, workshop, factory); events happen at sites."""

    class Kind(models.TextChoices):
        FACTORY = "factory", _("Factory")
        WAREHOUSE = "warehouse", _("Warehouse")
        WORKSHOP = "workshop", _("Workshop")
        STORE = "store", _("PPE store room")
        OFFICE = "office", _("Office")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WAREHOUSE)
    gln = models.CharField(_("GLN"), max_length=13, blank=True, validators=[validate_gln])
    region = models.CharField(_("region"), max_length=6, blank=True, validators=[validate_region])
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="traceability_site_org_name_unique"),
            models.UniqueConstraint(fields=["gln"], condition=~Q(gln=""), name="traceability_site_gln_unique"),
            models.CheckConstraint(condition=Q(gln="") | Q(gln__regex=r"^[0-9]{13}$"),
                                   name="traceability_site_gln_format"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} / {self.name}"

    @property
    def location_uri(self) -> str:
        """The EPCIS location identifier: an SGLN URN when the site has a GLN, else a platform URI."""
        if self.gln:
            from .gs1 import gln_to_sgln

            return gln_to_sgln(self.gln)
        from django.conf import settings

        return f"{settings.SITE_URL}/id/site/{self.pk}"


class Role(models.TextChoices):
    """What a user may do (DESIGN §1); the organisation's kinds bound which roles fit."""

    STAFF = "staff", _("Platform staff")
    MANUFACTURER = "manufacturer", _("Manufacturer")
    DISTRIBUTOR = "distributor", _("Distributor")
    ENTERPRISE = "enterprise", _("User enterprise")
    LABORATORY = "laboratory", _("Laboratory")
    REGULATOR = "regulator", _("Regulator")
    AUDITOR = "auditor", _("Auditor")


class User(AbstractUser):
    """A person who signs in; acts for exactly one organisation (none for platform staff)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="users", verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True, default="",
                            help_text=_("Empty: no rights beyond what a superuser flag gives."))

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["", "staff", "auditor", "regulator"]) | Q(organization__isnull=False),
                name="traceability_user_org_required_for_role",
            ),
        ]

    @property
    def reads_everything(self) -> bool:
        """Staff, regulators and auditors read across organisations (DESIGN §1)."""
        return self.is_superuser or self.role in {Role.STAFF, Role.REGULATOR, Role.AUDITOR}


class Job(models.Model):
    """A long background job (QR labels, EPCIS capture, comparisons, recall fan-out, ...).

    Progress lives here (done / total) so the admin, the API and the portal can show it; the
    Celery task that runs it claims it with a conditional update, so a second run is harmless.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="jobs", verbose_name=_("organisation"))
    created_by = models.ForeignKey("traceability.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="jobs", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")) | Q(total=0),
                                   name="traceability_job_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 and self.status == self.Status.SUCCEEDED else (
            int(100 * self.done / self.total) if self.total else 0)
