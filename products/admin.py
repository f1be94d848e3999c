"""Back office for the catalogue, custody and the event log; actions call the custody services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Batch,
    BatchFlow,
    Certificate,
    ChainHead,
    Container,
    Event,
    EventEPC,
    Holding,
    ProductCategory,
    ProductModel,
    Recall,
    RetireReason,
    Shipment,
    ShipmentLine,
    Unit,
    Worker,
)


def _acting_org(request, default):
    """The organisation an admin action acts for: the user's own, or (platform staff) the natural party."""
    return request.user.organization or default


def _run(modeladmin, request, label, call) -> bool:
    """Run one service call, reporting its domain error to the user instead of failing the page."""
    try:
        call()
    except ValidationError as exc:
        modeladmin.message_user(request, f"{label}: {'; '.join(exc.messages)}", messages.ERROR)
        return False
    return True


def _by_holder(queryset):
    groups: dict = {}
    for unit in queryset.select_related("holder"):
        groups.setdefault(unit.holder, []).append(unit.pk)
    return groups


class RecallForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    hazard = forms.CharField(label=_("hazard"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "la_code", "consumable", "service_life_months",
                    "shelf_life_months", "inspection_interval_days")
    list_filter = ("consumable",)
    search_fields = ("code", "name", "name_en")


class CertificateInline(admin.TabularInline):
    model = Certificate.product_models.through
    extra = 0
    autocomplete_fields = ("certificate",)
    verbose_name = _("certificate")
    verbose_name_plural = _("certificates")


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ("model_number", "name", "manufacturer", "category", "gtin", "standard")
    list_filter = ("category", "standard")
    search_fields = ("name", "model_number", "gtin", "manufacturer__name")
    autocomplete_fields = ("manufacturer", "category")
    list_select_related = ("manufacturer", "category")
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "manufacturer", "issuer", "valid_from", "valid_until", "suspended", "withdrawn")
    list_filter = ("kind", "suspended", "withdrawn", "valid_until")
    search_fields = ("number", "issuer", "manufacturer__name")
    autocomplete_fields = ("manufacturer", "product_models")
    list_select_related = ("manufacturer",)
    date_hierarchy = "valid_until"


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("lot", "product_model", "production_date", "expiry_date", "quantity", "release_state",
                    "units_count", "trace_link")
    list_filter = ("release_state", "product_model__category", "production_date")
    search_fields = ("lot", "product_model__model_number", "product_model__name", "product_model__gtin")
    autocomplete_fields = ("product_model",)
    list_select_related = ("product_model",)
    date_hierarchy = "production_date"
    readonly_fields = ("quantity", "release_state", "released_at")
    actions = ["release_batches", "recall_batches"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_units_count=Count("units"))

    @admin.display(description=_("units"), ordering="_units_count")
    def units_count(self, obj):
        return obj._units_count

    @admin.display(description=_("trace"))
    def trace_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:products_batch_trace", args=[obj.pk]), _("forward trace"))

    def get_urls(self):
        return [path("<int:pk>/trace/", self.admin_site.admin_view(self.trace_view), name="products_batch_trace"),
                *super().get_urls()]

    def trace_view(self, request, pk: int):
        """Forward trace: every current and past holder as an expandable tree (as ERPNext / Odoo show lots)."""
        from .selectors.trace import batch_trace_downstream

        batch = get_object_or_404(Batch.objects.select_related("product_model__manufacturer"), pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        trace = batch_trace_downstream(batch)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "batch": batch, "trace": trace,
                   "title": _("Forward trace of batch %(batch)s") % {"batch": batch}}
        return TemplateResponse(request, "admin/products/batch/trace.html", context)

    @admin.action(description=_("Release selected batches"), permissions=["change"])
    def release_batches(self, request, queryset):
        try:
            from products.services.release import batch_release
        except ImportError:
            self.message_user(request, _("Batch release is not available yet (products.services.release is missing)."),
                              messages.ERROR)
            return
        released = 0
        for batch in queryset:
            if _run(self, request, str(batch), lambda batch=batch: batch_release(batch=batch, user=request.user)):
                released += 1
        if released:
            self.message_user(request, _("%(n)d batches released.") % {"n": released}, messages.SUCCESS)

    @admin.action(description=_("Recall selected batches"), permissions=["change"])
    def recall_batches(self, request, queryset):
        from .services.custody import recall_open

        form = RecallForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for maker, batches in _group(queryset.select_related("product_model__manufacturer"),
                                         lambda b: b.product_model.manufacturer).items():
                actor = _acting_org(request, maker)
                if _run(self, request, str(maker), lambda actor=actor, batches=batches: recall_open(
                        batches=batches, actor=actor, reason=form.cleaned_data["reason"],
                        hazard=form.cleaned_data["hazard"], user=request.user)):
                    done += len(batches)
            if done:
                self.message_user(request, _("%(n)d batches recalled.") % {"n": done}, messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "queryset": queryset, "action": "recall_batches", "title": _("Recall selected batches")}
        return TemplateResponse(request, "admin/products/batch/recall.html", context)


