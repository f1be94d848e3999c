"""This app's API routes, mounted under /api/v1/ by traceability/api/urls.py."""

from rest_framework.routers import DefaultRouter

from .views import ArticleViewSet

router = DefaultRouter(trailing_slash=True)
router.register("articles", ArticleViewSet, basename="article")

urlpatterns = router.urls
