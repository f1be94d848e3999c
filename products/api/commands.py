"""Custody commands as API actions. Each validates the input's shape, resolves every id inside
the caller's scope (anything outside it answers 404, exactly like a missing id), calls one custody
service, and answers with what changed. The rules themselves live in the services.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from products.models import Batch, Container, Event, Unit, Worker
from traceability.models import Organization, Site

from . import serializers as s

PROBLEM_EXAMPLE = OpenApiExample(
    "Refused", status_codes=["400"], response_only=True,
    value={"type": "http://127.0.0.1:8000/api/problems/validation", "title": "Invalid input", "status": 400,
           "detail": "units: Unit 06901234000015/K7QX2M9R4T is recalled and cannot be shipped.",
           "instance": "/api/v1/units/ship/",
           "errors": {"units": ["Unit 06901234000015/K7QX2M9R4T is recalled and cannot be shipped."]}},
)


def resolve_ids(queryset: QuerySet, ids: Iterable[int], field: str) -> list[int]:
    """The ids, all of which must be in ``queryset`` (the caller's scope); 404 naming the others."""
    wanted = list(dict.fromkeys(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 5000):
        part = wanted[start:start + 5000]
        found.update(queryset.filter(pk__in=part).values_list("pk", flat=True))
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:20]) + (" ..." if len(missing) > 20 else "")
        raise NotFound(_("%(field)s: not found: %(ids)s") % {"field": field, "ids": shown})
    return wanted


def resolve_one(queryset: QuerySet, pk: int | None, field: str):
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("%(field)s: not found: %(ids)s") % {"field": field, "ids": pk})
    return obj


def command_schema(summary: str, request, response, example: dict, *, description: str = "", code: int = 200):
    return extend_schema(
        summary=summary, description=description, request=request,
        responses={code: response},
        examples=[OpenApiExample("Request", value=example, request_only=True), PROBLEM_EXAMPLE],
    )


