"""Label jobs: POST /api/v1/labels/ starts one for a batch (202), GET reads progress, and
/api/v1/labels/<id>/pdf/ downloads the finished sheet. Scoped to the batch's manufacturer;
staff, regulators and auditors read all; only the manufacturer (or staff) starts a job."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from products.models import Batch
from traceability.api.permissions import MANUFACTURER, STAFF, reads_everything, user_role
from traceability.models import Job

from .. import services
from .serializers import LabelJobOutputSerializer, LabelJobStartInputSerializer


def batches_in_scope(user):
    """Batches whose labels ``user`` may see."""
    if reads_everything(user):
        return Batch.objects.all()
    if user_role(user) == MANUFACTURER and user.organization_id:
        return Batch.objects.filter(product_model__manufacturer_id=user.organization_id)
    return Batch.objects.none()


@extend_schema_view(list=extend_schema(summary="List label jobs (progress done / total)"),
                    retrieve=extend_schema(summary="Read a label job and its progress"))
class LabelJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """QR codes and label sheets of a batch (DESIGN §5)."""

    permission_classes = [IsAuthenticated]
    serializer_class = LabelJobOutputSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    search_fields: list[str] = []

    def get_queryset(self):
        jobs = Job.objects.filter(kind=services.LABEL_JOB_KIND)
        user = self.request.user
        if reads_everything(user):
            return jobs
        if user_role(user) == MANUFACTURER and user.organization_id:
            return jobs.filter(organization_id=user.organization_id)
        return jobs.none()

    @extend_schema(summary="Start the label job of a batch", request=LabelJobStartInputSerializer,
                   responses={202: LabelJobOutputSerializer})
    def create(self, request):
        data = LabelJobStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = batches_in_scope(request.user).filter(pk=data.validated_data["batch"]).first()
        if batch is None:
            raise Http404
        if user_role(request.user) not in (MANUFACTURER, STAFF):
            raise PermissionDenied("Only the manufacturer of the batch or platform staff may print its labels.")
        job = services.label_job_start(batch=batch, layout=data.validated_data.get("layout"),
                                       copies=data.validated_data.get("copies"), user=request.user)
        return Response(LabelJobOutputSerializer(job, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Download the label sheet (PDF)", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request, pk=None):
        job = self.get_object()
        relative = job.result.get("pdf") if job.status == Job.Status.SUCCEEDED else None
        if not relative:
            raise Http404
        path = Path(settings.MEDIA_ROOT) / relative
        if not path.exists():
            raise Http404
        return FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=path.name)
