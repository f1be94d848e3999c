"""Public spot-check pages: the published results list, its exports, and the published plans."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from products.models import ProductCategory

from . import exports
from .models import AssessmentPlan, SpotCheckCampaign, SpotCheckSample
from .selectors import spot_check_samples_public

EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", exports.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.to_xlsx),
    "pdf": ("application/pdf", None),
}


def _filters(request) -> dict:
    year = request.GET.get("year", "")
    verdict = request.GET.get("verdict", "")
    return {"year": int(year) if year.isdigit() else None,
            "category": request.GET.get("category") or None,
            "verdict": verdict if verdict in SpotCheckSample.Verdict.values else None}


@require_GET
def spot_check_list(request):
    """Published spot-check results, filtered by year, category and conclusion."""
    filters = _filters(request)
    samples = spot_check_samples_public(**filters)
    years = (SpotCheckCampaign.objects.filter(published_on__isnull=False).order_by("-year")
             .values_list("year", flat=True).distinct())
    query = request.GET.urlencode()
    context = {
        "samples": samples[:500], "total": samples.count(),
        "nonconforming": samples.filter(verdict=SpotCheckSample.Verdict.NONCONFORMING).count(),
        "years": list(years), "categories": ProductCategory.objects.order_by("code"),
        "verdicts": [(v, label) for v, label in SpotCheckSample.Verdict.choices if v != "pending"],
        "filters": filters, "query": query,
        "campaigns": SpotCheckCampaign.objects.filter(published_on__isnull=False).select_related("authority"),
    }
    return render(request, "reports/spot_check_list.html", context)


@require_GET
def spot_check_export(request, fmt: str):
    """The filtered list as CSV, XLSX or PDF, in the columns regulators publish."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    samples = list(spot_check_samples_public(**_filters(request)))
    content_type, writer = EXPORT_TYPES[fmt]
    if fmt == "pdf":
        year = _filters(request)["year"]
        title = _("Published spot-check results") + (f" {year}" if year else "")
        body = exports.to_pdf(samples, title=title)
    else:
        body = writer(samples)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="spot-checks.{fmt}"'
    return response


@require_GET
def assessment_plans(request):
    """Published annual assessment plans: categories, regions and planned samples."""
    plans = (AssessmentPlan.objects.filter(published=True).select_related("authority")
             .prefetch_related("items__category").order_by("-year"))
    return render(request, "reports/assessment_plans.html", {"plans": plans})
