"""Routes of this area; included by traceability/urls.py at the site root.

The GS1 Digital Link resolver paths of DESIGN §4, /verify/, and the label-job API under
/api/v1/labels/ (mounted here so no other area's URL file has to change).
"""

from django.conf import settings
from django.urls import include, re_path

from . import views

KEY = r"[^/]{1,20}"

urlpatterns = [
    re_path(r"^01/(?P<gtin>\d{8,14})/10/(?P<lot>" + KEY + r")/21/(?P<serial>" + KEY + r")/?$", views.resolve,
            name="dl-lot-serial"),
    re_path(r"^01/(?P<gtin>\d{8,14})/21/(?P<serial>" + KEY + r")/?$", views.resolve, name="dl-serial"),
    re_path(r"^01/(?P<gtin>\d{8,14})/10/(?P<lot>" + KEY + r")/?$", views.resolve, name="dl-lot"),
    re_path(r"^01/(?P<gtin>\d{8,14})/?$", views.resolve, name="dl-gtin"),
    re_path(r"^verify/$", views.verify, name="verify"),
    re_path(r"^api/v1/", include("verification.api.urls")),
]

if getattr(settings, "VERIFICATION_BENCH_BARE", False):
    urlpatterns.append(re_path(r"^bench/bare/(?P<gtin>\d{14})/(?P<serial>" + KEY + r")$", views.bench_bare_lookup))
