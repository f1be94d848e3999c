"""Factories for articles, accident cases and tags."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from news.models import AccidentCase, Article, Tag
from news.rendering import markdown_render


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"标签{n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article from an hour ago; body_html rendered as the services would."""

    class Meta:
        model = Article

    kind = Article.Kind.KNOWLEDGE
    title = factory.Sequence(lambda n: f"安全知识 {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "摘要"
    body_markdown = "正文 **重点**"
    body_html = factory.LazyAttribute(lambda o: markdown_render(o.body_markdown))
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))


class AccidentCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccidentCase

    article = factory.SubFactory(ArticleFactory, kind=Article.Kind.CASE)
    occurred_on = datetime.date(2024, 5, 1)
    region = "江苏省苏州市"
    accident_type = AccidentCase.AccidentType.FALL_FROM_HEIGHT
    fatalities = 1
    injuries = 0
    direct_cause = "安全带未系挂"
    ppe_involved = "全身式安全带"
    ppe_role = AccidentCase.PpeRole.NOT_WORN
    lessons = "高挂低用"
    standards = factory.LazyFunction(lambda: ["GB 6095-2021"])