def _group(objects, key):
    groups: dict = {}
    for obj in objects:
        groups.setdefault(key(obj), []).append(obj)
    return groups


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("serial", "gtin", "batch", "status", "recalled", "holder", "worker", "trace_link")
    list_filter = ("status", "recalled", "retire_reason")
    search_fields = ("=serial", "=gtin", "batch__lot")
    autocomplete_fields = ("batch", "holder", "site", "destination", "worker", "container")
    list_select_related = ("batch__product_model", "holder", "worker")
    show_full_result_count = False
    actions = ["quarantine_units", "release_units", "retire_units"]

    def get_readonly_fields(self, request, obj=None):
        # State changes go through the custody commands (actions), never through the form.
        return [f.name for f in self.model._meta.fields] if obj else []

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("trace"))
    def trace_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:products_unit_trace", args=[obj.pk]), _("backward trace"))

    def get_urls(self):
        return [path("<int:pk>/trace/", self.admin_site.admin_view(self.trace_view), name="products_unit_trace"),
                *super().get_urls()]

    def trace_view(self, request, pk: int):
        """Backward trace: maker, batch and certificates, every custody step, and the unit's events."""
        from .selectors.trace import unit_trace_upstream

        unit = get_object_or_404(Unit, pk=pk)
        if not self.has_view_permission(request, unit):
            raise PermissionDenied
        trace = unit_trace_upstream(unit)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "trace": trace,
                   "unit": trace.unit, "title": _("Backward trace of unit %(unit)s") % {"unit": trace.unit}}
        return TemplateResponse(request, "admin/products/unit/trace.html", context)

    def _command(self, request, queryset, label, command, **kwargs):
        done = 0
        for holder, ids in _by_holder(queryset).items():
            actor = _acting_org(request, holder)
            if holder is None:
                continue
            if _run(self, request, str(holder), lambda actor=actor, ids=ids: command(
                    units=ids, actor=actor, user=request.user, **kwargs)):
                done += len(ids)
        if done:
            self.message_user(request, label % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Quarantine selected units"), permissions=["change"])
    def quarantine_units(self, request, queryset):
        from .services.custody import unit_quarantine

        self._command(request, queryset, _("%(n)d units quarantined."), unit_quarantine,
                      reason=str(_("quarantined in the back office")))

    @admin.action(description=_("Release selected units from quarantine"), permissions=["change"])
    def release_units(self, request, queryset):
        from .services.custody import unit_release_quarantine

        self._command(request, queryset, _("%(n)d units released from quarantine."), unit_release_quarantine)

    @admin.action(description=_("Retire selected units (end of service life)"), permissions=["change"])
    def retire_units(self, request, queryset):
        from .services.custody import unit_retire

        self._command(request, queryset, _("%(n)d units retired."), unit_retire, reason=RetireReason.END_OF_LIFE)


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    list_display = ("sscc", "kind", "holder", "status", "parent")
    list_filter = ("kind", "status")
    search_fields = ("sscc", "holder__name")
    autocomplete_fields = ("holder", "site", "parent", "destination")
    list_select_related = ("holder", "parent")


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ("employee_number", "name", "enterprise", "post", "department", "active")
    list_filter = ("active",)
    search_fields = ("employee_number", "name", "post", "department", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise",)
    readonly_fields = ("pseudonym",)


class EventEPCInline(admin.TabularInline):
    model = EventEPC
    extra = 0
    can_delete = False
    readonly_fields = ("epc", "role")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event log is append-only: viewable, never edited or deleted here."""

    list_display = ("seq", "event_type", "action", "biz_step", "disposition", "event_time", "recorded_by", "foreign",
                    "has_error_declaration")
    list_filter = ("event_type", "biz_step", "disposition", "foreign", "has_error_declaration")
    search_fields = ("=event_id", "=epcs__epc")
    date_hierarchy = "event_time"
    inlines = [EventEPCInline]
    show_full_result_count = False
    list_select_related = ("recorded_by",)
    change_list_template = "admin/products/event/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("verify-chain/", self.admin_site.admin_view(self.verify_view), name="products_event_verify"),
                *super().get_urls()]

    def verify_view(self, request):
        """Recompute the hash chain and show OK or the first broken event."""
        from .services.chain import chain_verify

        if not self.has_view_permission(request):
            raise PermissionDenied
        report = chain_verify() if request.method == "POST" else None
        broken = None
        if report and not report.ok:
            broken = Event.objects.filter(seq=report.first_broken_seq).first()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "report": report,
                   "broken": broken, "title": _("Verify the event chain")}
        return TemplateResponse(request, "admin/products/event/verify_chain.html", context)


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    fields = ("unit", "container", "batch", "quantity", "state")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "container", "batch")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("number", "sender", "receiver", "state", "reference", "shipped_at", "received_at")
    list_filter = ("state",)
    search_fields = ("=number", "reference", "sender__name", "receiver__name")
    list_select_related = ("sender", "receiver")
    readonly_fields = ("number", "sender", "receiver", "from_site", "to_site", "state", "reference", "reject_reason",
                       "created_at", "shipped_at", "received_at")
    inlines = [ShipmentLineInline]
    actions = ["ship_shipments", "receive_shipments"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Despatch selected draft shipments"), permissions=["change"])
    def ship_shipments(self, request, queryset):
        from .services.custody import shipment_ship

        for shipment in queryset.select_related("sender"):
            if _run(self, request, shipment.number, lambda s=shipment: shipment_ship(
                    shipment=s, actor=_acting_org(request, s.sender), user=request.user)):
                self.message_user(request, _("%(number)s despatched.") % {"number": shipment.number}, messages.SUCCESS)

    @admin.action(description=_("Receive selected shipments in full"), permissions=["change"])
    def receive_shipments(self, request, queryset):
        from .services.custody import shipment_receive

        for shipment in queryset.select_related("receiver"):
            if _run(self, request, shipment.number, lambda s=shipment: shipment_receive(
                    shipment=s, actor=_acting_org(request, s.receiver), user=request.user)):
                self.message_user(request, _("%(number)s received.") % {"number": shipment.number}, messages.SUCCESS)


@admin.register(Holding)
class HoldingAdmin(admin.ModelAdmin):
    list_display = ("batch", "holder", "quantity", "consumed", "destroyed", "updated_at")
    search_fields = ("batch__lot", "holder__name")
    list_select_related = ("batch__product_model", "holder")
    readonly_fields = ("batch", "holder", "quantity", "consumed", "destroyed", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BatchFlow)
class BatchFlowAdmin(admin.ModelAdmin):
    list_display = ("batch", "source", "destination", "units", "first_at", "last_at")
    search_fields = ("batch__lot", "source__name", "destination__name")
    list_select_related = ("batch__product_model", "source", "destination")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Recall)
class RecallAdmin(admin.ModelAdmin):
    list_display = ("__str__", "opened_by", "state", "opened_at")
    list_filter = ("state",)
    search_fields = ("reason", "hazard", "batches__lot")
    list_select_related = ("opened_by",)
    readonly_fields = ("batches", "opened_by", "reason", "hazard", "opened_at")

    def has_add_permission(self, request):
        return False


@admin.register(ChainHead)
class ChainHeadAdmin(admin.ModelAdmin):
    list_display = ("last_seq", "last_hash")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
