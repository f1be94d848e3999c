"""Routes of the GS1 EPCIS 2.0 REST binding; included at /epcis/ by traceability/urls.py."""

from django.urls import path

from . import tasks, views  # noqa: F401  (tasks: registers the capture task in workers)

app_name = "epcis"

urlpatterns = [
    path("capture", views.CaptureView.as_view(), name="capture"),
    path("capture/<int:capture_id>", views.CaptureJobView.as_view(), name="capture-job"),
    path("events", views.EventsView.as_view(), name="events"),
    path("events/<path:event_id>", views.EventView.as_view(), name="event"),
]
