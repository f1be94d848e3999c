"""Output and input serializers of the products API, kept apart (STYLE: API).

Output serializers only read attributes the viewsets load with ``select_related`` /
``prefetch_related`` / annotations, so a list costs the same number of queries whatever its size.
Input serializers check shapes only; the custody services decide whether a command is allowed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from products.models import (
    Batch,
    Certificate,
    Container,
    Event,
    ProductCategory,
    ProductModel,
    RetireReason,
    Unit,
    Worker,
)
from traceability.gs1 import sgtin_epc, site_digital_link


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class SiteRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- catalogue -------------------------------------------------------------------------------
class ProductCategoryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name", "name_en", "la_code", "consumable", "service_life_months",
                  "shelf_life_months", "inspection_interval_days"]
        read_only_fields = fields


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProductModelOutputSerializer(serializers.ModelSerializer):
    manufacturer = OrganizationRefSerializer(read_only=True)
    category = CategoryRefSerializer(read_only=True)
    instructions_url = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = ProductModel
        fields = ["id", "gtin", "name", "model_number", "specification", "standard", "declared_claims",
                  "service_life_months", "instructions_url", "manufacturer", "category", "created_at"]
        read_only_fields = fields


class CertificateOutputSerializer(serializers.ModelSerializer):
    manufacturer = OrganizationRefSerializer(read_only=True)
    product_models = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Certificate
        fields = ["id", "kind", "number", "issuer", "valid_from", "valid_until", "scope", "suspended",
                  "withdrawn", "manufacturer", "product_models"]
        read_only_fields = fields


class ProductModelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    gtin = serializers.CharField(read_only=True)
    model_number = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- stock -----------------------------------------------------------------------------------
class BatchOutputSerializer(serializers.ModelSerializer):
    product_model = ProductModelRefSerializer(read_only=True)
    manufacturer = OrganizationRefSerializer(source="product_model.manufacturer", read_only=True)
    digital_link = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = ["id", "lot", "product_model", "manufacturer", "production_date", "expiry_date", "quantity",
                  "release_state", "released_at", "created_at", "digital_link"]
        read_only_fields = fields

    def get_digital_link(self, obj: Batch) -> str:
        return site_digital_link(obj.product_model.gtin, obj.lot, expiry=obj.expiry_date)


class BatchRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(read_only=True)


class UnitOutputSerializer(serializers.ModelSerializer):
    batch = BatchRefSerializer(read_only=True)
    holder = OrganizationRefSerializer(read_only=True, allow_null=True)
    site = SiteRefSerializer(read_only=True, allow_null=True)
    destination = OrganizationRefSerializer(read_only=True, allow_null=True)
    worker = serializers.SlugRelatedField(slug_field="pseudonym", read_only=True, allow_null=True,
                                          help_text="Pseudonymous id of the worker it is issued to.")
    container = serializers.SlugRelatedField(slug_field="sscc", read_only=True, allow_null=True)
    retire_reason = serializers.ChoiceField(choices=RetireReason.choices, allow_blank=True, read_only=True)
    epc = serializers.SerializerMethodField()
    digital_link = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "gtin", "serial", "epc", "digital_link", "batch", "status", "recalled", "holder", "site",
                  "destination", "worker", "container", "retire_reason", "first_use_date", "last_inspected_on",
                  "commissioned_at", "updated_at"]
        read_only_fields = fields

    def get_epc(self, obj: Unit) -> str:
        return sgtin_epc(obj.gtin, obj.serial)

    def get_digital_link(self, obj: Unit) -> str:
        return site_digital_link(obj.gtin, serial=obj.serial)


class ContainerOutputSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="sscc", read_only=True, allow_null=True)
    holder = OrganizationRefSerializer(read_only=True)
    site = SiteRefSerializer(read_only=True, allow_null=True)
    destination = OrganizationRefSerializer(read_only=True, allow_null=True)
    unit_count = serializers.IntegerField(read_only=True, help_text="Units packed directly in it.")

    class Meta:
        model = Container
        fields = ["id", "sscc", "kind", "parent", "holder", "site", "status", "destination", "unit_count",
                  "created_at"]
        read_only_fields = fields


class HoldingOutputSerializer(serializers.Serializer):
    """A batch quantity (consumables) an organisation holds, and what it has used up."""

    id = serializers.IntegerField(read_only=True)
    batch = BatchRefSerializer(read_only=True)
    gtin = serializers.CharField(source="batch.product_model.gtin", read_only=True)
    holder = OrganizationRefSerializer(read_only=True)
    quantity = serializers.IntegerField(read_only=True, help_text="In stock.")
    consumed = serializers.IntegerField(read_only=True, help_text="Issued to workers / consumed.")
    destroyed = serializers.IntegerField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


# --- workers: personal data only for their own enterprise --------------------------------------
class WorkerOutputSerializer(serializers.ModelSerializer):
    """What the worker's own enterprise sees. The personal fields are optional in the schema
    because staff, regulators and auditors get the same resource without them."""

    enterprise = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Worker
        fields = ["id", "pseudonym", "enterprise", "employee_number", "name", "post", "department", "active"]
        read_only_fields = ["id", "pseudonym", "enterprise", "active"]
        extra_kwargs = {name: {"required": False, "help_text": "Only for the worker's own enterprise."}
                        for name in ("employee_number", "name", "post", "department")}


class WorkerPseudonymOutputSerializer(serializers.ModelSerializer):
    """What staff, regulators and auditors see: no personal data, only the pseudonym."""

    enterprise = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Worker
        fields = ["id", "pseudonym", "enterprise", "active"]
        read_only_fields = fields


class WorkerInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Worker
        fields = ["employee_number", "name", "post", "department", "active"]
        # The (enterprise, employee_number) uniqueness is the database's; the view turns the
        # IntegrityError into a field error.
        validators: list = []


# --- events ----------------------------------------------------------------------------------
class EventOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()
    # Stored as canonical text (what the chain hashes); served as the EPCIS JSON object it is.
    document = serializers.JSONField(read_only=True, help_text="The event as EPCIS 2.0 JSON-LD.")

    class Meta:
        model = Event
        fields = ["seq", "event_id", "event_type", "action", "biz_step", "disposition", "event_time",
                  "event_time_zone_offset", "record_time", "read_point", "biz_location", "has_error_declaration",
                  "foreign", "recorded_by", "document", "prev_hash", "chain_hash"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_recorded_by(self, obj: Event) -> int | None:
        return getattr(obj, "recorded_by_id", None)


class ChainReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Events whose hash and link were recomputed.")
    head_seq = serializers.IntegerField(help_text="The last position the chain head records.")
    first_broken_seq = serializers.IntegerField(allow_null=True,
                                                help_text="The first position where the chain breaks, if any.")
    reason = serializers.CharField(allow_blank=True)


# --- shipments -------------------------------------------------------------------------------
class ShipmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    sender = OrganizationRefSerializer(read_only=True)
    receiver = OrganizationRefSerializer(read_only=True)
    from_site = SiteRefSerializer(read_only=True, allow_null=True)
    to_site = SiteRefSerializer(read_only=True, allow_null=True)
    state = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True)
    reject_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    shipped_at = serializers.DateTimeField(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unit_lines = serializers.IntegerField(read_only=True, help_text="Lines naming one unit.")
    container_lines = serializers.IntegerField(read_only=True, help_text="Lines naming a container.")
    quantity_lines = serializers.IntegerField(read_only=True, help_text="Lines naming a batch quantity.")


# --- command inputs: shapes only, the custody services decide -----------------------------------
MAX_UNITS_PER_COMMAND = 100_000
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """A primary key: positive and within a database integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class UnitIdsField(serializers.ListField):
    def __init__(self, **kwargs):
        kwargs.setdefault("child", IdField())
        kwargs.setdefault("max_length", MAX_UNITS_PER_COMMAND)
        kwargs.setdefault("help_text", "Ids of units (from /api/v1/units/) the caller holds.")
        super().__init__(**kwargs)


