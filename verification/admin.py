"""Back office: label jobs with their progress, "Generate labels" for batches, the scan log,
suspicious units and reports of fakes. A manufacturer's staff user sees only its own products."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Count, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from products.models import Batch, Unit
from traceability.api.permissions import reads_everything
from traceability.models import Job

from . import services
from .models import LabelBatch, LabelJob, ScanLog, SuspectReport, UnitRisk


def _own(request, queryset, field: str = "manufacturer"):
    """Everything for staff, regulators and auditors; a manufacturer's own rows otherwise."""
    user = request.user
    if reads_everything(user):
        return queryset
    if user.organization_id:
        return queryset.filter(**{f"{field}_id": user.organization_id})
    return queryset.none()


def _progress(job) -> str:
    return format_html('<progress value="{}" max="100" title="{}/{}"></progress> {}% ({}/{})',
                       job.percent, job.done, job.total, job.percent, job.done, job.total)


@admin.register(LabelJob)
class LabelJobAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "status", "progress", "download", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("status", "progress", "total", "done", "params", "result", "errors", "organization",
                       "created_by", "created_at", "started_at", "finished_at", "download")
    exclude = ("kind",)
    actions = ["resume"]

    def get_queryset(self, request):
        batch = Batch.objects.filter(pk=OuterRef("batch_ref"))
        queryset = super().get_queryset(request).filter(kind=services.LABEL_JOB_KIND).annotate(
            batch_ref=Cast(KeyTextTransform("batch_id", "params"), BigIntegerField())).annotate(
            batch_lot=Subquery(batch.values("lot")[:1]),
            batch_model=Subquery(batch.values("product_model__model_number")[:1]))
        return _own(request, queryset, "organization")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("batch"))
    def batch(self, obj):
        return f"{obj.batch_model} / {obj.batch_lot}" if obj.batch_lot else obj.params.get("batch_id")

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return _progress(obj)

    @admin.display(description=_("label sheet"))
    def download(self, obj):
        if obj.status != Job.Status.SUCCEEDED or not obj.result.get("pdf"):
            return "—"
        url = reverse("admin:verification_labeljob_pdf", args=[obj.pk])
        return format_html('<a href="{}">PDF ({} {})</a>', url, obj.result.get("pages"), _("pages"))

    @admin.action(description=_("Resume the selected label jobs"))
    def resume(self, request, queryset):
        for job in queryset.exclude(status=Job.Status.SUCCEEDED):
            services.label_job_resume(job=job)
        self.message_user(request, _("Resumed; chunks already written are skipped."))

    def get_urls(self):
        return [path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="verification_labeljob_pdf"),
                *super().get_urls()]

    def pdf_view(self, request, pk: int):
        job = self.get_queryset(request).filter(pk=pk, status=Job.Status.SUCCEEDED).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        file = Path(settings.MEDIA_ROOT) / job.result.get("pdf", "")
        if not file.is_file():
            raise Http404
        return FileResponse(file.open("rb"), content_type="application/pdf", filename=file.name)


def _latest_job(field: str):
    jobs = Job.objects.filter(kind=services.LABEL_JOB_KIND).annotate(
        batch_ref=Cast(KeyTextTransform("batch_id", "params"), BigIntegerField()))
    return Subquery(jobs.filter(batch_ref=OuterRef("pk")).order_by("-created_at").values(field)[:1])


@admin.register(LabelBatch)
class LabelBatchAdmin(admin.ModelAdmin):
    list_display = ("lot", "product_model", "production_date", "unit_count", "latest_label_job")
    list_filter = ("release_state",)
    search_fields = ("lot", "product_model__name", "product_model__model_number", "product_model__gtin")
    list_select_related = ("product_model",)
    actions = ["generate_labels"]

    def get_queryset(self, request):
        # one query for the page: unit counts and the latest label job as subqueries, no N+1
        queryset = super().get_queryset(request).annotate(
            units_total=Subquery(Unit.objects.filter(batch=OuterRef("pk")).order_by().values("batch")
                                 .annotate(n=Count("id")).values("n")[:1]),
            job_id=_latest_job("id"), job_done=_latest_job("done"), job_total=_latest_job("total"),
            job_status=_latest_job("status"))
        return _own(request, queryset, "product_model__manufacturer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("units"))
    def unit_count(self, obj):
        return obj.units_total or 0

    @admin.display(description=_("latest label job"))
    def latest_label_job(self, obj):
        if obj.job_id is None:
            return "—"
        job = Job(pk=obj.job_id, done=obj.job_done, total=obj.job_total, status=obj.job_status)
        url = reverse("admin:verification_labeljob_change", args=[job.pk])
        return format_html('<a href="{}">#{}</a> {}', url, job.pk, _progress(job))

    @admin.action(description=_("Generate labels (QR codes and A4 sheets)"))
    def generate_labels(self, request, queryset):
        for batch in queryset:
            try:
                job = services.label_job_start(batch=batch, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{batch}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Label job #%(id)s queued for %(batch)s.") % {"id": job.pk, "batch": batch})


@admin.register(ScanLog)
class ScanLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "gtin", "lot", "serial", "verdict", "channel", "region", "flags", "throttled")
    list_filter = ("verdict", "channel", "throttled")
    search_fields = ("gtin", "serial", "lot")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ScanLog._meta.fields]

    def get_queryset(self, request):
        return _own(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UnitRisk)
class UnitRiskAdmin(admin.ModelAdmin):
    list_display = ("unit", "score", "flags", "reviewed", "first_flagged_at", "last_flagged_at")
    list_filter = ("reviewed",)
    search_fields = ("unit__serial", "unit__gtin")
    list_select_related = ("unit",)
    readonly_fields = ("unit", "manufacturer", "score", "flags", "first_flagged_at", "last_flagged_at", "reviewed")
    actions = ["clear"]

    def get_queryset(self, request):
        return _own(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Reviewed: reset the anomaly score"))
    def clear(self, request, queryset):
        for risk in queryset:
            services.unit_risk_clear(risk=risk)
        self.message_user(request, _("Scores reset; the scan log is kept."))


@admin.register(SuspectReport)
class SuspectReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "gtin", "lot", "serial", "verdict", "where", "status")
    list_filter = ("status", "verdict")
    search_fields = ("gtin", "serial", "lot", "where", "description")
    readonly_fields = ("unit", "product_model", "manufacturer", "gtin", "lot", "serial", "verdict", "where",
                       "description", "contact", "client", "created_at")
    fields = ("status", *readonly_fields)

    def get_queryset(self, request):
        return _own(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False
