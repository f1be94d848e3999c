"""Resources of the products API: catalogue, stock, workers, events, and the custody commands.

Every viewset derives from ``ScopedViewSetMixin``: the role rules live in
``traceability.api.permissions.POLICY`` and each viewset only says which rows an organisation
sees (``scope_for_organization``). Commands are in ``products.api.commands``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from products import filters
from products.models import (
    Batch,
    BatchFlow,
    Certificate,
    Container,
    Event,
    Holding,
    ProductCategory,
    ProductModel,
    Shipment,
    Unit,
    Worker,
)
from traceability.api.pagination import EventCursorPagination
from traceability.api.permissions import ENTERPRISE, reads_everything, role_allows, user_role
from traceability.api.viewsets import ScopedReadOnlyViewSet

from . import serializers as s
from .commands import BatchCommandsMixin, ContainerCommandsMixin, EventCommandsMixin, UnitCommandsMixin, resolve_ids
from .serializers import (
    BatchOutputSerializer,
    CertificateOutputSerializer,
    ContainerOutputSerializer,
    EventOutputSerializer,
    ProductCategoryOutputSerializer,
    ProductModelOutputSerializer,
    UnitOutputSerializer,
    WorkerInputSerializer,
    WorkerOutputSerializer,
    WorkerPseudonymOutputSerializer,
)


# --- catalogue: read by every signed-in role (it is on the public scan pages too) -------------
class CatalogueScope:
    def scope_for_organization(self, queryset, organization):
        return queryset


@extend_schema_view(list=extend_schema(summary="List product categories"),
                    retrieve=extend_schema(summary="Read a product category"))
class ProductCategoryViewSet(CatalogueScope, ScopedReadOnlyViewSet):
    policy_resource = "product_category"
    queryset = ProductCategory.objects.all()
    output_serializer_class = ProductCategoryOutputSerializer
    filterset_fields = ["code", "consumable"]
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["code", "name"]


@extend_schema_view(list=extend_schema(summary="List product models"),
                    retrieve=extend_schema(summary="Read a product model"))
class ProductModelViewSet(CatalogueScope, ScopedReadOnlyViewSet):
    policy_resource = "product_model"
    queryset = ProductModel.objects.select_related("manufacturer", "category")
    output_serializer_class = ProductModelOutputSerializer
    filterset_class = filters.ProductModelFilter
    search_fields = ["name", "model_number", "gtin", "standard"]
    ordering_fields = ["gtin", "model_number", "name", "created_at"]


@extend_schema_view(list=extend_schema(summary="List certificates"),
                    retrieve=extend_schema(summary="Read a certificate"))
class CertificateViewSet(CatalogueScope, ScopedReadOnlyViewSet):
    policy_resource = "certificate"
    queryset = Certificate.objects.select_related("manufacturer").prefetch_related("product_models")
    output_serializer_class = CertificateOutputSerializer
    filterset_class = filters.CertificateFilter
    search_fields = ["number", "issuer", "scope"]
    ordering_fields = ["valid_until", "valid_from", "number"]


# --- stock: what an organisation holds or was shipped to it -------------------------------------
def batch_upstream(batch: Batch) -> dict:
    """Where a batch comes from: maker, model, and the model's certificates (two queries)."""
    model = batch.product_model
    certificates = Certificate.objects.filter(product_models=model).order_by("kind", "number")
    return {
        "direction": "upstream",
        "manufacturer": {"id": model.manufacturer_id, "name": model.manufacturer.name},
        "product_model": {"id": model.pk, "name": model.name, "model_number": model.model_number},
        "batch": {"id": batch.pk, "lot": batch.lot, "production_date": batch.production_date,
                  "expiry_date": batch.expiry_date, "release_state": batch.release_state},
        "certificates": [{"kind": c.kind, "number": c.number, "valid_until": c.valid_until,
                          "valid_on_production_date": c.is_valid_on(batch.production_date)} for c in certificates],
    }


def may_trace_downstream(user, batch: Batch) -> bool:
    """Downstream shows other organisations' stock: read-everything roles, and the batch's maker."""
    if not role_allows(user, "batch", "trace_downstream"):
        return False
    return reads_everything(user) or batch.product_model.manufacturer_id == user.organization_id


def batch_scope(queryset, organization):
    """Batches the organisation made, holds units or quantities of, received, or has in transit."""
    return queryset.filter(
        Q(product_model__manufacturer=organization)
        | Exists(Unit.objects.filter(batch=OuterRef("pk"), holder=organization))
        | Exists(Unit.objects.filter(batch=OuterRef("pk"), destination=organization))
        | Exists(Holding.objects.filter(batch=OuterRef("pk"), holder=organization))
        | Exists(BatchFlow.objects.filter(batch=OuterRef("pk"), destination=organization))
    )


