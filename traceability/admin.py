from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .api.tokens import create_api_tokens
from .models import Job, Organization, Site, User


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ("name", "kind", "gln", "region", "address")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "kinds_display", "region", "industry", "alliance_member")
    list_filter = ("is_manufacturer", "is_distributor", "is_enterprise", "is_laboratory", "is_regulator",
                   "industry", "alliance_member")
    search_fields = ("name", "short_name", "uscc", "gln")
    inlines = [SiteInline]
    fieldsets = (
        (None, {"fields": ("name", "short_name", "uscc", "gln", "region", "address", "contact_phone")}),
        (_("Kinds"), {"fields": ("is_manufacturer", "is_distributor", "is_enterprise", "is_laboratory",
                                 "is_regulator", "industry", "alliance_member")}),
    )

    @admin.display(description=_("kinds"))
    def kinds_display(self, obj):
        return ", ".join(str(Organization._meta.get_field(f"is_{k}").verbose_name) for k in obj.kinds)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "kind", "gln", "region")
    list_filter = ("kind",)
    search_fields = ("name", "gln", "organization__name")
    autocomplete_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "organization", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "organization__name")
    autocomplete_fields = ("organization",)
    list_select_related = ("organization",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Organisation"), {"fields": ("organization", "role")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Organisation"), {"fields": ("organization", "role")}),)
    actions = [create_api_tokens]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "progress", "organization", "created_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("kind",)
    list_select_related = ("organization",)
    readonly_fields = ("kind", "status", "total", "done", "params", "result", "errors", "organization",
                       "created_by", "created_at", "started_at", "finished_at")

    @admin.display(description=_("progress"))
    def progress(self, obj):
        from django.utils.html import format_html

        return format_html('<progress value="{}" max="100" title="{}/{}"></progress> {}%',
                           obj.percent, obj.done, obj.total, obj.percent)

    def has_add_permission(self, request):
        return False
