"""Back office for articles: Markdown with a live preview, cover upload, schedule and publish."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import services
from .models import RESERVED_SLUGS, AccidentCase, Article, Tag
from .rendering import markdown_render

PREVIEW_MAX_CHARS = 200_000


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["kind", "language", "title", "slug", "summary", "body_markdown", "cover", "cover_alt", "status",
                  "published_at", "source", "industry", "categories", "tags"]
        widgets = {"body_markdown": forms.Textarea(attrs={"rows": 24, "class": "news-markdown"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body_markdown"].widget.attrs["data-preview-url"] = reverse("admin:news_article_preview")

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        if isinstance(cover, UploadedFile):
            # Checked and resized here, so a bad upload is a form error, not a failed save.
            return services.cover_process(cover, name=self.cleaned_data.get("slug") or "cover")
        return cover

    def clean(self):
        data = super().clean()
        if data.get("slug") in RESERVED_SLUGS:
            self.add_error("slug", _("This address is reserved for a page of the news section."))
        if data.get("status") == Article.Status.SCHEDULED and not data.get("published_at"):
            self.add_error("published_at", _("A scheduled article needs its publication time."))
        if data.get("status") == Article.Status.PUBLISHED and not data.get("published_at"):
            data["published_at"] = timezone.now()  # "publish" without a time means now
        return data


class AccidentCaseInline(admin.StackedInline):
    model = AccidentCase
    max_num = 1
    can_delete = True
    extra = 0


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "kind", "status", "published_at", "language", "industry"]
    list_filter = ["kind", "status", "language", "industry", "categories"]
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "published_at"
    filter_horizontal = ["categories", "tags"]
    inlines = [AccidentCaseInline]
    list_select_related = ["author"]
    readonly_fields = ["author", "created_at", "updated_at"]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["kind", "language", "title", "slug", "summary", "body_markdown"]}),
        (_("Cover"), {"fields": ["cover", "cover_alt"]}),
        (_("Publication"), {"fields": ["status", "published_at", "source", "author", "created_at", "updated_at"]}),
        (_("Links"), {"fields": ["industry", "categories", "tags"]}),
    ]

    class Media:
        js = ["news/admin_preview.js"]
        css = {"all": ["news/admin_preview.css"]}

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="news_article_preview"),
                *super().get_urls()]

    def preview_view(self, request: HttpRequest):
        return _preview(request)

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        if not change and obj.author_id is None:
            obj.author = request.user
        services.article_save(article=obj)

    @admin.action(description=_("Publish now"), permissions=["change"])
    def publish_now(self, request, queryset):
        self._apply(request, queryset, services.article_publish, _("%(n)d article(s) published."))

    @admin.action(description=_("Take back to draft"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.article_unpublish, _("%(n)d article(s) taken back to draft."))

    def _apply(self, request, queryset, service, done_message) -> None:
        done = 0
        for article in queryset:
            try:
                service(article=article)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{article}: {'; '.join(exc.messages)}", messages.WARNING)
        self.message_user(request, done_message % {"n": done}, messages.SUCCESS)


@require_POST
def _preview(request: HttpRequest) -> JsonResponse:
    """The sanitized HTML of posted Markdown, exactly as the article page will show it."""
    text = request.POST.get("markdown", "")[:PREVIEW_MAX_CHARS]
    return JsonResponse({"html": markdown_render(text)})
