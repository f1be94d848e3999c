"""This app's API routes, mounted under /api/v1/ by traceability/api/urls.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)

urlpatterns = router.urls
