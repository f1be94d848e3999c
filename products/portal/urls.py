"""Routes of the portal; included by traceability/urls.py at /portal/."""

urlpatterns: list = []