@extend_schema_view(list=extend_schema(summary="List batches"), retrieve=extend_schema(summary="Read a batch"))
class BatchViewSet(BatchCommandsMixin, ScopedReadOnlyViewSet):
    policy_resource = "batch"
    queryset = Batch.objects.select_related("product_model__manufacturer")
    output_serializer_class = BatchOutputSerializer
    input_serializers = {"commission": s.BatchCommissionInputSerializer, "recall": s.BatchRecallInputSerializer}
    filterset_class = filters.BatchFilter
    search_fields = ["lot", "product_model__gtin", "product_model__model_number"]
    ordering_fields = ["production_date", "expiry_date", "lot", "quantity", "created_at"]

    def scope_for_organization(self, queryset, organization):
        return batch_scope(queryset, organization)

    @extend_schema(
        summary="Trace a batch downstream (who holds it) or upstream (maker, model, certificates)",
        description="`downstream`: every organisation that holds or held units of the batch, as a tree from its "
                    "maker, and everyone holding units now (a recall's answer). Staff, regulators, auditors and "
                    "the batch's own manufacturer only: it shows other organisations' stock. `upstream`: the "
                    "maker, product model and certificates, with validity on the production date.",
        parameters=[OpenApiParameter("direction", str, enum=["downstream", "upstream"], required=True)],
        responses={200: PolymorphicProxySerializer(
            "BatchTrace", serializers=[s.DownstreamTraceSerializer, s.BatchUpstreamTraceSerializer],
            resource_type_field_name=None)},
    )
    @action(detail=True, methods=["get"])
    def trace(self, request, pk=None):
        from products.selectors.trace import batch_trace_downstream

        batch = self.get_object()
        direction = request.query_params.get("direction")
        if direction not in ("downstream", "upstream"):
            raise serializers.ValidationError({"direction": [_("Say direction=downstream or direction=upstream.")]})
        if direction == "upstream":
            return Response(batch_upstream(batch))
        if not may_trace_downstream(request.user, batch):
            raise PermissionDenied(_("Only the batch's manufacturer, staff, regulators and auditors trace it downstream."))
        return Response({"direction": "downstream", **batch_trace_downstream(batch).as_dict()})