class UnitCommandsMixin:
    """Commands over lists of units: ship, issue, return, inspect, quarantine, retire, destroy."""

    policy_operations = {"return_units": "return", "destroy_units": "destroy"}

    def _actor(self, request) -> Organization:
        return request.user.organization

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _units(self, data) -> list[int]:
        return resolve_ids(self.get_queryset(), data["units"], "units")

    def _site(self, request, data) -> Site | None:
        return resolve_one(Site.objects.filter(organization=self._actor(request)), data.get("site"), "site")

    def _count(self, count: int) -> Response:
        return Response({"count": count})

    @command_schema("Ship units, containers and batch quantities", s.UnitShipInputSerializer,
                    s.ShipmentOutputSerializer,
                    {"receiver": 7, "units": [101, 102], "containers": [], "quantities": [{"batch": 3, "quantity": 200}],
                     "reference": "DESADV-2026-0042"},
                    description="Creates a shipment to `receiver` and despatches it in one transaction. Only "
                                "the holder ships; recalled, quarantined, expired or retired units are refused "
                                "with the reason; a unit shipped twice at once answers 409 to the second caller.",
                    code=201)
    @action(detail=False, methods=["post"])
    def ship(self, request):
        from products.services.custody.movement import shipment_send

        from .views import shipment_queryset

        data = self._input(request)
        actor = self._actor(request)
        receiver = resolve_one(Organization.objects.all(), data["receiver"], "receiver")
        units = resolve_ids(self.get_queryset(), data["units"], "units") if data["units"] else []
        containers = resolve_ids(Container.objects.filter(holder=actor), data["containers"], "containers") \
            if data["containers"] else []
        quantities: dict[int, int] = {}
        for line in data["quantities"]:
            quantities[line["batch"]] = quantities.get(line["batch"], 0) + line["quantity"]
        if quantities:
            resolve_ids(Batch.objects.filter(holdings__holder=actor), list(quantities), "quantities")
        shipment = shipment_send(
            actor=actor, receiver=receiver, units=units, containers=containers, quantities=quantities or None,
            from_site=self._site(request, {"site": data.get("from_site")}),
            to_site=resolve_one(Site.objects.filter(organization=receiver), data.get("to_site"), "to_site"),
            reference=data["reference"], user=request.user)
        shipment = shipment_queryset().get(pk=shipment.pk)
        return Response(s.ShipmentOutputSerializer(shipment).data, status=status.HTTP_201_CREATED)

    @command_schema("Issue units to a worker", s.UnitIssueInputSerializer, s.CommandResultSerializer,
                    {"units": [101], "worker": 12})
    @action(detail=False, methods=["post"])
    def issue(self, request):
        from products.services.custody.care import unit_issue

        data = self._input(request)
        actor = self._actor(request)
        worker = resolve_one(Worker.objects.filter(enterprise=actor), data["worker"], "worker")
        return self._count(unit_issue(units=self._units(data), worker=worker, actor=actor,
                                      site=self._site(request, data), user=request.user))

    @command_schema("Take units back from workers", s.UnitsInputSerializer, s.CommandResultSerializer,
                    {"units": [101]})
    @action(detail=False, methods=["post"], url_path="return", url_name="return")
    def return_units(self, request):
        from products.services.custody.care import unit_return

        data = self._input(request)
        return self._count(unit_return(units=self._units(data), actor=self._actor(request),
                                       site=self._site(request, data), user=request.user))

    @command_schema("Record an inspection", s.UnitInspectInputSerializer, s.CommandResultSerializer,
                    {"units": [101, 102], "passed": False, "on_fail": "quarantine", "note": "帽壳裂纹"})
    @action(detail=False, methods=["post"])
    def inspect(self, request):
        from products.services.custody.care import unit_inspect

        data = self._input(request)
        return self._count(unit_inspect(units=self._units(data), actor=self._actor(request), passed=data["passed"],
                                        on_fail=data["on_fail"], note=data["note"], site=self._site(request, data),
                                        user=request.user))

    @command_schema("Quarantine units", s.UnitQuarantineInputSerializer, s.CommandResultSerializer,
                    {"units": [101], "reason": "疑似受潮"})
    @action(detail=False, methods=["post"])
    def quarantine(self, request):
        from products.services.custody.care import unit_quarantine

        data = self._input(request)
        return self._count(unit_quarantine(units=self._units(data), actor=self._actor(request), reason=data["reason"],
                                           site=self._site(request, data), user=request.user))

    @command_schema("Release units from quarantine", s.UnitsInputSerializer, s.CommandResultSerializer,
                    {"units": [101]})
    @action(detail=False, methods=["post"], url_path="release-quarantine", url_name="release-quarantine")
    def release_quarantine(self, request):
        from products.services.custody.care import unit_release_quarantine

        data = self._input(request)
        return self._count(unit_release_quarantine(units=self._units(data), actor=self._actor(request),
                                                   site=self._site(request, data), user=request.user))

    @command_schema("Retire units", s.UnitRetireInputSerializer, s.CommandResultSerializer,
                    {"units": [101], "reason": "impact"})
    @action(detail=False, methods=["post"])
    def retire(self, request):
        from products.services.custody.care import unit_retire

        data = self._input(request)
        return self._count(unit_retire(units=self._units(data), actor=self._actor(request), reason=data["reason"],
                                       site=self._site(request, data), user=request.user))

    @command_schema("Destroy retired or quarantined units", s.UnitsInputSerializer, s.CommandResultSerializer,
                    {"units": [101]})
    @action(detail=False, methods=["post"], url_path="destroy", url_name="destroy")
    def destroy_units(self, request):
        from products.services.custody.care import unit_destroy

        data = self._input(request)
        return self._count(unit_destroy(units=self._units(data), actor=self._actor(request),
                                        site=self._site(request, data), user=request.user))


