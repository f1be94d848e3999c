"""/api/v1/articles/: public read of published articles only, filters, and writes for staff only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from news.models import AccidentCase, Article
from products.tests.factories import ProductCategoryFactory
from traceability.models import Role
from traceability.tests.factories import UserFactory

from .factories import AccidentCaseFactory, ArticleFactory, TagFactory

NEW_ARTICLE = {
    "kind": "case", "title": "新案例", "slug": "new-case", "body_markdown": "正文<script>alert(1)</script>",
    "status": "published", "industry": "construction", "categories": ["harness"], "tags": ["高处作业"],
    "case": {"occurred_on": "2024-03-02", "region": "浙江省杭州市", "accident_type": "fall_from_height",
             "fatalities": 1, "injuries": 0, "direct_cause": "未系挂", "ppe_role": "not_worn", "lessons": "系挂"},
}


@pytest.fixture
def world():
    now = timezone.now()
    harness = ProductCategoryFactory(code="harness", name="安全带")
    helmet = ProductCategoryFactory(code="helmet", name="安全帽")
    tag = TagFactory(name="高处作业", slug="height")
    k = ArticleFactory(slug="k-harness", kind="knowledge", title="安全带检查", industry="construction",
                       published_at=now - datetime.timedelta(days=3))
    k.categories.add(harness)
    k.tags.add(tag)
    n = ArticleFactory(slug="n-helmet", kind="news", title="安全帽新标准", body_markdown="GB 30041-2025 将实施",
                       industry="", published_at=now - datetime.timedelta(days=2))
    n.categories.add(helmet)
    c = AccidentCaseFactory(article__slug="c-fall", article__industry="construction",
                            article__published_at=now - datetime.timedelta(days=1)).article
    c.categories.add(harness, helmet)
    ArticleFactory(slug="draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(slug="later", status=Article.Status.SCHEDULED, published_at=now + datetime.timedelta(days=1))
    return {"harness": harness}


def _slugs(response) -> list[str]:
    assert response.status_code == 200
    return [a["slug"] for a in response.json()["results"]]


@pytest.mark.django_db
def test_anonymous_list_shows_published_only_newest_first(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # count, page, categories, tags
        response = APIClient().get("/api/v1/articles/")

    assert _slugs(response) == ["c-fall", "n-helmet", "k-harness"]
    assert response.json()["count"] == 3
    case = response.json()["results"][0]
    assert case["case"]["accident_type"] == "fall_from_height"
    assert case["categories"] == ["harness", "helmet"]
    assert response.json()["results"][1]["case"] is None


@pytest.mark.django_db
def test_drafts_and_future_are_not_retrievable(world):
    client = APIClient()
    assert client.get("/api/v1/articles/draft/").status_code == 404
    assert client.get("/api/v1/articles/later/").status_code == 404
    assert client.get("/api/v1/articles/c-fall/").json()["url"] == "http://testserver/news/c-fall/"


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), [
    ("kind=knowledge", ["k-harness"]),
    ("kind=case", ["c-fall"]),
    ("industry=construction", ["c-fall", "k-harness"]),
    ("category=harness", ["c-fall", "k-harness"]),
    ("category=helmet&kind=news", ["n-helmet"]),
    ("tag=height", ["k-harness"]),
    ("q=30041", ["n-helmet"]),
    ("accident_type=fall_from_height", ["c-fall"]),
    ("ppe_role=not_worn&year=2024", ["c-fall"]),
])
def test_filters(world, query, expected):
    assert _slugs(APIClient().get(f"/api/v1/articles/?{query}")) == expected


@pytest.mark.django_db
def test_unknown_filter_value_is_a_400(world):
    response = APIClient().get("/api/v1/articles/?kind=gossip")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, Role.ENTERPRISE, Role.REGULATOR, Role.AUDITOR])
def test_only_staff_may_write(world, role):
    client = APIClient()
    if role is not None:
        org_needed = role == Role.ENTERPRISE
        client.force_authenticate(UserFactory(role=role, **({} if org_needed else {"organization": None})))
    before = (Article.objects.count(), AccidentCase.objects.count(), Article.objects.get(slug="draft").status)

    create = client.post("/api/v1/articles/", NEW_ARTICLE, format="json")
    publish = client.post("/api/v1/articles/draft/publish/", {}, format="json")
    unpublish = client.post("/api/v1/articles/k-harness/unpublish/", {}, format="json")

    expected = 401 if role is None else 403
    assert (create.status_code, publish.status_code, unpublish.status_code) == (expected, expected, expected)
    assert (Article.objects.count(), AccidentCase.objects.count(),
            Article.objects.get(slug="draft").status) == before
    assert Article.objects.get(slug="k-harness").status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_staff_creates_publishes_and_unpublishes(world):
    client = APIClient()
    staff = UserFactory(role=Role.STAFF, organization=None)
    client.force_authenticate(staff)

    created = client.post("/api/v1/articles/", NEW_ARTICLE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["body_html"] == "<p>正文</p>"
    assert body["case"]["region"] == "浙江省杭州市"
    assert body["categories"] == ["harness"]
    article = Article.objects.get(slug="new-case")
    assert (article.author, article.status, article.tags.get().name) == (staff, "published", "高处作业")

    publish = client.post("/api/v1/articles/draft/publish/", {"at": "2099-01-01T08:00:00+08:00"}, format="json")
    assert publish.status_code == 200
    draft = Article.objects.get(slug="draft")
    assert (draft.status, draft.published_at.isoformat()) == ("scheduled", "2099-01-01T00:00:00+00:00")

    unpublish = client.post("/api/v1/articles/k-harness/unpublish/", {}, format="json")
    assert unpublish.status_code == 200
    assert Article.objects.get(slug="k-harness").status == Article.Status.DRAFT


@pytest.mark.django_db
def test_staff_create_with_unknown_category_writes_nothing(world):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.STAFF, organization=None))

    response = client.post("/api/v1/articles/", {**NEW_ARTICLE, "categories": ["jetpack"]}, format="json")

    assert response.status_code == 400
    assert "jetpack" in str(response.json())
    assert not Article.objects.filter(slug="new-case").exists()
    assert AccidentCase.objects.count() == 1
