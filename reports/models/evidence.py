"""Test reports, their results, and comparison jobs with their findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import Batch, ProductModel

from .reference import Laboratory, Standard, TestItemSpec


class Verdict(models.TextChoices):
    """A recomputed verdict: of one item, or of a whole report (verdict (a))."""

    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    INCOMPLETE = "incomplete", _("Required items missing")
    NOT_JUDGED = "not_judged", _("Not judged")


class TestReport(models.Model):
    """A laboratory's test report on a product model (and usually one batch)."""

    __test__ = False

    class Kind(models.TextChoices):
        TYPE = "type", _("Type test")
        FACTORY = "factory", _("Factory / batch test")
        SPOT_CHECK = "spot_check", _("Spot check")
        PERIODIC = "periodic", _("Periodic re-test")

    class Stated(models.TextChoices):
        PASS = "pass", _("Conforming")
        FAIL = "fail", _("Nonconforming")
        NONE = "", _("Not stated")

    number = models.CharField(_("report number"), max_length=60, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    laboratory = models.ForeignKey(Laboratory, on_delete=models.PROTECT, related_name="reports",
                                   verbose_name=_("laboratory"))
    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="test_reports",
                                      verbose_name=_("product model"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="test_reports",
                              verbose_name=_("batch"))
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("standard edition stated"))
    judged_by = models.ForeignKey(Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("edition judged by"),
                                  help_text=_("The edition in force on the production date."))
    sample_received_on = models.DateField(_("sample received"))
    tested_from = models.DateField(_("testing started"))
    tested_until = models.DateField(_("testing finished"))
    issued_on = models.DateField(_("issued"))
    stated_conclusion = models.CharField(_("stated conclusion"), max_length=4, choices=Stated.choices,
                                         blank=True, default="")
    file = models.FileField(_("PDF"), upload_to="reports/%Y/%m/", blank=True)
    file_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True, editable=False)
    fingerprint = models.CharField(_("measured-value fingerprint"), max_length=64, blank=True, editable=False,
                                   db_index=True,
                                   help_text=_("SHA-256 of the normalised measured values: equal on copied reports."))
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, default=Verdict.NOT_JUDGED,
                               editable=False)
    failed_items = models.JSONField(_("failed items"), default=list, blank=True, editable=False)
    missing_items = models.JSONField(_("missing required items"), default=list, blank=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="submitted_reports", verbose_name=_("submitted by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("test report")
        verbose_name_plural = _("test reports")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(file_sha256="") | Q(file_sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="reports_testreport_sha256_format"),
            models.CheckConstraint(condition=Q(fingerprint="") | Q(fingerprint__regex=r"^[0-9a-f]{64}$"),
                                   name="reports_testreport_fingerprint_format"),
            models.CheckConstraint(condition=~Q(kind="factory") | Q(batch__isnull=False),
                                   name="reports_testreport_factory_has_batch"),
        ]
        indexes = [
            models.Index(fields=["batch", "kind", "-issued_on"], name="reports_report_batch_kind_idx"),
            models.Index(fields=["product_model", "kind", "-issued_on"], name="reports_report_model_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    @property
    def verdict_wording(self) -> str:
        """The overall conclusion worded as spot-check rules require (所检项目未发现不合格, never 合格)."""
        from ..verdicts import verdict_wording

        return verdict_wording(self)


class TestResult(models.Model):
    """One measured result of a report: a value, a list of individual values (k of n), or an observation."""

    __test__ = False

    report = models.ForeignKey(TestReport, on_delete=models.CASCADE, related_name="results",
                               verbose_name=_("report"))
    spec = models.ForeignKey(TestItemSpec, on_delete=models.PROTECT, null=True, blank=True, related_name="results",
                             verbose_name=_("test item"))
    item_code = models.SlugField(_("item code"), max_length=60)
    sample = models.CharField(_("sample / condition"), max_length=60, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    values = models.JSONField(_("individual values"), default=list, blank=True)
    observed_pass = models.BooleanField(_("observation passed"), null=True, blank=True)
    stated_verdict = models.CharField(_("stated verdict"), max_length=4, blank=True,
                                      choices=[("pass", _("Pass")), ("fail", _("Fail"))])
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, default=Verdict.NOT_JUDGED)
    limit_applied = models.CharField(_("limit applied"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["pk"]
        indexes = [
            # Screening looks up (item, value) pairs of a new report among every stored result.
            models.Index(fields=["spec", "value"], name="reports_result_spec_value_idx"),
        ]

    def __str__(self) -> str:
        shown = self.value if self.value is not None else self.values or self.observed_pass
        return f"{self.item_code} {self.sample} = {shown}"


class ResultBand(models.Model):
    """A hash of two neighbouring measured values of a report (locality-sensitive "bands").

    Two reports sharing most of their values share most bands, so candidates for a partial copy
    are found by one indexed lookup of a few band hashes, however many results are stored."""

    report = models.ForeignKey(TestReport, on_delete=models.CASCADE, related_name="bands", verbose_name=_("report"))
    band = models.CharField(_("band hash"), max_length=16)

    class Meta:
        verbose_name = _("value band")
        verbose_name_plural = _("value bands")
        indexes = [models.Index(fields=["band", "report"], name="reports_band_band_report_idx")]
        constraints = [models.CheckConstraint(condition=Q(band__regex=r"^[0-9a-f]{16}$"),
                                              name="reports_resultband_band_format")]

    def __str__(self) -> str:
        return self.band


class Comparison(models.Model):
    """A comparison job: one report checked (verdicts, forgery screening) or two side by side."""

    class Kind(models.TextChoices):
        SCREEN = "screen", _("Verdict and forgery screening")
        PAIR = "pair", _("Side by side")
        FACTORY_VS_TYPE = "factory_vs_type", _("Factory report against last type test")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Outcome(models.TextChoices):
        PENDING = "", _("Pending")
        OK = "ok", _("No findings of concern")
        NONCONFORMING = "nonconforming", _("Nonconforming")
        TYPE_TEST_DUE = "type_test_due", _("Type test due")
        SUSPECTED_FORGERY = "suspected_forgery", _("Suspected copy or forgery")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    report = models.ForeignKey(TestReport, on_delete=models.CASCADE, related_name="comparisons",
                               verbose_name=_("report"))
    other = models.ForeignKey(TestReport, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("compared with"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=200, blank=True,
                              help_text=_("Why it was started, e.g. a nonconforming spot-check sample."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("comparison")
        verbose_name_plural = _("comparisons")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="screen") | Q(other__isnull=False),
                                   name="reports_comparison_pair_has_other"),
            models.CheckConstraint(condition=Q(other__isnull=True) | ~Q(other=models.F("report")),
                                   name="reports_comparison_not_self"),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="reports_comparison_done_le_total"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Finding(models.Model):
    """One finding of a comparison, with its severity and the evidence behind it."""

    class Severity(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")
        INFO = "info", _("Info")

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="findings",
                                   verbose_name=_("comparison"))
    code = models.CharField(_("code"), max_length=40)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    item_code = models.CharField(_("item"), max_length=60, blank=True)
    message = models.CharField(_("message"), max_length=300)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    related_report = models.ForeignKey(TestReport, on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="+", verbose_name=_("related report"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["comparison", "pk"]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.code}: {self.message}"
