"""Routes of this area; included by traceability/urls.py."""

urlpatterns: list = []
