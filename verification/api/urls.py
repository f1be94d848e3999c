"""This area's API routes under /api/v1/ (mounted by verification/urls.py)."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("labels", views.LabelJobViewSet, basename="label-job")

urlpatterns = router.urls
