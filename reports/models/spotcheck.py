"""Annual assessment plans and spot-check campaigns with their samples and published results."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import Batch, ProductCategory, ProductModel
from traceability.models import Organization
from traceability.validators import validate_region

from .evidence import TestReport


class AssessmentPlan(models.Model):
    """The annual assessment (spot-check) plan: what will be sampled where, and how much."""

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    authority = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assessment_plans",
                                  limit_choices_to={"is_regulator": True}, verbose_name=_("authority"))
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        verbose_name = _("assessment plan")
        verbose_name_plural = _("assessment plans")
        ordering = ["-year", "title"]
        constraints = [models.UniqueConstraint(fields=["year", "title"], name="reports_assessmentplan_year_title_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class AssessmentPlanItem(models.Model):
    """One line of a plan: a category in a region with its planned number of samples."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    region = models.CharField(_("region"), max_length=6, validators=[validate_region])
    planned_samples = models.PositiveIntegerField(_("planned samples"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    laboratory = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   limit_choices_to={"is_laboratory": True}, verbose_name=_("laboratory"))

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "category", "region"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "category", "region"], name="reports_planitem_unique"),
            models.CheckConstraint(condition=Q(planned_samples__gte=1), name="reports_planitem_samples_positive"),
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                                   name="reports_planitem_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.region} × {self.planned_samples}"


class SpotCheckCampaign(models.Model):
    """A supervision spot-check campaign (监督抽查) and the publication of its results."""

    class Stage(models.TextChoices):
        PRODUCTION = "production", _("Production")
        CIRCULATION = "circulation", _("Circulation")
        ECOMMERCE = "ecommerce", _("E-commerce")
        USE = "use", _("In use")

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    authority = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="spot_check_campaigns",
                                  limit_choices_to={"is_regulator": True}, verbose_name=_("authority"))
    plan = models.ForeignKey(AssessmentPlan, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="campaigns", verbose_name=_("plan"))
    stage = models.CharField(_("sampling stage"), max_length=12, choices=Stage.choices, default=Stage.PRODUCTION)
    categories = models.ManyToManyField(ProductCategory, related_name="+", blank=True, verbose_name=_("categories"))
    basis = models.CharField(_("test basis"), max_length=300, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot-check campaign")
        verbose_name_plural = _("spot-check campaigns")
        ordering = ["-year", "title"]
        constraints = [models.UniqueConstraint(fields=["year", "title"], name="reports_campaign_year_title_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class SpotCheckSample(models.Model):
    """One sample of a campaign: where it was taken, which batch, and the published result."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Pending")
        NO_NONCONFORMITY = "no_nonconformity", _("No nonconformity found")
        NONCONFORMING = "nonconforming", _("Nonconforming")

    campaign = models.ForeignKey(SpotCheckCampaign, on_delete=models.CASCADE, related_name="samples",
                                 verbose_name=_("campaign"))
    seq = models.PositiveIntegerField(_("No."))
    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="spot_check_samples", verbose_name=_("product model"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="spot_check_samples", verbose_name=_("batch"))
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    product_name = models.CharField(_("product name (as labelled)"), max_length=200)
    brand = models.CharField(_("brand (as labelled)"), max_length=100, blank=True)
    spec_model = models.CharField(_("specification / model"), max_length=200, blank=True)
    production_date_or_lot = models.CharField(_("production date / lot (as labelled)"), max_length=60, blank=True)
    manufacturer_name = models.CharField(_("manufacturer (as labelled)"), max_length=200)
    manufacturer_address = models.CharField(_("manufacturer address"), max_length=300, blank=True)
    sampled_unit = models.CharField(_("sampled unit"), max_length=200)
    sampled_unit_address = models.CharField(_("sampled unit address / channel"), max_length=300, blank=True)
    region = models.CharField(_("region"), max_length=6, validators=[validate_region])
    sampled_on = models.DateField(_("sampled on"))
    report = models.ForeignKey(TestReport, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="spot_check_samples", verbose_name=_("test report"))
    verdict = models.CharField(_("conclusion"), max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    nonconforming_items = models.CharField(_("main nonconforming items"), max_length=300, blank=True)
    nonconforming_detail = models.CharField(_("results / limits of nonconforming items"), max_length=300,
                                            blank=True)
    laboratory_name = models.CharField(_("testing laboratory"), max_length=200, blank=True)
    report_number = models.CharField(_("report number"), max_length=60, blank=True)
    batch_flagged = models.BooleanField(_("batch flagged for quarantine"), default=False, editable=False)

    class Meta:
        verbose_name = _("spot-check sample")
        verbose_name_plural = _("spot-check samples")
        ordering = ["campaign", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "seq"], name="reports_sample_campaign_seq_unique"),
            models.CheckConstraint(condition=~Q(verdict="nonconforming") | ~Q(nonconforming_items=""),
                                   name="reports_sample_nonconforming_names_items"),
        ]
        indexes = [models.Index(fields=["verdict"], name="reports_sample_verdict_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.seq} {self.product_name}"
