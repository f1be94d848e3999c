"""Article API: output serializers apart from the input one."""

from __future__ import annotations

from rest_framework import serializers

from news.models import AccidentCase, AccidentType, Article, PpeRole
from news.rendering import html_sanitize
from traceability.models import Industry


class AccidentCaseOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccidentCase
        fields = ["occurred_on", "region", "accident_type", "fatalities", "injuries", "direct_cause",
                  "ppe_involved", "ppe_role", "lessons", "standards"]


class ArticleOutputSerializer(serializers.ModelSerializer):
    """An article as the mobile front end shows it; ``body_html`` is sanitized on the way out."""

    url = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    cover = serializers.SerializerMethodField()
    categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    case = AccidentCaseOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = ["id", "slug", "url", "kind", "language", "title", "summary", "body_html", "cover", "cover_alt",
                  "published_at", "industry", "categories", "tags", "source", "case"]

    def get_url(self, obj: Article) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_body_html(self, obj: Article) -> str:
        return html_sanitize(obj.body_html)

    def get_cover(self, obj: Article) -> str | None:
        if not obj.cover:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(obj.cover_url) if request else obj.cover_url

    def to_representation(self, instance: Article):
        data = super().to_representation(instance)
        if instance.kind != Article.Kind.CASE:
            data["case"] = None
        return data


class AccidentCaseInputSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    region = serializers.CharField(max_length=60)
    accident_type = serializers.ChoiceField(choices=AccidentType.choices)
    fatalities = serializers.IntegerField(min_value=0, default=0)
    injuries = serializers.IntegerField(min_value=0, default=0)
    direct_cause = serializers.CharField()
    ppe_involved = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ppe_role = serializers.ChoiceField(choices=PpeRole.choices)
    lessons = serializers.CharField()
    standards = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)


class ArticleCreateInputSerializer(serializers.Serializer):
    """What staff send to create an article (Markdown; the server renders and sanitizes it)."""

    kind = serializers.ChoiceField(choices=Article.Kind.choices)
    language = serializers.ChoiceField(choices=Article.Language.choices, default=Article.Language.ZH_HANS)
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=120)
    summary = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    body_markdown = serializers.CharField()
    status = serializers.ChoiceField(choices=Article.Status.choices, default=Article.Status.DRAFT)
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    categories = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    case = AccidentCaseInputSerializer(required=False, allow_null=True, default=None)
