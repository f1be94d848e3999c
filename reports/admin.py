"""Back office of reports: reference data, labs, reports (with the side-by-side page), spot checks."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import (
    AssessmentPlan,
    AssessmentPlanItem,
    Comparison,
    Finding,
    Laboratory,
    SpotCheckCampaign,
    SpotCheckSample,
    Standard,
    TestItemSpec,
    TestReport,
    TestResult,
    Verdict,
)
from .selectors import report_scope, side_by_side
from .services import (
    campaign_publish,
    comparison_start,
    report_evaluate,
    report_file_check,
    reports_import,
    sample_record_result,
)
from .services.reports import IMPORT_COLUMNS

VERDICT_STYLE = {
    Verdict.PASS: ("verdict-pass", "#1b7f3b", "✓"),
    Verdict.FAIL: ("verdict-fail", "#b00020", "✗"),
    Verdict.INCOMPLETE: ("verdict-incomplete", "#a15c00", "!"),
    Verdict.NOT_JUDGED: ("verdict-none", "#666", "–"),
}


def verdict_badge(verdict: str, label: str) -> str:
    css, colour, mark = VERDICT_STYLE.get(verdict, VERDICT_STYLE[Verdict.NOT_JUDGED])
    return format_html('<strong class="{}" style="color:{}">{} {}</strong>', css, colour, mark, label)


class AdminMedia:
    css = {"all": ["reports/admin.css"]}


# --- reference data -----------------------------------------------------------------------

class TestItemSpecInline(admin.TabularInline):
    model = TestItemSpec
    extra = 0
    fields = ("code", "name", "unit", "comparator", "limit_min", "limit_max", "k", "n", "levels", "clause",
              "applies_to", "required", "importance", "confidence", "source")
    show_change_link = True


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ("designation", "title", "jurisdiction", "mandatory", "effective_from", "withdrawn_on",
                    "superseded_by", "confidence")
    list_filter = ("jurisdiction", "mandatory", "confidence", "code")
    search_fields = ("designation", "code", "title", "title_en")
    autocomplete_fields = ("superseded_by",)
    inlines = [TestItemSpecInline]


@admin.register(TestItemSpec)
class TestItemSpecAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "standard", "comparator", "limit_display", "unit", "clause", "required",
                    "confidence")
    list_filter = ("standard", "comparator", "confidence", "required")
    search_fields = ("code", "name", "name_en", "standard__designation")
    list_select_related = ("standard",)
    autocomplete_fields = ("standard",)


@admin.register(Laboratory)
class LaboratoryAdmin(admin.ModelAdmin):
    list_display = ("organization", "cma_number", "cma_valid_until", "cnas_number", "cnas_valid_until")
    search_fields = ("organization__name", "cma_number", "cnas_number")
    autocomplete_fields = ("organization",)
    filter_horizontal = ("scope",)
    list_select_related = ("organization",)


# --- reports ------------------------------------------------------------------------------

class TestReportAdminForm(forms.ModelForm):
    class Meta:
        model = TestReport
        fields = ("number", "kind", "laboratory", "product_model", "batch", "standard", "sample_received_on",
                  "tested_from", "tested_until", "issued_on", "stated_conclusion", "file")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                self.file_sha256 = report_file_check(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return upload

    def clean(self):
        data = super().clean()
        batch, model = data.get("batch"), data.get("product_model")
        if batch and model and batch.product_model_id != model.pk:
            self.add_error("batch", _("This batch is not a batch of the selected product model."))
        if data.get("kind") == TestReport.Kind.FACTORY and not batch:
            self.add_error("batch", _("A factory / batch report must name its batch."))
        return data


class TestResultInline(admin.TabularInline):
    model = TestResult
    extra = 1
    formfield_overrides = {models.JSONField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 24})}}
    fields = ("item_code", "sample", "value", "values", "observed_pass", "stated_verdict", "verdict_shown",
              "limit_applied")
    readonly_fields = ("verdict_shown", "limit_applied")

    @admin.display(description=_("verdict"))
    def verdict_shown(self, obj):
        if obj.pk is None:
            return "-"
        return verdict_badge(obj.verdict, obj.get_verdict_display())


@admin.register(TestReport)
class TestReportAdmin(admin.ModelAdmin):
    form = TestReportAdminForm
    list_display = ("number", "kind", "laboratory", "product_model", "batch", "issued_on", "verdict_shown",
                    "latest_outcome")
    list_filter = ("kind", "verdict", "laboratory", "standard", "issued_on")
    search_fields = ("number", "product_model__model_number", "product_model__name", "batch__lot", "fingerprint")
    autocomplete_fields = ("laboratory", "product_model", "batch", "standard")
    list_select_related = ("laboratory__organization", "product_model", "batch")
    date_hierarchy = "issued_on"
    inlines = [TestResultInline]
    readonly_fields = ("verdict_shown", "wording", "judged_by", "file_sha256", "fingerprint", "findings_panel",
                       "submitted_by")
    fieldsets = (
        (None, {"fields": ("number", "kind", "laboratory", "product_model", "batch", "standard")}),
        (_("Dates"), {"fields": ("sample_received_on", "tested_from", "tested_until", "issued_on")}),
        (_("Conclusion"), {"fields": ("stated_conclusion", "verdict_shown", "wording", "judged_by",
                                      "findings_panel")}),
        (_("File"), {"fields": ("file", "file_sha256", "fingerprint", "submitted_by")}),
    )
    actions = ["screen_reports", "reevaluate_reports", "compare_two"]
    Media = AdminMedia

    def get_queryset(self, request):
        latest = Comparison.objects.filter(report=OuterRef("pk")).order_by("-pk").values("outcome")[:1]
        return super().get_queryset(request).filter(report_scope(request.user)).annotate(_latest_outcome=Subquery(latest))

    @admin.display(description=_("verdict"), ordering="verdict")
    def verdict_shown(self, obj):
        if obj.pk is None:
            return "-"
        label = obj.get_verdict_display()
        if obj.failed_items:
            label = f"{label}: {', '.join(obj.failed_items)}"
        elif obj.missing_items:
            label = f"{label}: {', '.join(obj.missing_items)}"
        return verdict_badge(obj.verdict, label)

    @admin.display(description=_("conclusion (as published)"))
    def wording(self, obj):
        return obj.verdict_wording if obj.pk else "-"

    @admin.display(description=_("latest comparison"))
    def latest_outcome(self, obj):
        outcome = getattr(obj, "_latest_outcome", None)
        return dict(Comparison.Outcome.choices).get(outcome, "-") if outcome is not None else "-"

    @admin.display(description=_("findings"))
    def findings_panel(self, obj):
        if obj.pk is None:
            return "-"
        findings = (Finding.objects.filter(comparison__report=obj, comparison__status=Comparison.Status.DONE)
                    .select_related("comparison", "related_report").order_by("-comparison_id", "pk"))
        latest = {}
        for f in findings:
            latest.setdefault(f.comparison.kind, f.comparison_id)
        shown = [f for f in findings if latest.get(f.comparison.kind) == f.comparison_id and f.code != "no_findings"]
        if not shown:
            running = obj.comparisons.exclude(status=Comparison.Status.DONE).exists()
            return _("Comparison running…") if running else _("No findings.")
        rows = format_html_join(
            "", '<tr class="finding-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            ((f.severity, f.get_severity_display(), f.code, f.message,
              format_html('<a href="{}">{}</a>', reverse("admin:reports_testreport_change", args=[f.related_report_id]),
                          f.related_report.number) if f.related_report_id else "")
             for f in shown))
        return format_html('<table class="report-findings"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
                           '</tr></thead><tbody>{}</tbody></table>', _("severity"), _("code"), _("finding"),
                           _("related report"), rows)

    def save_model(self, request, obj, form, change):
        if getattr(form, "file_sha256", None):
            obj.file_sha256 = form.file_sha256
        if not change:
            obj.submitted_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        report = form.instance
        with transaction.atomic():
            report_evaluate(report)
            comparison_start(report=report, kind=Comparison.Kind.SCREEN, user=request.user,
                             reason=str(_("saved in the admin")))
        if report.verdict == Verdict.FAIL:
            messages.warning(request, _("Report %(number)s fails: %(items)s.")
                             % {"number": report.number, "items": ", ".join(report.failed_items)})

    @admin.action(description=_("Screen selected reports (verdicts and forgery checks)"))
    def screen_reports(self, request, queryset):
        with transaction.atomic():
            for report in queryset:
                comparison_start(report=report, kind=Comparison.Kind.SCREEN, user=request.user,
                                 reason=str(_("admin action")))
        self.message_user(request, _("%(n)d screening job(s) queued.") % {"n": queryset.count()})

    @admin.action(description=_("Recompute verdicts"))
    def reevaluate_reports(self, request, queryset):
        for report in queryset.select_related("product_model", "batch", "standard"):
            report_evaluate(report)
        self.message_user(request, _("%(n)d report(s) re-judged.") % {"n": queryset.count()})

    @admin.action(description=_("Compare two selected reports side by side"))
    def compare_two(self, request, queryset):
        ids = list(queryset.order_by("-issued_on", "-pk").values_list("pk", flat=True)[:3])
        if len(ids) != 2:
            self.message_user(request, _("Select exactly two reports."), level=messages.ERROR)
            return None
        return HttpResponseRedirect(f"{reverse('admin:reports_testreport_compare')}?a={ids[0]}&b={ids[1]}")

    def get_urls(self):
        extra = [
            path("compare/", self.admin_site.admin_view(self.compare_view), name="reports_testreport_compare"),
            path("import/", self.admin_site.admin_view(self.import_view), name="reports_testreport_import"),
        ]
        return extra + super().get_urls()

    def compare_view(self, request):
        """Two reports side by side: each difference and each failure highlighted."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        visible = self.get_queryset(request)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Compare test reports side by side"), "reports": visible.order_by("-issued_on")[:500]}
        a_id, b_id = request.GET.get("a"), request.GET.get("b")
        if a_id and b_id:
            a = get_object_or_404(visible, pk=a_id)
            b = get_object_or_404(visible, pk=b_id)
            if request.method == "POST" and self.has_change_permission(request):
                with transaction.atomic():
                    comparison = comparison_start(report=a, other=b, kind=Comparison.Kind.PAIR, user=request.user,
                                                  reason=str(_("side-by-side page")))
                return HttpResponseRedirect(reverse("admin:reports_comparison_change", args=[comparison.pk]))
            rows = side_by_side(a, b)
            context.update({"a": a, "b": b, "rows": rows,
                            "significant": sum(1 for r in rows if r.significant),
                            "failures": sum(1 for r in rows if r.a_failed or r.b_failed)})
        return TemplateResponse(request, "admin/reports/compare.html", context)

    def import_view(self, request):
        """Import reports from a CSV or XLSX file (one row per result)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import test reports"), "columns": ", ".join(IMPORT_COLUMNS)}
        if request.method == "POST" and request.FILES.get("file"):
            try:
                created = reports_import(file=request.FILES["file"], user=request.user)
            except ValidationError as exc:
                context["errors"] = exc.messages
            else:
                self.message_user(request, _("%(n)d report(s) imported.") % {"n": len(created)})
                return HttpResponseRedirect(reverse("admin:reports_testreport_changelist"))
        return TemplateResponse(request, "admin/reports/import.html", context)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    can_delete = False
    fields = ("severity", "code", "item_code", "message", "related_report", "evidence")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "report", "other", "status", "progress", "outcome", "reason", "created_at")
    list_filter = ("kind", "status", "outcome")
    search_fields = ("report__number", "other__number", "reason")
    list_select_related = ("report", "other")
    readonly_fields = ("kind", "report", "other", "status", "done", "total", "outcome", "reason", "created_by",
                       "created_at", "finished_at", "side_by_side_link")
    inlines = [FindingInline]
    Media = AdminMedia

    def get_queryset(self, request):
        scope = report_scope(request.user)
        return super().get_queryset(request).filter(report__in=TestReport.objects.filter(scope).values("pk"))

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.done}/{obj.total}"

    @admin.display(description=_("side by side"))
    def side_by_side_link(self, obj):
        if not obj.other_id:
            return "-"
        url = f"{reverse('admin:reports_testreport_compare')}?a={obj.report_id}&b={obj.other_id}"
        return format_html('<a href="{}">{}</a>', url, _("open the side-by-side page"))


# --- spot checks --------------------------------------------------------------------------

class AssessmentPlanItemInline(admin.TabularInline):
    model = AssessmentPlanItem
    extra = 1
    autocomplete_fields = ("laboratory",)


@admin.register(AssessmentPlan)
class AssessmentPlanAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "authority", "published")
    list_filter = ("year", "published")
    search_fields = ("title",)
    autocomplete_fields = ("authority",)
    inlines = [AssessmentPlanItemInline]


class SpotCheckSampleInline(admin.TabularInline):
    model = SpotCheckSample
    extra = 0
    fields = ("seq", "category", "product_name", "brand", "spec_model", "production_date_or_lot",
              "manufacturer_name", "sampled_unit", "region", "sampled_on", "batch", "report", "verdict",
              "nonconforming_items")
    readonly_fields = ("verdict", "nonconforming_items")
    autocomplete_fields = ("batch", "report")
    show_change_link = True


@admin.register(SpotCheckCampaign)
class SpotCheckCampaignAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "authority", "stage", "published_on", "sample_count")
    list_filter = ("year", "stage", "published_on")
    search_fields = ("title",)
    autocomplete_fields = ("authority", "plan")
    filter_horizontal = ("categories",)
    readonly_fields = ("published_on",)
    inlines = [SpotCheckSampleInline]
    actions = ["record_results", "publish"]

    @admin.display(description=_("samples"))
    def sample_count(self, obj):
        return obj.samples.count()

    @admin.action(description=_("Take each sample's result from its report"))
    def record_results(self, request, queryset):
        count = 0
        for sample in SpotCheckSample.objects.filter(campaign__in=queryset, report__isnull=False,
                                                     verdict=SpotCheckSample.Verdict.PENDING).select_related("report"):
            try:
                sample_record_result(sample=sample, report=sample.report, user=request.user)
                count += 1
            except ValidationError as exc:
                self.message_user(request, f"#{sample.seq}: {'; '.join(exc.messages)}", level=messages.ERROR)
        self.message_user(request, _("%(n)d sample result(s) recorded.") % {"n": count})

    @admin.action(description=_("Publish results"))
    def publish(self, request, queryset):
        for campaign in queryset:
            try:
                campaign_publish(campaign=campaign, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{campaign}: {'; '.join(exc.messages)}", level=messages.ERROR)


@admin.register(SpotCheckSample)
class SpotCheckSampleAdmin(admin.ModelAdmin):
    list_display = ("campaign", "seq", "product_name", "manufacturer_name", "verdict", "nonconforming_items",
                    "batch", "batch_flagged")
    list_filter = ("verdict", "campaign__year", "category", "batch_flagged")
    search_fields = ("product_name", "manufacturer_name", "report_number", "brand")
    autocomplete_fields = ("campaign", "product_model", "batch", "report")
    list_select_related = ("campaign", "batch")
    readonly_fields = ("verdict", "nonconforming_items", "nonconforming_detail", "laboratory_name",
                       "report_number", "batch_flagged")
