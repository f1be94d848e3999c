"""Reads on articles for the public pages, the feeds, the API and other apps.

Everything public starts from ``Article.objects.public()`` (published, or scheduled whose time
has passed), so a draft or a future article never leaks through any of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from products.models import ProductCategory
from traceability.models import Industry

from .filters import ArticleFilter
from .models import AccidentCase, AccidentType, Article, PpeRole, Tag


def article_public_qs() -> QuerySet[Article]:
    """Public articles with what lists and cards show, in two extra queries whatever the count."""
    return (Article.objects.public()
            .select_related("case")
            .prefetch_related(Prefetch("categories", queryset=ProductCategory.objects.order_by("code")),
                              Prefetch("tags", queryset=Tag.objects.order_by("name"))))


def article_list(*, params: Mapping[str, Any] | None = None) -> tuple[QuerySet[Article], ArticleFilter]:
    """Public articles narrowed by ``params`` (see ``ArticleFilter``), newest first.

    Returns the queryset and the bound filter (its form shows the choices and any error;
    invalid values are ignored rather than failing the page).
    """
    filterset = ArticleFilter(data=params or {}, queryset=article_public_qs())
    queryset = filterset.qs if filterset.is_valid() else article_public_qs()
    return queryset.order_by("-published_at", "-id"), filterset


def article_get_public(*, slug: str) -> Article:
    """One public article by slug, or 404 (drafts and not-yet-due scheduled articles are 404)."""
    return get_object_or_404(article_public_qs(), slug=slug)


def knowledge_for_category(category: ProductCategory | str, *, limit: int | None = None) -> QuerySet[Article]:
    """Public safety knowledge and accident cases linked to ``category`` (a model or its code).

    Safety knowledge comes first, then accident cases, then industry news; newest first within
    each. For the verification page and the portal: "safety knowledge for this equipment".
    """
    code = category if isinstance(category, str) else category.code
    order = Case(When(kind=Article.Kind.KNOWLEDGE, then=Value(0)), When(kind=Article.Kind.CASE, then=Value(1)),
                 default=Value(2), output_field=IntegerField())
    queryset = (Article.objects.public().filter(categories__code=code)
                .select_related("case").annotate(kind_order=order)
                .order_by("kind_order", "-published_at", "-id"))
    return queryset[:limit] if limit else queryset


def related_articles(*, article: Article, limit: int = 4) -> list[Article]:
    """Other public articles sharing a product category with ``article`` (knowledge first)."""
    codes = [c.code for c in article.categories.all()]
    if not codes:
        return []
    order = Case(When(kind=Article.Kind.KNOWLEDGE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(Article.objects.public().filter(categories__code__in=codes).exclude(pk=article.pk)
                .annotate(kind_order=order).order_by("kind_order", "-published_at").distinct()[:limit])


def feed_items(*, kind: str | None = None, limit: int = 30) -> list[Article]:
    """The newest public articles for a feed (all kinds, or one)."""
    queryset = Article.objects.public().prefetch_related("categories", "tags")
    if kind:
        queryset = queryset.filter(kind=kind)
    return list(queryset.order_by("-published_at", "-id")[:limit])


def _rows(queryset, key: str, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"key": row[key], "label": str(labels.get(row[key], row[key] or _("All industries"))), "cases": row["cases"],
             "fatalities": row["fatalities"] or 0, "injuries": row["injuries"] or 0} for row in queryset]


def case_statistics() -> dict[str, list[dict[str, Any]]]:
    """Public accident cases counted by industry, accident type, the part PPE played and year.

    One grouped query per chart (four in all); each row has key, label, cases, fatalities and
    injuries. Ordered by case count (year: by year), so the charts read largest first.
    """
    cases = AccidentCase.objects.filter(article__in=Article.objects.public())
    totals = {"cases": Count("id"), "fatalities": Sum("fatalities"), "injuries": Sum("injuries")}
    by_industry = cases.values("article__industry").annotate(**totals).order_by("-cases", "article__industry")
    by_type = cases.values("accident_type").annotate(**totals).order_by("-cases", "accident_type")
    by_role = cases.values("ppe_role").annotate(**totals).order_by("-cases", "ppe_role")
    by_year = cases.annotate(year=ExtractYear("occurred_on")).values("year").annotate(**totals).order_by("year")
    return {
        "industry": _rows(by_industry, "article__industry", dict(Industry.choices)),
        "accident_type": _rows(by_type, "accident_type", dict(AccidentType.choices)),
        "ppe_role": _rows(by_role, "ppe_role", dict(PpeRole.choices)),
        "year": _rows(by_year, "year", {}),
    }
