"""Routes of the portal; included by traceability/urls.py at /portal/."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scan/", views.scan, name="scan"),
    path("codes/check/", views.code_check, name="code_check"),
    path("receive/", views.receive_list, name="receive_list"),
    path("receive/<int:pk>/", views.receive_detail, name="receive_detail"),
    path("ship/", views.ship_list, name="ship_list"),
    path("ship/<int:pk>/", views.ship_detail, name="ship_detail"),
    path("workers/", views.worker_list, name="worker_list"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("inspect/", views.inspect, name="inspect"),
    path("retire/", views.retire, name="retire"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("recalls/quarantine/", views.recall_quarantine, name="recall_quarantine"),
    path("commands/", views.command, name="command"),
]
