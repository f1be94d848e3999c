"""The demo news: at least 30 public articles, at least 10 accident cases, idempotent."""

from __future__ import annotations

import pytest
from django.db.models import Count

from news import demo
from news.models import AccidentCase, Article
from news.selectors import knowledge_for_category
from products.demo import CATEGORIES
from products.tests.factories import ProductCategoryFactory
from traceability.demo import World


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_is_idempotent_and_big_enough(monkeypatch):
    for code, name, *_rest in CATEGORIES:
        ProductCategoryFactory(code=code, name=name)
    drawn = []
    real_cover = demo._cover
    monkeypatch.setattr(demo, "_cover", lambda kind, index: drawn.append(kind) or real_cover(kind, index))

    demo.seed(World(), units=0)
    first = sorted(Article.objects.values_list("slug", "status"))
    demo.seed(World(), units=0)

    assert sorted(Article.objects.values_list("slug", "status")) == first
    assert len(drawn) == 20  # covers are drawn once, on the first run only
    public = Article.objects.public()
    assert public.count() == 37
    assert Article.objects.count() == 39
    assert AccidentCase.objects.filter(article__in=public).count() == 17
    industries = dict(public.filter(kind="case").values_list("industry").annotate(n=Count("id")))
    assert set(industries) == {"construction", "electric_power", "chemical", "petroleum", "coal", "metallurgy",
                               "machinery"}
    assert [a.kind for a in knowledge_for_category("harness")][:4] == ["knowledge"] * 4
    assert knowledge_for_category("harness").count() == 11
    assert all("<script" not in html for html in Article.objects.values_list("body_html", flat=True))
