"""django-filter FilterSets of the products API (the same filters apply to the CSV export)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef

from products.models import (
    Batch,
    Certificate,
    Container,
    Event,
    EventEPC,
    ProductModel,
    ShipmentLine,
    Unit,
    UnitStatus,
    Worker,
)
from traceability.models import Role


class ProductModelFilter(filters.FilterSet):
    category = filters.CharFilter(field_name="category__code", help_text="Category code, e.g. helmet.")
    manufacturer = filters.NumberFilter(field_name="manufacturer_id")

    class Meta:
        model = ProductModel
        fields = ["gtin", "standard", "model_number"]


class CertificateFilter(filters.FilterSet):
    manufacturer = filters.NumberFilter(field_name="manufacturer_id")
    product_model = filters.NumberFilter(field_name="product_models", distinct=False,
                                         method="filter_product_model")
    valid_on = filters.DateFilter(method="filter_valid_on",
                                  help_text="Valid on this day: inside its dates, neither suspended nor withdrawn.")

    class Meta:
        model = Certificate
        fields = ["kind", "number", "suspended", "withdrawn"]

    def filter_product_model(self, queryset, name, value):
        through = Certificate.product_models.through
        return queryset.filter(Exists(through.objects.filter(certificate_id=OuterRef("pk"), productmodel_id=value)))

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_until__gte=value, suspended=False, withdrawn=False)


class BatchFilter(filters.FilterSet):
    gtin = filters.CharFilter(field_name="product_model__gtin")
    manufacturer = filters.NumberFilter(field_name="product_model__manufacturer_id")
    produced_after = filters.DateFilter(field_name="production_date", lookup_expr="gte")
    produced_before = filters.DateFilter(field_name="production_date", lookup_expr="lte")
    expires_before = filters.DateFilter(field_name="expiry_date", lookup_expr="lte")

    class Meta:
        model = Batch
        fields = ["lot", "product_model", "release_state"]


class UnitFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=UnitStatus.choices)
    holder = filters.NumberFilter(field_name="holder_id")
    destination = filters.NumberFilter(field_name="destination_id")
    site = filters.NumberFilter(field_name="site_id")
    container = filters.CharFilter(field_name="container__sscc", help_text="SSCC of the container.")
    lot = filters.CharFilter(field_name="batch__lot")
    shipment = filters.NumberFilter(method="filter_shipment", help_text="Units listed in this shipment.")

    class Meta:
        model = Unit
        fields = ["batch", "gtin", "serial", "recalled"]

    def filter_shipment(self, queryset, name, value):
        return queryset.filter(Exists(ShipmentLine.objects.filter(unit_id=OuterRef("pk"), shipment_id=value)))


class ShipmentFilter(filters.FilterSet):
    state = filters.CharFilter()
    sender = filters.NumberFilter(field_name="sender_id")
    receiver = filters.NumberFilter(field_name="receiver_id")
    shipped_after = filters.IsoDateTimeFilter(field_name="shipped_at", lookup_expr="gte")
    shipped_before = filters.IsoDateTimeFilter(field_name="shipped_at", lookup_expr="lt")
    number = filters.CharFilter()


class ContainerFilter(filters.FilterSet):
    holder = filters.NumberFilter(field_name="holder_id")
    destination = filters.NumberFilter(field_name="destination_id")
    status = filters.MultipleChoiceFilter(choices=UnitStatus.choices)

    class Meta:
        model = Container
        fields = ["sscc", "kind"]


class WorkerFilter(filters.FilterSet):
    """Personal fields filter only for the worker's own enterprise: others could otherwise learn
    who works where by filtering on a name."""

    employee_number = filters.CharFilter(method="filter_personal")
    department = filters.CharFilter(method="filter_personal")
    post = filters.CharFilter(method="filter_personal")

    class Meta:
        model = Worker
        fields = ["pseudonym", "active"]

    def filter_personal(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or user.role != Role.ENTERPRISE:
            return queryset
        return queryset.filter(**{name: value})


class EventFilter(filters.FilterSet):
    """A subset of the EPCIS query parameters, under readable names."""

    event_type = filters.ChoiceFilter(choices=Event.Type.choices)
    biz_step = filters.CharFilter()
    disposition = filters.CharFilter()
    action = filters.ChoiceFilter(choices=[c for c in Event.Action.choices if c[0]])
    biz_location = filters.CharFilter()
    read_point = filters.CharFilter()
    after = filters.IsoDateTimeFilter(field_name="event_time", lookup_expr="gte", help_text="event time >= this")
    before = filters.IsoDateTimeFilter(field_name="event_time", lookup_expr="lt", help_text="event time < this")
    seq_after = filters.NumberFilter(field_name="seq", lookup_expr="gt")
    epc = filters.CharFilter(method="filter_epc", help_text="An identifier the event names (any role).")
    error_declared = filters.BooleanFilter(field_name="has_error_declaration")

    class Meta:
        model = Event
        fields = ["event_id"]

    def filter_epc(self, queryset, name, value):
        return queryset.filter(Exists(EventEPC.objects.filter(event_id=OuterRef("pk"), epc=value)))

