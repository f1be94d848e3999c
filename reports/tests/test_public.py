"""Public spot-check list, its filters and the CSV / XLSX / PDF exports; the admin pages."""

import csv
import datetime
import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports.models import SpotCheckCampaign, SpotCheckSample, TestReport
from reports.services import campaign_publish, sample_record_result
from traceability.models import Role

from .factories import BatchFactory, CategoryFactory, RegulatorOrgFactory, UserFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    campaign = SpotCheckCampaign.objects.create(year=2025, title="安全帽专项抽查", authority=RegulatorOrgFactory())
    for seq, overrides in ((1, {}), (2, {"impact_wet": "5300"})):
        batch = BatchFactory()
        sample = SpotCheckSample.objects.create(
            campaign=campaign, seq=seq, batch=batch, category=CategoryFactory(), product_name="安全帽",
            brand="=HYPERLINK(1)", spec_model=batch.product_model.model_number, production_date_or_lot=batch.lot,
            manufacturer_name="某某安全帽厂", sampled_unit="某劳保商店", region="110100",
            sampled_on=datetime.date(2025, 7, 1))
        report = make_report(batch=batch, kind="spot_check", screen=False,
                             results=helmet_results(mass=str(380 + seq), **overrides))
        sample_record_result(sample=sample, report=report)
    SpotCheckCampaign.objects.create(year=2024, title="未发布", authority=campaign.authority)
    return campaign_publish(campaign=campaign)


def test_list_filters_by_year_category_and_verdict(client, published):
    page = client.get("/spot-checks/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="spot-sample') == 2 and "spot-sample nonconforming" in text
    assert client.get("/spot-checks/?verdict=nonconforming").content.decode().count('class="spot-sample') == 1
    assert client.get("/spot-checks/?year=2024").content.decode().count('class="spot-sample') == 0
    assert client.get("/spot-checks/?category=helmet").content.decode().count('class="spot-sample') == 2


def test_csv_export_parses_with_published_columns(client, published):
    response = client.get("/spot-checks/export.csv?verdict=nonconforming")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and len(rows[0]) == 15
    assert rows[0][:3] == ["序号", "抽查任务", "产品名称（标称）"]  # the public list speaks Chinese by default
    assert rows[1][10] == "不合格"
    assert rows[1][2] == "安全帽" and rows[1][3] == "'=HYPERLINK(1)"  # formula escaped
    assert rows[1][11] == "冲击吸收性能（浸水）"
    assert rows[1][12] == "冲击吸收性能（浸水）: 5300 (≤ 4900 N)"


def test_xlsx_export_opens_with_openpyxl(client, published):
    from openpyxl import load_workbook

    response = client.get("/spot-checks/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3 and len(values[0]) == 15
    assert sorted(v[11] or "" for v in values[1:]) == ["", "冲击吸收性能（浸水）"]


def test_pdf_export_is_a_pdf_that_renders(client, published, tmp_path):
    response = client.get("/spot-checks/export.pdf?year=2025")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response.content.rstrip().endswith(b"%%EOF")
    if shutil.which("pdftoppm"):
        (tmp_path / "list.pdf").write_bytes(response.content)
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(tmp_path / "list.pdf"),
                        str(tmp_path / "page")], check=True, timeout=60)
        pages = list(tmp_path.glob("page*.png"))
        assert len(pages) == 1 and pages[0].stat().st_size > 1000


def test_unknown_export_format_is_404(client, published):
    assert client.get("/spot-checks/export.docx").status_code == 404


def test_public_campaign_api_lists_only_published(client, published):
    body = client.get("/api/v1/spot-check-campaigns/").json()
    assert [c["title"] for c in body["results"]] == ["安全帽专项抽查"]
    assert [s["verdict"] for s in body["results"][0]["samples"]] == ["no_nonconformity", "nonconforming"]


def test_staff_uploads_failing_report_in_admin_and_sees_it_highlighted(client, django_capture_on_commit_callbacks):
    staff = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(staff)
    batch = BatchFactory()
    from .factories import LaboratoryFactory

    lab = LaboratoryFactory()
    from reports.models import Standard

    rows = helmet_results(impact_hot="5210")
    form = {"number": "ADM-1", "kind": "factory", "laboratory": lab.pk, "product_model": batch.product_model.pk,
            "batch": batch.pk, "standard": Standard.objects.get(designation="GB 2811-2019").pk,
            "sample_received_on": "2025-06-05", "tested_from": "2025-06-06", "tested_until": "2025-06-07",
            "issued_on": "2025-06-09", "stated_conclusion": "pass",
            "file": SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
            "results-TOTAL_FORMS": str(len(rows)), "results-INITIAL_FORMS": "0", "results-MIN_NUM_FORMS": "0",
            "results-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        form[f"results-{i}-item_code"] = row["item_code"]
        if "value" in row:
            form[f"results-{i}-value"] = row["value"]
        else:
            form[f"results-{i}-observed_pass"] = "true"
        form[f"results-{i}-values"] = "[]"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/reports/testreport/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    report = TestReport.objects.get(number="ADM-1")
    assert (report.verdict, report.failed_items, len(report.file_sha256)) == ("fail", ["impact_hot"], 64)
    page = client.get(f"/admin/reports/testreport/{report.pk}/change/").content.decode()
    assert page.count('class="verdict-fail"') == 2  # the report's verdict and the failing result row
    assert "item_fail" in page and "5210" in page


def test_admin_rejects_a_non_pdf_upload(client):
    staff = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(staff)
    batch = BatchFactory()
    from reports.models import Standard

    from .factories import LaboratoryFactory

    form = {"number": "ADM-2", "kind": "factory", "laboratory": LaboratoryFactory().pk,
            "product_model": batch.product_model.pk, "batch": batch.pk,
            "standard": Standard.objects.get(designation="GB 2811-2019").pk, "sample_received_on": "2025-06-05",
            "tested_from": "2025-06-06", "tested_until": "2025-06-07", "issued_on": "2025-06-09",
            "file": SimpleUploadedFile("r.pdf", b"MZ\x90\x00", content_type="application/pdf"),
            "results-TOTAL_FORMS": "0", "results-INITIAL_FORMS": "0", "results-MIN_NUM_FORMS": "0",
            "results-MAX_NUM_FORMS": "1000"}
    response = client.post("/admin/reports/testreport/add/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "does not start with %PDF-" in response.content.decode()
    assert not TestReport.objects.filter(number="ADM-2").exists()


def test_admin_side_by_side_highlights_difference_and_failure(client):
    staff = UserFactory(role=Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(staff)
    a = make_report(results=helmet_results(mass="470"), screen=False)
    b = make_report(screen=False)
    page = client.get(f"/admin/reports/testreport/compare/?a={a.pk}&b={b.pk}").content.decode()
    assert '<tr class="significant" data-item="mass">' in page
    assert page.count('class="fail"') == 1
