"""A stored script, event handler, javascript: link or foreign iframe never reaches a page or the API."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from news import services
from news.models import Article
from news.rendering import html_sanitize, markdown_render

from .factories import ArticleFactory

HOSTILE = """# Title

<script>alert('x')</script>
<img src="/media/a.png" onerror="alert(1)">
[click](javascript:alert(2))
<a href="JaVaScRiPt:alert(3)">again</a>
<iframe src="https://evil.example/embed"></iframe>
<iframe src="//evil.example/embed">x</iframe>
<p onclick="steal()" style="position:fixed">styled</p>
<svg onload="alert(4)"></svg>
<img src="data:image/svg+xml;base64,PHN2Zz4=">
"""

FORBIDDEN = ["<script", "alert(", "onerror", "javascript:", "evil.example", "onclick", "onload", "style=", "data:"]


def _assert_clean(text: str) -> None:
    lowered = text.lower()
    for needle in FORBIDDEN:
        assert needle not in lowered, needle


def test_markdown_render_strips_every_hostile_construct():
    html = markdown_render(HOSTILE)

    _assert_clean(html)
    assert '<img src="/media/a.png" loading="lazy">' in html
    assert "<p>styled</p>" in html
    assert "<iframe" not in html  # foreign frames are removed, not left empty


def test_sanitize_keeps_own_site_iframe_and_is_idempotent():
    html = html_sanitize('<iframe src="/news/analysis/" onload="x()"></iframe><a href="https://example.org/">ok</a>')

    frame, link = html.split("</iframe>")
    # Attribute order is the sanitizer's own; check each attribute.
    assert frame.startswith("<iframe ")
    assert dict(re.findall(r'(\w+)="([^"]*)"', frame)) == {
        "src": "/news/analysis/", "sandbox": "allow-scripts allow-same-origin allow-presentation", "loading": "lazy"}
    assert link == '<a href="https://example.org/" rel="noopener noreferrer nofollow">ok</a>'
    assert sorted(html_sanitize(html)) == sorted(html)


@pytest.mark.django_db
def test_service_stores_sanitized_html():
    article = services.article_create(kind="knowledge", title="t", slug="hostile", body_markdown=HOSTILE,
                                      status="published")

    article.refresh_from_db()
    _assert_clean(article.body_html)
    assert article.body_markdown == HOSTILE  # the source is kept as written


@pytest.mark.django_db
def test_html_written_behind_the_applications_back_is_sanitized_at_render(client):
    article = ArticleFactory(slug="tampered")
    # Someone writes raw HTML straight into the table, bypassing the services.
    Article.objects.filter(pk=article.pk).update(body_html=(
        '<p>ok</p><script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><iframe src="https://evil.example/"></iframe>'))

    page = client.get("/news/tampered/")
    api = APIClient().get("/api/v1/articles/tampered/")

    assert page.status_code == 200
    body = page.content.decode()
    start, end = body.index('<div class="news-body">'), body.index("</div>", body.index('<div class="news-body">'))
    _assert_clean(body[start:end])
    assert "<p>ok</p>" in body[start:end]
    assert api.status_code == 200
    _assert_clean(api.json()["body_html"])
    assert api.json()["body_html"].startswith("<p>ok</p>")


@pytest.mark.django_db
def test_hostile_article_never_reaches_list_feed_or_api(client):
    services.article_create(kind="news", title="<script>alert(9)</script>标题", slug="hostile-title",
                            summary="<img src=x onerror=alert(1)>", body_markdown=HOSTILE, status="published")

    for url in ["/news/", "/news/hostile-title/", "/news/feed/"]:
        text = client.get(url).content.decode()
        assert "<script>alert(9)" not in text, url
        assert "<img src=x onerror" not in text, url
    api = APIClient().get("/api/v1/articles/").json()["results"][0]
    _assert_clean(api["body_html"])
