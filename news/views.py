"""Public pages: the article list with filters and search, an article, the accident analysis."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from products.models import ProductCategory

from .models import Article
from .selectors import article_get_public, case_statistics, knowledge_for_category, related_articles
from .selectors import article_list as select_articles

PAGE_SIZE = 12


@require_safe
def article_list(request):
    """/news/: public articles, filterable by kind, industry, product category, tag and search."""
    queryset, filterset = select_articles(params=request.GET)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    active_kind = request.GET.get("kind", "")
    return render(request, "news/article_list.html", {
        "page": page, "filter": filterset, "query": query.urlencode(), "kinds": Article.Kind.choices, "languages": Article.Language.choices,
        "active_kind": active_kind if active_kind in Article.Kind.values else "",
        "categories": ProductCategory.objects.order_by("code"),
        "filtered": any(request.GET.get(k) for k in ("industry", "category", "tag", "q", "language",
                                                     "accident_type", "ppe_role", "year")),
    })


@require_safe
def article_detail(request, slug: str):
    """/news/<slug>/: one public article; an accident case shows its facts first."""
    article = article_get_public(slug=slug)
    return render(request, "news/article_detail.html", {
        "article": article, "related": related_articles(article=article),
    })


@require_safe
@cache_control(public=True, max_age=86400)
def article_cover(request, slug: str):
    """The cover image of a public article (served here so it works without a media server,
    and so a draft's cover is not reachable before the draft is published)."""
    article = article_get_public(slug=slug)
    if not article.cover:
        raise Http404("no cover")
    return FileResponse(article.cover.open("rb"), content_type="image/jpeg")


@require_safe
def case_analysis(request):
    """/news/analysis/: accident cases by industry, accident type, PPE's part and year."""
    stats = case_statistics()
    total = sum(row["cases"] for row in stats["year"])
    fatalities = sum(row["fatalities"] for row in stats["year"])
    injuries = sum(row["injuries"] for row in stats["year"])
    return render(request, "news/analysis.html", {
        "stats": stats, "total": total, "fatalities": fatalities, "injuries": injuries,
        "ppe_failures": sum(row["cases"] for row in stats["ppe_role"] if row["key"] != "protected"),
    })


@require_safe
def category_knowledge(request, code: str):
    """/news/category/<code>/: safety knowledge and cases for one kind of equipment."""
    category = ProductCategory.objects.filter(code=code).first()
    if category is None:
        raise Http404("unknown product category")
    return render(request, "news/category.html", {
        "category": category, "articles": knowledge_for_category(category).prefetch_related("categories"),
    })
