"""/api/v1/: every app's router, the token endpoint and the OpenAPI schema."""

from django.urls import include, path

urlpatterns = [
    path("", include("products.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("news.api.urls")),
]
