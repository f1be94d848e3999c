"""Reference data: standards (with editions), their test items, and laboratories."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traceability.models import Organization


class Confidence(models.TextChoices):
    """How well a reference value is sourced (see the domain notes: V, S, U)."""

    VERIFIED = "V", _("Verified (primary or two secondary sources)")
    SECONDARY = "S", _("One secondary source")
    UNCONFIRMED = "U", _("Unconfirmed, check against the official text")


class StandardQuerySet(models.QuerySet):
    def in_force_on(self, day: datetime.date) -> StandardQuerySet:
        """Editions in force on ``day``: effective, not yet withdrawn."""
        return self.filter(Q(effective_from__lte=day), Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))


class Standard(models.Model):
    """One edition of a product standard, e.g. GB 2811-2019 (code "GB 2811", year 2019)."""

    class Jurisdiction(models.TextChoices):
        CN = "CN", _("China")
        EU = "EU", _("European Union")

    code = models.CharField(_("code"), max_length=40, help_text=_("Without the year, e.g. GB 2811 or EN 397."))
    year = models.PositiveSmallIntegerField(_("edition year"))
    designation = models.CharField(_("designation"), max_length=60, unique=True,
                                   help_text=_("Code with edition as printed on reports, e.g. GB 2811-2019."))
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices,
                                    default=Jurisdiction.CN)
    mandatory = models.BooleanField(_("mandatory"), default=True,
                                    help_text=_("Mandatory (GB) or recommended (GB/T); decides how declared claims count."))
    effective_from = models.DateField(_("effective from"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True,
                                    help_text=_("First day the edition is no longer in force."))
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="supersedes", verbose_name=_("superseded by"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices,
                                  default=Confidence.SECONDARY)

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard edition")
        verbose_name_plural = _("standard editions")
        ordering = ["code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="reports_standard_code_year_unique"),
            models.CheckConstraint(condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=models.F("effective_from")),
                                   name="reports_standard_withdrawn_after_effective"),
        ]

    def __str__(self) -> str:
        return self.designation

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


class Comparator(models.TextChoices):
    LE = "le", "≤"
    LT = "lt", "<"
    GE = "ge", "≥"
    GT = "gt", ">"
    RANGE = "range", _("range")
    PASS_FAIL = "pass_fail", _("pass / fail")
    K_OF_N = "k_of_n", _("k of n")
    LEVEL = "level", _("performance level")


class TestItemSpec(models.Model):
    """A test item of a standard edition with its limit: the fixture verdicts are computed from."""

    __test__ = False  # not a pytest class

    class Importance(models.TextChoices):
        CRITICAL = "A", _("A (critical)")
        MAJOR = "B", _("B (major)")
        MINOR = "C", _("C (minor)")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="test_items",
                                 verbose_name=_("standard edition"))
    code = models.SlugField(_("item code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    comparator = models.CharField(_("comparator"), max_length=10, choices=Comparator.choices)
    limit_min = models.DecimalField(_("lower limit"), max_digits=20, decimal_places=6, null=True, blank=True)
    limit_max = models.DecimalField(_("upper limit"), max_digits=20, decimal_places=6, null=True, blank=True)
    k = models.PositiveSmallIntegerField(_("k (at least k results must meet the limit)"), null=True, blank=True)
    n = models.PositiveSmallIntegerField(_("n (individual results)"), null=True, blank=True)
    levels = models.JSONField(_("level thresholds"), default=list, blank=True,
                              help_text=_("Ascending thresholds of levels 1, 2, ... (performance-level items)."))
    clause = models.CharField(_("clause"), max_length=40, blank=True)
    applies_to = models.JSONField(_("applies to classes"), default=list, blank=True,
                                  help_text=_("Classes or marks this item applies to, e.g. [\"KN95\"]; empty: all."))
    required = models.BooleanField(_("required"), default=True)
    importance = models.CharField(_("importance"), max_length=1, choices=Importance.choices,
                                  default=Importance.MAJOR)
    source = models.CharField(_("source"), max_length=300, blank=True)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices,
                                  default=Confidence.SECONDARY)

    class Meta:
        verbose_name = _("test item")
        verbose_name_plural = _("test items")
        ordering = ["standard", "clause", "code"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="reports_testitemspec_standard_code_unique"),
            models.CheckConstraint(
                condition=~Q(comparator__in=["le", "lt"]) | Q(limit_max__isnull=False),
                name="reports_testitemspec_upper_limit_needed"),
            models.CheckConstraint(
                condition=~Q(comparator__in=["ge", "gt"]) | Q(limit_min__isnull=False),
                name="reports_testitemspec_lower_limit_needed"),
            models.CheckConstraint(
                condition=~Q(comparator="range")
                | (Q(limit_min__isnull=False) & Q(limit_max__isnull=False) & Q(limit_max__gte=models.F("limit_min"))),
                name="reports_testitemspec_range_ordered"),
            models.CheckConstraint(
                condition=~Q(comparator="k_of_n")
                | (Q(k__isnull=False) & Q(n__isnull=False) & Q(k__lte=models.F("n"))
                   & (Q(limit_min__isnull=False) | Q(limit_max__isnull=False))),
                name="reports_testitemspec_k_of_n_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.standard.designation} {self.code}"

    @property
    def limit_display(self) -> str:
        """The limit as a reader expects it, e.g. "≤ 4900 N" or "150–250 N"."""
        def fmt(value: Decimal | None) -> str:
            return "" if value is None else f"{value.normalize():f}"

        unit = f" {self.unit}" if self.unit else ""
        if self.comparator in ("le", "lt"):
            return f"{self.get_comparator_display()} {fmt(self.limit_max)}{unit}"
        if self.comparator in ("ge", "gt"):
            return f"{self.get_comparator_display()} {fmt(self.limit_min)}{unit}"
        if self.comparator == "range":
            return f"{fmt(self.limit_min)}–{fmt(self.limit_max)}{unit}"
        if self.comparator == "k_of_n":
            bound = f"≤ {fmt(self.limit_max)}" if self.limit_max is not None else f"≥ {fmt(self.limit_min)}"
            return f"{self.k}/{self.n} {bound}{unit}"
        if self.comparator == "level":
            return f"≥ L{fmt(self.limit_min) or '1'}"
        return str(_("pass"))


class Laboratory(models.Model):
    """A testing laboratory's accreditation: CMA and CNAS numbers, scope and validity."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="laboratory",
                                        limit_choices_to={"is_laboratory": True}, verbose_name=_("organisation"))
    cma_number = models.CharField(_("CMA number"), max_length=12, unique=True,
                                  help_text=_("12-digit inspection body qualification number."))
    cma_valid_until = models.DateField(_("CMA valid until"))
    cnas_number = models.CharField(_("CNAS number"), max_length=12, blank=True, help_text=_("e.g. CNAS L1234."))
    cnas_valid_until = models.DateField(_("CNAS valid until"), null=True, blank=True)
    scope = models.ManyToManyField(Standard, related_name="laboratories", blank=True,
                                   verbose_name=_("standards in scope"))
    verification_domains = models.CharField(_("report verification domains"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("laboratory accreditation")
        verbose_name_plural = _("laboratory accreditations")
        ordering = ["organization__name"]
        constraints = [
            models.CheckConstraint(condition=Q(cma_number__regex=r"^[0-9]{12}$"), name="reports_laboratory_cma_format"),
            models.CheckConstraint(condition=Q(cnas_number="") | Q(cnas_number__regex=r"^CNAS L[0-9]{4,5}$"),
                                   name="reports_laboratory_cnas_format"),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} (CMA {self.cma_number})"

    def accredited_on(self, day: datetime.date) -> bool:
        """CMA (and CNAS when held) valid on ``day``."""
        if day > self.cma_valid_until:
            return False
        return not (self.cnas_number and self.cnas_valid_until and day > self.cnas_valid_until)
