"""Reports API: labs post reports; scoped reads; comparison jobs and the side-by-side endpoint;
the public list of published spot-check campaigns.

Scoping lives in ``reports.selectors.report_scope`` (one function for the API, the admin and the
pages); Django ``ValidationError`` / ``PermissionDenied`` from the services become RFC 7807
problems in the project's exception handler.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from products.models import Batch, ProductModel
from traceability.api.pagination import StandardPagination
from traceability.models import Role

from ..models import Comparison, Laboratory, SpotCheckCampaign, SpotCheckSample, Standard, TestReport, TestResult
from ..selectors import comparison_list, report_list, report_scope, side_by_side
from ..services import comparison_start, report_attach_file, report_create
from . import serializers as s


class ReportsPermission(permissions.BasePermission):
    """Signed-in callers read (scoped); labs and staff post reports; auditors write nothing."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if user.is_superuser or user.role == Role.STAFF:
            return True
        if view.basename == "test-report":
            return user.role == Role.LABORATORY and user.organization_id is not None
        if view.basename == "comparison":
            return user.role in (Role.LABORATORY, Role.MANUFACTURER, Role.REGULATOR) and (
                user.organization_id is not None or user.role == Role.REGULATOR)
        return False


class TestReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Test reports. A laboratory sees and posts its own; a manufacturer sees those on its models;
    staff, regulators and auditors see all."""

    permission_classes = [ReportsPermission]
    pagination_class = StandardPagination
    filterset_fields = ["kind", "verdict", "batch", "product_model", "laboratory"]
    search_fields = ["number", "product_model__model_number", "batch__lot"]
    ordering_fields = ["issued_on", "number", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TestReport.objects.none()
        qs = report_list(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("results", queryset=TestResult.objects.order_by("pk")))
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return s.TestReportCreateInputSerializer
        if self.action == "retrieve":
            return s.TestReportDetailOutputSerializer
        return s.TestReportOutputSerializer

    @extend_schema(request=s.TestReportCreateInputSerializer, responses={201: s.TestReportDetailOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = s.TestReportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        if "laboratory" in v:
            laboratory = Laboratory.objects.filter(pk=v["laboratory"]).select_related("organization").first()
        else:
            laboratory = Laboratory.objects.filter(organization_id=user.organization_id).first()
        if laboratory is None:
            raise ValidationError({"laboratory": ["No accredited laboratory found for this report."]})
        if not (user.is_superuser or user.role == Role.STAFF) and laboratory.organization_id != user.organization_id:
            raise PermissionDenied("A laboratory may submit only its own reports.")
        model = ProductModel.objects.filter(gtin=v["gtin"]).first()
        if model is None:
            raise ValidationError({"gtin": [f"No product model with GTIN {v['gtin']}."]})
        batch = None
        if v["lot"]:
            batch = Batch.objects.filter(product_model=model, lot=v["lot"]).first()
            if batch is None:
                raise ValidationError({"lot": [f"Model {model.model_number} has no batch {v['lot']}."]})
        standard = Standard.objects.filter(designation=v["standard"]).first()
        if standard is None:
            raise ValidationError({"standard": [f"Unknown standard {v['standard']}."]})
        report = report_create(
            laboratory=laboratory, kind=v["kind"], number=v["number"], product_model=model, batch=batch,
            standard=standard, sample_received_on=v["sample_received_on"], tested_from=v["tested_from"],
            tested_until=v["tested_until"], issued_on=v["issued_on"], stated_conclusion=v["stated_conclusion"],
            results=[dict(r) for r in v["results"]], file=v.get("file"), user=user)
        report = self.get_queryset().prefetch_related("results").get(pk=report.pk)
        return Response(s.TestReportDetailOutputSerializer(report).data, status=status.HTTP_201_CREATED)


    @extend_schema(request={"multipart/form-data": s.ReportFileInputSerializer},
                   responses={200: s.TestReportOutputSerializer})
    @action(detail=True, methods=["post"], url_path="file")
    def attach_file(self, request, pk=None):
        """Attach (or replace) the report's PDF: checked for type and size, its SHA-256 kept."""
        report = self.get_object()
        user = request.user
        if not (user.is_superuser or user.role == Role.STAFF) and report.laboratory.organization_id != user.organization_id:
            raise PermissionDenied("A laboratory may attach files only to its own reports.")
        data = s.ReportFileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = report_attach_file(report=report, file=data.validated_data["file"])
        return Response(s.TestReportOutputSerializer(self.get_queryset().get(pk=report.pk)).data)


class TestResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results of the reports the caller may see."""

    permission_classes = [ReportsPermission]
    pagination_class = StandardPagination
    serializer_class = s.TestResultOutputSerializer
    filterset_fields = ["report", "item_code", "verdict"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TestResult.objects.none()
        visible = TestReport.objects.filter(report_scope(self.request.user)).values("pk")
        return TestResult.objects.filter(report__in=visible).order_by("report_id", "pk")


class ComparisonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    """Comparison jobs with their progress and findings; POST starts one (202)."""

    permission_classes = [ReportsPermission]
    pagination_class = StandardPagination
    filterset_fields = ["kind", "status", "outcome", "report"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comparison.objects.none()
        return comparison_list(user=self.request.user)

    def get_serializer_class(self):
        return s.ComparisonCreateInputSerializer if self.action == "create" else s.ComparisonOutputSerializer

    def _visible_report(self, pk):
        return get_object_or_404(TestReport.objects.filter(report_scope(self.request.user)), pk=pk)

    @extend_schema(request=s.ComparisonCreateInputSerializer, responses={202: s.ComparisonOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ComparisonCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = self._visible_report(data.validated_data["report"])
        other_id = data.validated_data.get("other")
        other = self._visible_report(other_id) if other_id else None
        comparison = comparison_start(report=report, other=other, kind=data.validated_data["kind"],
                                      user=request.user, reason="API")
        comparison = self.get_queryset().get(pk=comparison.pk)
        return Response(s.ComparisonOutputSerializer(comparison).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[OpenApiParameter("a", int, required=True), OpenApiParameter("b", int, required=True)],
                   responses=s.SideBySideRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="side-by-side")
    def side_by_side(self, request):
        """Two reports item by item (b is the reference): values, verdicts, difference, significance."""
        try:
            a_id, b_id = int(request.query_params["a"]), int(request.query_params["b"])
        except (KeyError, ValueError):
            raise ValidationError({"a": ["Give two report ids as ?a=&b=."]}) from None
        a, b = self._visible_report(a_id), self._visible_report(b_id)
        rows = side_by_side(a, b)
        return Response({"a": a.number, "b": b.number,
                         "significant": sum(1 for r in rows if r.significant),
                         "rows": s.SideBySideRowSerializer(rows, many=True).data})


class SpotCheckCampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Published spot-check campaigns and their results: public, no login."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    pagination_class = StandardPagination
    serializer_class = s.SpotCheckCampaignOutputSerializer
    filterset_fields = ["year", "stage"]

    def get_queryset(self):
        samples = SpotCheckSample.objects.exclude(verdict=SpotCheckSample.Verdict.PENDING).select_related("category")
        return (SpotCheckCampaign.objects.filter(published_on__isnull=False).select_related("authority")
                .prefetch_related(Prefetch("samples", queryset=samples)).order_by("-year", "title"))
