"""/api/v1/: every app's router, the token endpoint and the chain verification."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("sites", views.SiteViewSet, basename="site")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("audit/verify/", views.ChainVerifyView.as_view(), name="api-audit-verify"),
    path("", include(router.urls)),
    path("", include("products.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("news.api.urls")),
]
