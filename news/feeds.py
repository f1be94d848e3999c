"""RSS 2.0 feeds: every public article at /news/feed/, one kind at /news/feed/<kind>/."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from .models import Article
from .selectors import feed_items


class ArticleFeed(Feed):
    """The newest 30 public articles; drafts and not-yet-due scheduled articles never appear."""

    feed_type = Rss201rev2Feed

    def get_object(self, request, kind: str | None = None):
        if kind is not None and kind not in Article.Kind.values:
            raise Http404("unknown kind")
        return kind

    def title(self, kind):
        if kind:
            return str(_("PPE traceability: %(kind)s") % {"kind": Article.Kind(kind).label})
        return str(_("PPE traceability: news and safety knowledge"))

    def link(self, kind):
        url = reverse("news:list")
        return f"{url}?kind={kind}" if kind else url

    def description(self, kind):
        return str(_("Industry news, safety knowledge and accident cases for workers who wear protective equipment."))

    def items(self, kind):
        return feed_items(kind=kind)

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # Plain text: readers render descriptions as HTML, and a summary needs none.
        return item.summary or strip_tags(item.body_html)[:300]

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Article) -> str:
        # A tag URI (RFC 4151): stable when the slug or the site's address changes.
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{host},{item.created_at:%Y-%m-%d}:news/article/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.get_kind_display(), *(c.name for c in item.categories.all()), *(t.name for t in item.tags.all())]