class QuantityLineSerializer(serializers.Serializer):
    batch = IdField()
    quantity = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class UnitShipInputSerializer(serializers.Serializer):
    receiver = IdField(help_text="Id of the receiving organisation.")
    units = UnitIdsField(required=False, default=list, allow_empty=True)
    containers = serializers.ListField(child=IdField(), required=False, default=list,
                                       max_length=10_000, help_text="Ids of containers; their contents go along.")
    quantities = QuantityLineSerializer(many=True, required=False, default=list,
                                        help_text="Batch quantities (consumables).")
    from_site = IdField(required=False, allow_null=True)
    to_site = IdField(required=False, allow_null=True,
                                       help_text="A site of the receiver.")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not (attrs["units"] or attrs["containers"] or attrs["quantities"]):
            raise serializers.ValidationError({"units": [_("Name at least one unit, container or quantity.")]})
        return attrs


class ShipmentReceiveInputSerializer(serializers.Serializer):
    units = UnitIdsField(required=False, allow_null=True, default=None,
                         help_text="Receive only these units (partial receipt); omit to receive everything.")
    reject = serializers.BooleanField(default=False, help_text="Refuse everything still in transit.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["reject"] and not attrs["reason"]:
            raise serializers.ValidationError({"reason": [_("Say why the shipment is rejected.")]})
        return attrs


class UnitsInputSerializer(serializers.Serializer):
    units = UnitIdsField(allow_empty=False)
    site = IdField(required=False, allow_null=True,
                                    help_text="One of the caller's sites, where it happens.")


class UnitIssueInputSerializer(UnitsInputSerializer):
    worker = IdField(help_text="Id of one of the enterprise's workers.")


class UnitInspectInputSerializer(UnitsInputSerializer):
    passed = serializers.BooleanField()
    on_fail = serializers.ChoiceField(choices=["quarantine", "retire"], default="quarantine")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UnitQuarantineInputSerializer(UnitsInputSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ContainerPackInputSerializer(UnitsInputSerializer):
    sscc = serializers.RegexField(r"^[0-9]{18}$", help_text="SSCC-18 of the carton or pallet (created if new).")
    kind = serializers.ChoiceField(choices=Container.Kind.choices, default=Container.Kind.CARTON)


class ContainerUnpackInputSerializer(serializers.Serializer):
    units = UnitIdsField(required=False, allow_null=True, default=None,
                         help_text="Take out only these units; omit to empty the container.")


class UnitRetireInputSerializer(UnitsInputSerializer):
    reason = serializers.ChoiceField(choices=RetireReason.choices)


class BatchCommissionInputSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False,
                                     help_text="Commission this many units with new random serials.")
    serials = serializers.ListField(child=serializers.CharField(max_length=20), required=False,
                                    max_length=MAX_UNITS_PER_COMMAND, help_text="Or these serials.")
    quantity = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                        help_text="Consumables: commission a batch quantity instead of units.")
    site = IdField(required=False, allow_null=True)

    def validate(self, attrs):
        given = [k for k in ("count", "serials", "quantity") if attrs.get(k) not in (None, [])]
        if len(given) != 1:
            raise serializers.ValidationError({"count": [_("Give exactly one of count, serials or quantity.")]})
        return attrs


class BatchRecallInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    hazard = serializers.CharField(max_length=2000)


class RecallResultSerializer(serializers.Serializer):
    recall = serializers.IntegerField(help_text="Id of the recall opened.")
    batch = BatchOutputSerializer()


class EventCorrectInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["did_not_occur", "incorrect_data"])
    corrective_event_ids = serializers.ListField(child=serializers.CharField(max_length=255), required=False,
                                                 default=list, max_length=1000,
                                                 help_text="Events already in the log that put things right.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CommandResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many units the command changed.")


class CommissionResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Units (or quantity) commissioned.")
    batch = BatchOutputSerializer()


class CorrectResultSerializer(serializers.Serializer):
    appended = serializers.ListField(child=serializers.CharField(), help_text="Event IDs appended to the log.")


# --- traces ----------------------------------------------------------------------------------
class TraceBatchRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lot = serializers.CharField()
    gtin = serializers.CharField()


class AffectedHolderSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    name = serializers.CharField()
    current = serializers.IntegerField(help_text="Units (and quantity) it holds now, its workers' included.")
    with_workers = serializers.IntegerField()


class DownstreamTraceSerializer(serializers.Serializer):
    direction = serializers.CharField()
    batch = TraceBatchRefSerializer()
    tree = serializers.JSONField(allow_null=True, help_text=(
        "The distribution tree from the maker: each node has organization {id, name, kinds}, received, current, "
        "in_transit_out, with_workers, by_status, quantity, consumed and children (nodes)."))
    affected = AffectedHolderSerializer(many=True, help_text="Everyone holding units now, by name.")


class TraceCertificateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    number = serializers.CharField()
    valid_until = serializers.DateField()
    valid_on_production_date = serializers.BooleanField()


class UpstreamBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lot = serializers.CharField()
    production_date = serializers.DateField()
    expiry_date = serializers.DateField(allow_null=True)
    release_state = serializers.CharField()


class TraceModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_number = serializers.CharField()


class BatchUpstreamTraceSerializer(serializers.Serializer):
    direction = serializers.CharField()
    manufacturer = OrganizationRefSerializer()
    product_model = TraceModelSerializer()
    batch = UpstreamBatchSerializer()
    certificates = TraceCertificateSerializer(many=True)


class TraceUnitSerializer(serializers.Serializer):
    gtin = serializers.CharField()
    serial = serializers.CharField()
    status = serializers.CharField()
    recalled = serializers.BooleanField()


class CustodyStepSerializer(serializers.Serializer):
    shipment = serializers.CharField()
    # "from" is a Python keyword: declared below.
    to = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField()
        return fields


class HistoryStepSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    event_id = serializers.CharField()
    biz_step = serializers.CharField(allow_blank=True)
    disposition = serializers.CharField(allow_blank=True)
    event_time = serializers.DateTimeField()


class UnitUpstreamTraceSerializer(serializers.Serializer):
    unit = TraceUnitSerializer()
    manufacturer = OrganizationRefSerializer()
    product_model = TraceModelSerializer()
    batch = UpstreamBatchSerializer()
    certificates = TraceCertificateSerializer(many=True)
    custody = CustodyStepSerializer(many=True)
    history = HistoryStepSerializer(many=True)


class UnitHistorySerializer(serializers.Serializer):
    unit = UnitOutputSerializer()
    events = EventOutputSerializer(many=True)