@extend_schema_view(list=extend_schema(summary="List units"), retrieve=extend_schema(summary="Read a unit"))
class UnitViewSet(UnitCommandsMixin, ScopedReadOnlyViewSet):
    policy_resource = "unit"
    queryset = Unit.objects.select_related("batch", "holder", "site", "destination", "worker", "container")
    output_serializer_class = UnitOutputSerializer
    input_serializers = {
        "ship": s.UnitShipInputSerializer, "issue": s.UnitIssueInputSerializer, "return_units": s.UnitsInputSerializer,
        "inspect": s.UnitInspectInputSerializer, "quarantine": s.UnitQuarantineInputSerializer,
        "retire": s.UnitRetireInputSerializer, "destroy_units": s.UnitsInputSerializer,
        "release_quarantine": s.UnitsInputSerializer,
    }
    filterset_class = filters.UnitFilter
    search_fields = ["serial", "gtin", "batch__lot"]
    ordering_fields = ["id", "commissioned_at", "updated_at", "status", "serial"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(Q(holder=organization) | Q(destination=organization))

    @extend_schema(summary="The unit's event history, oldest first",
                   description="Every event naming the unit, by its EPC or by its lot (recalls, batch-level events).",
                   responses={200: s.UnitHistorySerializer})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        from products.selectors.trace import unit_history

        unit = self.get_object()
        context = self.get_serializer_context()
        return Response({"unit": self.output(unit),
                         "events": EventOutputSerializer(unit_history(unit), many=True, context=context).data})

    @extend_schema(summary="Trace a unit upstream: maker, batch, certificates, custody steps, events",
                   responses={200: s.UnitUpstreamTraceSerializer})
    @action(detail=True, methods=["get"])
    def trace(self, request, pk=None):
        from products.selectors.trace import unit_trace_upstream

        return Response(unit_trace_upstream(self.get_object()).as_dict())


@extend_schema_view(list=extend_schema(summary="List containers"),
                    retrieve=extend_schema(summary="Read a container"))
class ContainerViewSet(ContainerCommandsMixin, ScopedReadOnlyViewSet):
    policy_resource = "container"
    input_serializers = {"pack": s.ContainerPackInputSerializer, "unpack": s.ContainerUnpackInputSerializer}
    queryset = (Container.objects.select_related("parent", "holder", "site", "destination")
                .annotate(unit_count=Count("units")).order_by("-created_at", "-id"))
    output_serializer_class = ContainerOutputSerializer
    filterset_class = filters.ContainerFilter
    search_fields = ["sscc"]
    ordering_fields = ["created_at", "sscc"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(Q(holder=organization) | Q(destination=organization))


@extend_schema_view(list=extend_schema(summary="List batch-quantity holdings (consumables)"),
                    retrieve=extend_schema(summary="Read a holding"))
class HoldingViewSet(ScopedReadOnlyViewSet):
    """Consumables move as batch quantities: what each organisation holds of each batch."""

    policy_resource = "holding"
    queryset = Holding.objects.select_related("batch__product_model", "holder").order_by("batch_id", "holder_id")
    output_serializer_class = s.HoldingOutputSerializer
    filterset_fields = ["batch", "holder"]
    search_fields = ["batch__lot", "batch__product_model__gtin"]
    ordering_fields = ["quantity", "updated_at"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(holder=organization)


# --- workers ---------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="List workers",
                       description="The enterprise's own workers with their personal fields. Staff, regulators "
                                   "and auditors see every worker but only by pseudonym and enterprise; "
                                   "other organisations see none."),
    retrieve=extend_schema(summary="Read a worker"),
    create=extend_schema(summary="Register a worker", responses=WorkerOutputSerializer),
    update=extend_schema(summary="Change a worker", responses=WorkerOutputSerializer),
    partial_update=extend_schema(summary="Change some fields of a worker", responses=WorkerOutputSerializer),
)
class WorkerViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    policy_resource = "worker"
    queryset = Worker.objects.select_related("enterprise")
    output_serializer_class = WorkerOutputSerializer
    input_serializers = {"create": WorkerInputSerializer, "update": WorkerInputSerializer,
                         "partial_update": WorkerInputSerializer}
    filterset_class = filters.WorkerFilter
    search_fields = ["pseudonym"]
    ordering_fields = ["pseudonym", "employee_number"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(enterprise=organization)

    def personal(self) -> bool:
        return user_role(self.request.user) == ENTERPRISE

    def get_output_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or self.personal():
            return WorkerOutputSerializer
        return WorkerPseudonymOutputSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        worker = self._save(serializer, enterprise=request.user.organization)
        return self._respond(worker, status=201)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._respond(self._save(serializer))

    def _save(self, serializer, **extra) -> Worker:
        try:
            with transaction.atomic():
                return serializer.save(**extra)
        except IntegrityError as exc:
            raise serializers.ValidationError(
                {"employee_number": [_("This employee number is already registered.")]}) from exc

    def _respond(self, worker: Worker, *, status: int = 200):
        return Response(self.output(worker), status=status)


# --- events ----------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="List events (cursor pagination, newest first)"),
    retrieve=extend_schema(summary="Read an event by its chain position"),
)
class EventViewSet(EventCommandsMixin, ScopedReadOnlyViewSet):
    """The event log, read-only. Organisations see the events they recorded or that happened at
    their sites; staff, regulators and auditors see all of them."""

    policy_resource = "event"
    queryset = Event.objects.all()
    lookup_field = "seq"
    output_serializer_class = EventOutputSerializer
    input_serializers = {"correct": s.EventCorrectInputSerializer}
    pagination_class = EventCursorPagination
    filterset_class = filters.EventFilter
    search_fields = ["biz_step", "event_id"]
    ordering_fields = ["seq"]

    def scope_for_organization(self, queryset, organization):
        locations = [site.location_uri for site in organization.sites.all()]
        query = Q(recorded_by=organization)
        if locations:
            query |= Q(biz_location__in=locations) | Q(read_point__in=locations)
        return queryset.filter(query)


# --- shipments -------------------------------------------------------------------------------
def shipment_queryset():
    """Shipments with their parties, sites and line counts (a fixed number of queries per page)."""
    return (Shipment.objects.select_related("sender", "receiver", "from_site", "to_site")
            .annotate(unit_lines=Count("lines", filter=Q(lines__unit__isnull=False)),
                      container_lines=Count("lines", filter=Q(lines__container__isnull=False)),
                      quantity_lines=Count("lines", filter=Q(lines__batch__isnull=False)))
            .order_by("-created_at", "-id"))


@extend_schema_view(list=extend_schema(summary="List shipments"), retrieve=extend_schema(summary="Read a shipment"))
class ShipmentViewSet(ScopedReadOnlyViewSet):
    """Shipments the organisation sent or is to receive. Ship with POST /api/v1/units/ship/."""

    policy_resource = "shipment"
    queryset = shipment_queryset()
    output_serializer_class = s.ShipmentOutputSerializer
    input_serializers = {"receive": s.ShipmentReceiveInputSerializer}
    filterset_class = filters.ShipmentFilter
    search_fields = ["number", "reference"]
    ordering_fields = ["created_at", "shipped_at", "received_at", "number"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(Q(sender=organization) | Q(receiver=organization))

    @extend_schema(
        summary="Receive (wholly or partly) or reject a shipment",
        description="Only the named receiver. Omit `units` to receive everything still in transit; list them "
                    "for a partial receipt; `reject` with a `reason` sends everything still in transit back.",
        request=s.ShipmentReceiveInputSerializer, responses={200: s.ShipmentOutputSerializer},
        examples=[OpenApiExample("Whole", value={}, request_only=True),
                  OpenApiExample("Partial", value={"units": [101, 102]}, request_only=True),
                  OpenApiExample("Reject", value={"reject": True, "reason": "外包装破损"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        from products.services.custody.movement import shipment_receive

        shipment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        units = None
        if data["units"] is not None:
            units = resolve_ids(Unit.objects.filter(shipment_lines__shipment=shipment), data["units"], "units")
        shipment_receive(shipment=shipment, actor=request.user.organization, units=units, reject=data["reject"],
                         reason=data["reason"], user=request.user)
        return Response(self.output(self.get_queryset().get(pk=shipment.pk)))
