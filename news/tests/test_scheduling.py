"""Scheduled articles appear on the list, the page, the feed and the API only once their time has come."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from news import services
from news.models import Article

from .factories import AccidentCaseFactory, ArticleFactory


def _visible(client, slug: str) -> dict[str, bool]:
    return {
        "list": slug in client.get("/news/").content.decode(),
        "page": client.get(f"/news/{slug}/").status_code == 200,
        "feed": f"/news/{slug}/" in client.get("/news/feed/").content.decode(),
        "api": slug in [a["slug"] for a in APIClient().get("/api/v1/articles/").json()["results"]],
    }


@pytest.mark.django_db
def test_scheduled_article_appears_only_after_its_time(client, monkeypatch):
    real_now = timezone.now()
    article = services.article_create(kind="news", title="定时", slug="scheduled-one", body_markdown="x",
                                      status="draft")
    services.article_publish(article=article, at=real_now + datetime.timedelta(hours=1))
    article.refresh_from_db()
    assert article.status == Article.Status.SCHEDULED

    assert _visible(client, "scheduled-one") == {"list": False, "page": False, "feed": False, "api": False}

    monkeypatch.setattr(timezone, "now", lambda: real_now + datetime.timedelta(hours=1, seconds=1))
    assert _visible(client, "scheduled-one") == {"list": True, "page": True, "feed": True, "api": True}
    # No job was needed; the optional housekeeping then records the status.
    assert Article.objects.get(pk=article.pk).status == Article.Status.SCHEDULED
    assert services.articles_publish_due() == 1
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_draft_is_never_visible(client):
    ArticleFactory(slug="a-draft", status=Article.Status.DRAFT, published_at=timezone.now() - datetime.timedelta(days=1))

    assert _visible(client, "a-draft") == {"list": False, "page": False, "feed": False, "api": False}


@pytest.mark.django_db
def test_publish_now_and_unpublish():
    article = services.article_create(kind="knowledge", title="t", slug="p1", body_markdown="x")

    services.article_publish(article=article)
    assert (article.status, article.published_at is not None) == (Article.Status.PUBLISHED, True)
    with pytest.raises(ValidationError) as exc:
        services.article_publish(article=article)
    assert exc.value.message_dict == {"status": ["The article is already published."]}

    services.article_unpublish(article=article)
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


@pytest.mark.django_db
def test_publish_with_stale_status_is_a_conflict():
    article = services.article_create(kind="knowledge", title="t", slug="p2", body_markdown="x")
    stale = Article.objects.get(pk=article.pk)
    services.article_publish(article=article)

    stale.status = Article.Status.SCHEDULED  # what another editor's form still believed
    with pytest.raises(ValidationError) as exc:
        services.article_publish(article=stale)
    assert exc.value.message_dict == {"status": ["The article was changed meanwhile; reload it."]}


@pytest.mark.django_db
def test_case_cannot_be_published_without_its_facts():
    article = services.article_create(kind="case", title="t", slug="case-no-facts", body_markdown="x")

    with pytest.raises(ValidationError) as exc:
        services.article_publish(article=article)
    assert exc.value.message_dict == {"case": ["An accident case needs its case facts before it is published."]}
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    AccidentCaseFactory(article=article)
    assert services.article_publish(article=article).status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_scheduled_needs_a_time_and_reserved_slugs_are_refused():
    with pytest.raises(ValidationError) as exc:
        services.article_create(kind="news", title="t", slug="analysis", body_markdown="x", status="scheduled")
    assert exc.value.message_dict == {
        "slug": ["This address is reserved for a page of the news section."],
        "published_at": ["A scheduled article needs its publication time."],
    }
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_publish_due_task_runs_the_service(monkeypatch):
    from news.tasks import articles_publish_due_task

    ArticleFactory(slug="due", status=Article.Status.SCHEDULED, published_at=timezone.now() - datetime.timedelta(seconds=1))
    ArticleFactory(slug="not-due", status=Article.Status.SCHEDULED, published_at=timezone.now() + datetime.timedelta(hours=1))

    assert articles_publish_due_task.delay().get() == 1
    assert articles_publish_due_task.delay().get() == 0  # a second run changes nothing
    assert dict(Article.objects.values_list("slug", "status")) == {"due": "published", "not-due": "scheduled"}
