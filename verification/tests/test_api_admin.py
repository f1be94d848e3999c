"""Label jobs through the API and the admin: start, progress, download, scoping."""

from __future__ import annotations

import pytest

from traceability.models import Job, Role
from traceability.tests.factories import ManufacturerFactory, UserFactory
from verification.models import LabelChunk, ScanLog, SuspectReport, UnitRisk

from .factories import certified_batch, units_of

pytestmark = pytest.mark.django_db


def _maker_user(batch, **kwargs):
    return UserFactory(organization=batch.product_model.manufacturer, role=Role.MANUFACTURER, **kwargs)


def test_manufacturer_starts_a_job_and_reads_its_progress(client, django_capture_on_commit_callbacks):
    batch = certified_batch()
    units_of(batch, 4)
    client.force_login(_maker_user(batch))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/labels/", {"batch": batch.pk, "layout": {"columns": 2}},
                               content_type="application/json")
    assert response.status_code == 202
    body = client.get(f"/api/v1/labels/{response.json()['id']}/").json()
    assert (body["status"], body["batch"], body["progress"]) == (
        "succeeded", batch.pk, {"done": 4, "total": 4, "percent": 100})
    assert body["pdf_url"] == f"http://testserver/api/v1/labels/{body['id']}/pdf/"
    pdf = client.get(f"/api/v1/labels/{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert [j["id"] for j in client.get("/api/v1/labels/").json()["results"]] == [body["id"]]


def test_another_manufacturer_gets_404_and_nothing_is_created(client):
    batch = certified_batch()
    other = UserFactory(organization=ManufacturerFactory(), role=Role.MANUFACTURER)
    client.force_login(other)
    assert client.post("/api/v1/labels/", {"batch": batch.pk}, content_type="application/json").status_code == 404
    assert not Job.objects.exists()
    job = Job.objects.create(kind="labels", params={"batch_id": batch.pk}, organization=batch.product_model.manufacturer)
    assert client.get(f"/api/v1/labels/{job.pk}/").status_code == 404
    assert client.get("/api/v1/labels/").json()["results"] == []


def test_regulator_reads_but_may_not_start(client):
    batch = certified_batch()
    client.force_login(UserFactory(organization=None, role=Role.REGULATOR))
    response = client.post("/api/v1/labels/", {"batch": batch.pk}, content_type="application/json")
    assert response.status_code == 403
    assert not Job.objects.exists() and not LabelChunk.objects.exists()


def test_bad_layout_is_a_problem_response(client):
    batch = certified_batch()
    client.force_login(_maker_user(batch))
    response = client.post("/api/v1/labels/", {"batch": batch.pk, "layout": {"columns": 5}},
                           content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Job.objects.exists()


def test_anonymous_gets_401_or_403(client):
    assert client.get("/api/v1/labels/").status_code in (401, 403)


def test_admin_generate_labels_action_and_progress_bar(client, django_capture_on_commit_callbacks):
    batch = certified_batch()
    units_of(batch, 3)
    admin = UserFactory(organization=None, role="", is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/verification/labelbatch/",
                               {"action": "generate_labels", "_selected_action": [batch.pk]})
    assert response.status_code == 302
    job = Job.objects.get(kind="labels")
    assert (job.status, job.done) == ("succeeded", 3)
    page = client.get("/admin/verification/labeljob/").content.decode()
    assert '<progress value="100" max="100" title="3/3"></progress>' in page
    assert f"/admin/verification/labeljob/{job.pk}/pdf/" in page
    pdf = client.get(f"/admin/verification/labeljob/{job.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    batches = client.get("/admin/verification/labelbatch/").content.decode()
    assert batch.lot in batches and '<progress value="100"' in batches


def test_admin_shows_a_manufacturer_only_its_own_scans_risks_and_reports(client):
    mine, theirs = certified_batch(), certified_batch()
    for batch in (mine, theirs):
        unit = units_of(batch, 1)[0]
        maker = batch.product_model.manufacturer
        ScanLog.objects.create(unit=unit, manufacturer=maker, gtin=unit.gtin, serial=unit.serial,
                               verdict="genuine", client="c")
        UnitRisk.objects.create(unit=unit, manufacturer=maker, score=60, flags=["region_jump"])
        SuspectReport.objects.create(manufacturer=maker, gtin=unit.gtin, serial=f"FAKE{batch.pk}",
                                     verdict="not_registered", description="x", client="c")
    user = _maker_user(mine, is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.set(Permission.objects.filter(content_type__app_label="verification"))
    client.force_login(user)
    reports = client.get("/admin/verification/suspectreport/").content.decode()
    assert f"FAKE{mine.pk}" in reports and f"FAKE{theirs.pk}" not in reports
    risks = client.get("/admin/verification/unitrisk/").content.decode()
    assert mine.product_model.gtin in risks and theirs.product_model.gtin not in risks
    theirs_risk = UnitRisk.objects.get(manufacturer=theirs.product_model.manufacturer)
    assert client.get(f"/admin/verification/unitrisk/{theirs_risk.pk}/change/").status_code == 302
    client.post("/admin/verification/unitrisk/", {"action": "clear", "_selected_action": [theirs_risk.pk]})
    theirs_risk.refresh_from_db()
    assert theirs_risk.score == 60  # not in the caller's queryset: unchanged