class BatchCommandsMixin:
    @command_schema("Commission units (or a quantity) of a batch", s.BatchCommissionInputSerializer,
                    s.CommissionResultSerializer, {"count": 500},
                    description="Serialized products: `count` new random serials or the given `serials`. "
                                "Consumables: `quantity`. Only the batch's manufacturer.",
                    code=201)
    @action(detail=True, methods=["post"])
    def commission(self, request, pk=None):
        from products.services.custody.commission import batch_commission_quantity, unit_commission

        batch = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = request.user.organization
        site = resolve_one(Site.objects.filter(organization=actor), data.get("site"), "site")
        if data.get("quantity"):
            batch_commission_quantity(batch=batch, quantity=data["quantity"], actor=actor, site=site,
                                      user=request.user)
            count = data["quantity"]
        else:
            count = unit_commission(batch=batch, count=data.get("count"), serials=data.get("serials"), actor=actor,
                                    site=site, user=request.user)
        batch = self.get_queryset().get(pk=batch.pk)
        return Response({"count": count, "batch": self.output(batch)}, status=status.HTTP_201_CREATED)


    @extend_schema(
        summary="Release a batch",
        description="Needs a passing factory test report and a certificate of the model valid on the production "
                    "date; the problem says which is missing. Only the batch's manufacturer.",
        request=None, responses={200: s.BatchOutputSerializer},
        examples=[PROBLEM_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        from products.services.release import batch_release

        batch = batch_release(batch=self.get_object(), user=request.user)
        return Response(self.output(self.get_queryset().get(pk=batch.pk)))


    @command_schema("Recall a batch", s.BatchRecallInputSerializer, s.RecallResultSerializer,
                    {"reason": "抽检冲击吸收性能不合格", "hazard": "受冲击时可能无法有效保护头部"},
                    description="Marks the batch and every unit of it recalled (a persistent disposition) and logs "
                                "it. The batch's manufacturer, or a regulator for any batch.",
                    code=201)
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        from products.services.custody.recall import recall_open

        batch = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recall = recall_open(batches=[batch], actor=request.user.organization, user=request.user,
                             **serializer.validated_data)
        batch = self.get_queryset().get(pk=batch.pk)
        return Response({"recall": recall.pk, "batch": self.output(batch)}, status=status.HTTP_201_CREATED)


class ContainerCommandsMixin:
    @command_schema("Pack units into a carton or pallet", s.ContainerPackInputSerializer,
                    s.ContainerOutputSerializer, {"sscc": "069012340000000017", "units": [101, 102], "kind": "carton"},
                    description="Creates the container for the caller when the SSCC is new. Shipping the "
                                "container later ships what it holds.", code=201)
    @action(detail=False, methods=["post"])
    def pack(self, request):
        from products.services.custody.movement import container_pack

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = request.user.organization
        units = resolve_ids(Unit.objects.filter(holder=actor), data["units"], "units")
        site = resolve_one(Site.objects.filter(organization=actor), data.get("site"), "site")
        container = container_pack(sscc=data["sscc"], units=units, actor=actor, site=site, kind=data["kind"],
                                   user=request.user)
        return Response(self.output(self.get_queryset().get(pk=container.pk)), status=status.HTTP_201_CREATED)

    @command_schema("Unpack a container", s.ContainerUnpackInputSerializer, s.CommandResultSerializer,
                    {"units": [101]})
    @action(detail=True, methods=["post"])
    def unpack(self, request, pk=None):
        from products.services.custody.movement import container_unpack

        container = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        units = serializer.validated_data["units"]
        if units is not None:
            units = resolve_ids(Unit.objects.filter(container=container), units, "units")
        return Response({"count": container_unpack(container=container, actor=request.user.organization,
                                                   units=units, user=request.user)})


class EventCommandsMixin:
    @command_schema("Declare an event in error", s.EventCorrectInputSerializer, s.CorrectResultSerializer,
                    {"reason": "incorrect_data", "corrective_event_ids": [], "note": "收货数量录错"},
                    description="Appends a copy of the event carrying an EPCIS errorDeclaration that links the "
                                "corrective events; nothing is edited. Only the organisation that recorded it.",
                    code=201)
    @action(detail=True, methods=["post"])
    def correct(self, request, seq=None):
        from products.services.custody.correct import event_correct

        event: Event = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appended = event_correct(event=event, actor=request.user.organization, reason=data["reason"],
                                 corrective_event_ids=data["corrective_event_ids"], note=data["note"],
                                 user=request.user)
        return Response({"appended": [e.event_id for e in appended]}, status=status.HTTP_201_CREATED)

