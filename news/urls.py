"""Public news pages and feeds, mounted at /news/ by traceability/urls.py."""

from django.urls import path

from . import feeds, views

app_name = "news"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("analysis/", views.case_analysis, name="analysis"),
    path("feed/", feeds.ArticleFeed(), name="feed"),
    path("feed/<slug:kind>/", feeds.ArticleFeed(), name="feed_kind"),
    path("category/<slug:code>/", views.category_knowledge, name="category"),
    path("<slug:slug>/", views.article_detail, name="article"),
    path("<slug:slug>/cover.jpg", views.article_cover, name="cover"),
]
