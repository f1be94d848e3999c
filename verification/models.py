"""Scan log, anomaly risk, reports of suspected fakes, and the bookkeeping of label jobs.

Nothing here holds personal data of the person who scans: a client is known only by a keyed
hash of its address (enough to count probes and bursts, useless to identify anyone).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from products.models import Batch, ProductModel, Unit
from traceability.models import Job, Organization


class Verdict(models.TextChoices):
    """The one verdict a scan page shows at the top, in order of precedence (highest first)."""

    NOT_REGISTERED = "not_registered", _("Not registered: possible counterfeit")
    RETIRED = "retired", _("Retired or destroyed")
    RECALLED = "recalled", _("Recalled")
    EXPIRED = "expired", _("Expired")
    SUSPICIOUS = "suspicious", _("Suspicious")
    GENUINE = "genuine", _("Genuine")


class ScanLog(models.Model):
    """One resolution of a Digital Link (a scan or a typed code), with the anomalies it raised."""

    class Channel(models.TextChoices):
        HTML = "html", _("Web page")
        JSON = "json", _("JSON / linkset")
        VERIFY = "verify", _("Typed code")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="scans",
                             verbose_name=_("unit"))
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, null=True, blank=True, related_name="scans",
                              verbose_name=_("batch"))
    manufacturer = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="scans_of_products", verbose_name=_("manufacturer"))
    gtin = models.CharField(_("GTIN"), max_length=14)
    lot = models.CharField(_("lot as scanned"), max_length=20, blank=True)
    serial = models.CharField(_("serial as scanned"), max_length=20, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.HTML)
    client = models.CharField(_("client (keyed hash)"), max_length=16, db_index=True)
    region = models.CharField(_("region"), max_length=6, blank=True)
    scanned_by = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="scans_made", verbose_name=_("scanned by (signed-in organisation)"))
    flags = models.JSONField(_("anomalies"), default=list, blank=True)
    throttled = models.BooleanField(_("throttled"), default=False)
    created_at = models.DateTimeField(_("scanned at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scan log")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["unit", "created_at"], name="verification_scan_unit_idx"),
            models.Index(fields=["manufacturer", "created_at"], name="verification_scan_maker_idx"),
            models.Index(fields=["verdict", "created_at"], name="verification_scan_verdict_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial or self.lot or '-'} {self.verdict}"


class UnitRisk(models.Model):
    """Accumulated anomaly score of one unit; at or above the threshold the verdict is suspicious.

    A separate row (one per unit that ever raised an anomaly) so the scan page reads it in the
    same join as the unit, and the manufacturer can review and clear it in the admin.
    """

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="risk", verbose_name=_("unit"))
    manufacturer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="unit_risks",
                                     verbose_name=_("manufacturer"))
    score = models.PositiveIntegerField(_("anomaly score"), default=0)
    flags = models.JSONField(_("anomalies seen"), default=list, blank=True)
    first_flagged_at = models.DateTimeField(_("first flagged"), auto_now_add=True)
    last_flagged_at = models.DateTimeField(_("last flagged"), auto_now=True)
    reviewed = models.BooleanField(_("reviewed"), default=False)

    class Meta:
        verbose_name = _("suspicious unit")
        verbose_name_plural = _("suspicious units")
        ordering = ["-last_flagged_at"]

    def __str__(self) -> str:
        return f"{self.unit} ({self.score})"


class SuspectReport(models.Model):
    """A report of a suspected fake sent from a public scan page."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed counterfeit")
        DISMISSED = "dismissed", _("Dismissed")

    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="suspect_reports",
                             verbose_name=_("unit"))
    product_model = models.ForeignKey(ProductModel, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="suspect_reports", verbose_name=_("product model"))
    manufacturer = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="suspect_reports", verbose_name=_("manufacturer"))
    gtin = models.CharField(_("GTIN"), max_length=14)
    lot = models.CharField(_("lot"), max_length=20, blank=True)
    serial = models.CharField(_("serial"), max_length=20, blank=True)
    verdict = models.CharField(_("verdict shown"), max_length=20, choices=Verdict.choices)
    where = models.CharField(_("where it was bought or found"), max_length=200, blank=True)
    description = models.TextField(_("what looks wrong"), max_length=2000)
    contact = models.CharField(_("contact (optional, never published)"), max_length=120, blank=True)
    client = models.CharField(_("client (keyed hash)"), max_length=16)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suspected fake report")
        verbose_name_plural = _("suspected fake reports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["manufacturer", "status"], name="verification_report_maker_idx")]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial or self.lot} ({self.get_status_display()})"


class LabelChunk(models.Model):
    """One slice (250 to 1,000 codes) of a label job; ``done`` once its files are written.

    A chunk is the unit of work and of resumption: a chunk already done is skipped, so a job
    killed half-way and resumed writes each code exactly once and counts it exactly once.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="label_chunks", verbose_name=_("job"))
    index = models.PositiveIntegerField(_("index"))
    first_unit_id = models.BigIntegerField(_("first unit id"), null=True, blank=True)
    last_unit_id = models.BigIntegerField(_("last unit id"), null=True, blank=True)
    count = models.PositiveIntegerField(_("codes"))
    done = models.BooleanField(_("done"), default=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("label chunk")
        verbose_name_plural = _("label chunks")
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="verification_labelchunk_job_index_unique"),
            models.CheckConstraint(condition=Q(count__gte=1) & Q(count__lte=1000),
                                   name="verification_labelchunk_count_range"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} chunk {self.index}"


class LabelJob(Job):
    """Label jobs (Job rows of kind ``labels``) as the admin lists them."""

    class Meta:
        proxy = True
        verbose_name = _("label job")
        verbose_name_plural = _("label jobs")


class LabelBatch(Batch):
    """Batches as the label admin lists them, with the "Generate labels" action."""

    class Meta:
        proxy = True
        verbose_name = _("batch labels")
        verbose_name_plural = _("batch labels")
