"""Reports API: labs post, scoped reads (404 for others' reports, nothing changed), comparisons,
side by side, public campaigns."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from reports.models import Comparison, Laboratory, TestReport
from traceability.models import Role

from .factories import BatchFactory, LaboratoryFactory, UserFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(batch, number="API-1", **overrides):
    return {"number": number, "kind": "factory", "gtin": batch.product_model.gtin, "lot": batch.lot,
            "standard": "GB 2811-2019", "sample_received_on": "2025-06-05", "tested_from": "2025-06-06",
            "tested_until": "2025-06-07", "issued_on": "2025-06-09", "stated_conclusion": "pass",
            "results": helmet_results(**overrides)}


@pytest.fixture
def lab():
    return LaboratoryFactory()


@pytest.fixture
def lab_user(lab):
    return UserFactory(role=Role.LABORATORY, organization=lab.organization)


def test_lab_posts_a_report_and_gets_the_failing_item_back(lab_user, django_capture_on_commit_callbacks):
    batch = BatchFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lab_user).post("/api/v1/reports/", payload(batch, impact_hot="5210"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["verdict"], body["failed_items"], body["lot"]) == ("fail", ["impact_hot"], batch.lot)
    failing = [r for r in body["results"] if r["verdict"] == "fail"]
    assert [(r["item_code"], r["limit_applied"]) for r in failing] == [("impact_hot", "≤ 4900 N")]
    report = TestReport.objects.get(number="API-1")
    assert report.submitted_by == lab_user
    assert report.comparisons.get(kind="screen").status == "done"


def test_multipart_post_with_pdf_keeps_sha_and_rejects_non_pdf(lab_user):
    batch = BatchFactory()
    data = payload(batch, number="API-PDF")
    data["results"] = json.dumps(data["results"])
    data["file"] = SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")
    response = client_for(lab_user).post("/api/v1/reports/", data, format="multipart")
    assert response.status_code == 201, response.content
    assert len(response.json()["file_sha256"]) == 64
    data["number"] = "API-BAD"
    data["file"] = SimpleUploadedFile("r.pdf", b"PK\x03\x04 zip", content_type="application/pdf")
    response = client_for(lab_user).post("/api/v1/reports/", data, format="multipart")
    assert response.status_code == 400
    assert "file" in json.dumps(response.json())
    assert not TestReport.objects.filter(number="API-BAD").exists()


def test_other_roles_cannot_post_and_nothing_is_written(lab):
    batch = BatchFactory()
    maker = UserFactory(role=Role.MANUFACTURER, organization=batch.product_model.manufacturer)
    auditor = UserFactory(role=Role.AUDITOR)
    for user in (maker, auditor):
        response = client_for(user).post("/api/v1/reports/", payload(batch), format="json")
        assert response.status_code == 403
    other_lab_user = UserFactory(role=Role.LABORATORY, organization=LaboratoryFactory().organization)
    response = client_for(other_lab_user).post("/api/v1/reports/", {**payload(batch), "laboratory": lab.pk},
                                               format="json")
    assert response.status_code == 403
    assert TestReport.objects.count() == 0
    assert APIClient().post("/api/v1/reports/", payload(batch), format="json").status_code in (401, 403)


def test_scoping_lab_maker_regulator(lab, lab_user):
    mine = make_report(lab=lab, screen=False)
    other = make_report(screen=False)
    maker = UserFactory(role=Role.MANUFACTURER, organization=other.product_model.manufacturer)
    regulator = UserFactory(role=Role.REGULATOR)
    assert [r["number"] for r in client_for(lab_user).get("/api/v1/reports/").json()["results"]] == [mine.number]
    assert [r["number"] for r in client_for(maker).get("/api/v1/reports/").json()["results"]] == [other.number]
    assert len(client_for(regulator).get("/api/v1/reports/").json()["results"]) == 2
    assert client_for(lab_user).get(f"/api/v1/reports/{other.pk}/").status_code == 404
    results = client_for(lab_user).get("/api/v1/test-results/").json()["results"]
    assert {r["report"] for r in results} == {mine.pk}


def test_comparison_of_another_labs_report_is_404_and_nothing_is_created(lab, lab_user):
    mine = make_report(lab=lab, screen=False)
    other = make_report(screen=False, results=helmet_results(mass="401"))
    response = client_for(lab_user).post("/api/v1/comparisons/", {"report": mine.pk, "other": other.pk,
                                                                  "kind": "pair"}, format="json")
    assert response.status_code == 404
    assert Comparison.objects.count() == 0
    response = client_for(lab_user).get(f"/api/v1/comparisons/side-by-side/?a={mine.pk}&b={other.pk}")
    assert response.status_code == 404


def test_side_by_side_endpoint_and_comparison_job(django_capture_on_commit_callbacks):
    staff = UserFactory(role=Role.STAFF, is_superuser=True)
    a = make_report(results=helmet_results(mass="470"), screen=False)
    b = make_report(screen=False)
    response = client_for(staff).get(f"/api/v1/comparisons/side-by-side/?a={a.pk}&b={b.pk}")
    assert response.status_code == 200
    body = response.json()
    mass = [r for r in body["rows"] if r["item_code"] == "mass"][0]
    assert (mass["a_verdict"], mass["b_verdict"], mass["significant"], mass["reason"]) == (
        "fail", "pass", True, "verdict_differs")
    assert body["significant"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post("/api/v1/comparisons/", {"report": a.pk, "other": b.pk, "kind": "pair"},
                                          format="json")
    assert response.status_code == 202
    job = client_for(staff).get(f"/api/v1/comparisons/{response.json()['id']}/").json()
    assert (job["status"], job["done"], job["total"], job["outcome"]) == ("done", 2, 2, "nonconforming")
    assert sorted(f["code"] for f in job["findings"]) == ["difference", "item_fail"]


def test_auditor_reads_but_cannot_start_comparisons():
    auditor = UserFactory(role=Role.AUDITOR)
    report = make_report(screen=False)
    assert client_for(auditor).get(f"/api/v1/reports/{report.pk}/").status_code == 200
    assert client_for(auditor).post("/api/v1/comparisons/", {"report": report.pk}, format="json").status_code == 403
    assert Comparison.objects.count() == 0
    assert Laboratory.objects.count() == 1


def test_report_list_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    regulator = UserFactory(role=Role.REGULATOR)
    client = client_for(regulator)
    make_report(screen=False)
    with django_assert_max_num_queries(3) as first:
        assert len(client.get("/api/v1/reports/").json()["results"]) == 1
    for n in range(4):
        make_report(screen=False, results=helmet_results(mass=str(380 + n)))
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(client.get("/api/v1/reports/").json()["results"]) == 5


def test_lab_attaches_a_pdf_later_and_a_non_pdf_changes_nothing(lab, lab_user):
    report = make_report(lab=lab, screen=False)
    url = f"/api/v1/reports/{report.pk}/file/"
    bad = client_for(lab_user).post(url, {"file": SimpleUploadedFile("r.pdf", b"<html>", content_type="text/html")},
                                    format="multipart")
    assert bad.status_code == 400
    report.refresh_from_db()
    assert (report.file_sha256, report.file.name) == ("", "")
    good = client_for(lab_user).post(url, {"file": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")},
                                     format="multipart")
    assert good.status_code == 200
    import hashlib

    assert good.json()["file_sha256"] == hashlib.sha256(PDF).hexdigest()
    stranger = UserFactory(role=Role.LABORATORY, organization=LaboratoryFactory().organization)
    assert client_for(stranger).post(url, {"file": SimpleUploadedFile("r.pdf", PDF)}, format="multipart").status_code == 404
