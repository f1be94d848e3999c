from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Batch,
    Certificate,
    ChainHead,
    Container,
    Event,
    EventEPC,
    ProductCategory,
    ProductModel,
    Unit,
    Worker,
)


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
                    "units_count")
    list_filter = ("release_state", "product_model__category", "production_date")
    search_fields = ("lot", "product_model__model_number", "product_model__name", "product_model__gtin")
    autocomplete_fields = ("product_model",)
    list_select_related = ("product_model",)
    date_hierarchy = "production_date"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_units_count=Count("units"))

    @admin.display(description=_("units"), ordering="_units_count")
    def units_count(self, obj):
        return obj._units_count


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("serial", "gtin", "batch", "status", "recalled", "holder", "worker")
    list_filter = ("status", "recalled")
    search_fields = ("serial", "gtin", "batch__lot")
    autocomplete_fields = ("batch", "holder", "site", "destination", "worker", "container")
    list_select_related = ("batch__product_model", "holder", "worker")
    show_full_result_count = False


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

    list_display = ("seq", "event_type", "action", "biz_step", "disposition", "event_time", "foreign")
    list_filter = ("event_type", "biz_step", "disposition", "foreign", "has_error_declaration")
    search_fields = ("event_id", "epcs__epc")
    date_hierarchy = "event_time"
    inlines = [EventEPCInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
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
