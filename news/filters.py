"""The article filters shared by the public pages and the API (same parameters in both)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import ProductCategory
from traceability.models import Industry

from .models import AccidentType, Article, PpeRole


class ArticleFilter(django_filters.FilterSet):
    """kind, industry, category (code), tag (slug), language, q (search), and case facts."""

    kind = django_filters.ChoiceFilter(choices=Article.Kind.choices, label=_("kind"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("industry"))
    category = django_filters.ModelChoiceFilter(
        field_name="categories", to_field_name="code", queryset=ProductCategory.objects.all(),
        label=_("product category"))
    tag = django_filters.CharFilter(field_name="tags__slug", label=_("tag"))
    language = django_filters.ChoiceFilter(choices=Article.Language.choices, label=_("language"))
    accident_type = django_filters.ChoiceFilter(field_name="case__accident_type", choices=AccidentType.choices,
                                                label=_("accident type"))
    ppe_role = django_filters.ChoiceFilter(field_name="case__ppe_role", choices=PpeRole.choices,
                                           label=_("part the PPE played"))
    year = django_filters.NumberFilter(field_name="case__occurred_on", lookup_expr="year", label=_("year"))
    q = django_filters.CharFilter(method="search", label=_("search"))

    class Meta:
        model = Article
        fields = ["kind", "industry", "category", "tag", "language", "accident_type", "ppe_role", "year", "q"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value)
                               | Q(body_markdown__icontains=value))
