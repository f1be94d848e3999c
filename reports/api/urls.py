"""This app's API routes, mounted under /api/v1/ by traceability/api/urls.py."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports", views.TestReportViewSet, basename="test-report")
router.register("test-results", views.TestResultViewSet, basename="test-result")
router.register("comparisons", views.ComparisonViewSet, basename="comparison")
router.register("spot-check-campaigns", views.SpotCheckCampaignViewSet, basename="spot-check-campaign")

urlpatterns = router.urls
