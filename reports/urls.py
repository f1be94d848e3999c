"""Routes of this area; included by traceability/urls.py at /spot-checks/."""

from django.urls import path

from . import views

app_name = "spot_checks"

urlpatterns = [
    path("", views.spot_check_list, name="list"),
    path("export.<str:fmt>", views.spot_check_export, name="export"),
    path("plans/", views.assessment_plans, name="plans"),
]
