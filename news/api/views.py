"""/api/v1/articles/: public read of published articles; staff create and publish."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from news import services
from news.filters import ArticleFilter
from news.models import Article
from news.selectors import article_public_qs
from traceability.models import Role

from .serializers import ArticleCreateInputSerializer, ArticleOutputSerializer


def is_news_editor(user) -> bool:
    """Platform staff (role staff) and superusers write news (DESIGN §1)."""
    return bool(user and user.is_authenticated and (user.is_superuser or getattr(user, "role", "") == Role.STAFF))


class PublicReadStaffWrite(BasePermission):
    """Anyone may read; only platform staff may write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_news_editor(request.user)


def _problem(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    """Published articles (and scheduled ones whose time has come), newest first.

    Filters: ``kind``, ``industry``, ``category`` (code), ``tag`` (slug), ``language``,
    ``accident_type``, ``ppe_role``, ``year``, ``q`` (search). Drafts and scheduled articles
    are never listed, not even for staff: the API shows what the public sees.
    """

    permission_classes = [PublicReadStaffWrite]
    serializer_class = ArticleOutputSerializer
    filterset_class = ArticleFilter
    ordering_fields = ["published_at", "title"]
    search_fields: list[str] = []  # ``q`` of the filter set searches title, summary and body
    lookup_field = "slug"

    def get_queryset(self):
        if self.action in {"publish", "unpublish"}:
            return Article.objects.all()  # commands reach drafts too; only staff get here
        return article_public_qs().order_by("-published_at", "-id")

    @extend_schema(request=ArticleCreateInputSerializer, responses={201: ArticleOutputSerializer})
    def create(self, request, *args, **kwargs):
        """Create an article from Markdown (staff only); it is public only once published."""
        data = ArticleCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            article = services.article_create(
                author=request.user, categories=fields.pop("categories"), tags=fields.pop("tags"),
                case=fields.pop("case"), **fields)
        except DjangoValidationError as exc:
            raise _problem(exc) from exc
        return Response(ArticleOutputSerializer(article, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ArticleOutputSerializer})
    @action(detail=True, methods=["post"], url_path="unpublish")
    def unpublish(self, request, slug=None):
        """Take a published article back to draft (staff only)."""
        article = self.get_object()
        try:
            article = services.article_unpublish(article=article)
        except DjangoValidationError as exc:
            raise _problem(exc) from exc
        return Response(ArticleOutputSerializer(article, context={"request": request}).data)

    @extend_schema(request=None, responses={200: ArticleOutputSerializer})
    @action(detail=True, methods=["post"], url_path="publish")
    def publish(self, request, slug=None):
        """Publish an article now, or schedule it with ``{"at": "<ISO 8601 time>"}`` (staff only)."""
        article = self.get_object()
        raw = request.data.get("at") if hasattr(request.data, "get") else None
        when = None
        if raw:
            when = parse_datetime(str(raw))
            if when is None:
                raise ValidationError({"at": ["Not an ISO 8601 date-time."]})
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        try:
            article = services.article_publish(article=article, at=when)
        except DjangoValidationError as exc:
            raise _problem(exc) from exc
        return Response(ArticleOutputSerializer(article, context={"request": request}).data)
