"""The feeds are valid RSS 2.0 with the required elements, public articles only."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from news.models import Article

from .factories import AccidentCaseFactory, ArticleFactory


@pytest.fixture
def articles():
    now = timezone.now()
    return {
        "news": ArticleFactory(kind="news", slug="n1", title="行业资讯一", published_at=now - datetime.timedelta(days=2)),
        "knowledge": ArticleFactory(kind="knowledge", slug="k1", title="安全知识一",
                                  published_at=now - datetime.timedelta(days=1)),
        "case": AccidentCaseFactory(article__slug="c1", article__title="事故案例一").article,
        "draft": ArticleFactory(kind="news", slug="d1", status=Article.Status.DRAFT, published_at=None),
        "future": ArticleFactory(kind="news", slug="f1", status=Article.Status.SCHEDULED,
                                 published_at=now + datetime.timedelta(hours=2)),
    }


def _parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    return channel


@pytest.mark.django_db
def test_main_feed_is_valid_rss_with_public_articles_only(client, articles):
    channel = _parse(client.get("/news/feed/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    items = channel.findall("item")

    assert [i.findtext("title") for i in items] == ["事故案例一", "安全知识一", "行业资讯一"]
    for item in items:
        assert item.findtext("link").startswith("http://testserver/news/")
        assert item.findtext("description")
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.findtext("guid").startswith(f"tag:{urlsplit(settings.SITE_URL).hostname},")
    assert items[0].findtext("link") == "http://testserver/news/c1/"
    assert [c.text for c in items[0].findall("category")] == ["事故案例"]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "titles"), [("news", ["行业资讯一"]), ("knowledge", ["安全知识一"]),
                                              ("case", ["事故案例一"])])
def test_feed_per_kind(client, articles, kind, titles):
    channel = _parse(client.get(f"/news/feed/{kind}/"))

    assert [i.findtext("title") for i in channel.findall("item")] == titles
    assert channel.findtext("link") == f"http://testserver/news/?kind={kind}"


@pytest.mark.django_db
def test_unknown_kind_feed_is_404(client):
    assert client.get("/news/feed/gossip/").status_code == 404
