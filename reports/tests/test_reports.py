"""Entering reports: verdict (a), editions by production date, the PDF check, imports."""

import datetime
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from reports.models import Comparison, Standard, TestReport, Verdict
from reports.services import report_file_check, reports_import
from traceability.models import Role

from .factories import BatchFactory, LaboratoryFactory, UserFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_passing_report_is_judged_pass_with_every_result_judged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report()
    report.refresh_from_db()
    assert report.verdict == Verdict.PASS
    assert report.failed_items == [] and report.missing_items == []
    assert report.judged_by.designation == "GB 2811-2019"
    assert set(report.results.values_list("verdict", flat=True)) == {Verdict.PASS}
    assert len(report.fingerprint) == 64
    with translation.override("en"):
        assert report.verdict_wording == "According to GB 2811-2019, all items tested meet the requirements"
    screen = report.comparisons.get(kind=Comparison.Kind.SCREEN)
    assert (screen.status, screen.done, screen.total, screen.outcome) == ("done", 2, 2, "ok")


def test_one_item_out_of_limit_fails_the_report_and_is_a_finding(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(results=helmet_results(impact_hot="5210"))
    report.refresh_from_db()
    assert report.verdict == Verdict.FAIL
    assert report.failed_items == ["impact_hot"]
    failing = report.results.get(item_code="impact_hot")
    assert (failing.verdict, failing.limit_applied) == (Verdict.FAIL, "≤ 4900 N")
    finding = report.comparisons.get(kind="screen").findings.get(code="item_fail")
    assert finding.severity == "high" and finding.evidence["value"] == "5210"
    assert report.comparisons.get(kind="screen").outcome == "nonconforming"


def test_missing_required_item_makes_the_report_incomplete():
    results = [r for r in helmet_results() if r["item_code"] != "penetration"]
    report = make_report(results=results)
    assert report.verdict == Verdict.INCOMPLETE
    assert report.missing_items == ["penetration"]


def test_spot_check_wording_never_says_conforming():
    report = make_report(kind="spot_check")
    assert report.verdict == Verdict.PASS
    with translation.override("en"):
        assert report.verdict_wording == "No nonconformity found in the items tested"
    with translation.override("zh-hans"):
        assert report.verdict_wording == "所检项目未发现不合格"


def test_report_is_judged_by_the_edition_in_force_on_the_production_date():
    old_batch = BatchFactory(production_date=datetime.date(2019, 3, 1), expiry_date=datetime.date(2022, 3, 1))
    # A 2019 batch is judged by GB 2811-2007 (wearing height 80–90 mm), whatever the report says.
    report = make_report(batch=old_batch, results=helmet_results(wearing_height="95"),
                         dates=(datetime.date(2019, 3, 5), datetime.date(2019, 3, 6), datetime.date(2019, 3, 7),
                                datetime.date(2019, 3, 8)))
    assert report.judged_by.designation == "GB 2811-2007"
    assert report.results.get(item_code="wearing_height").verdict == Verdict.FAIL


def test_pdf_check_accepts_a_pdf_and_keeps_its_sha256():
    upload = SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")
    assert report_file_check(upload) == hashlib.sha256(PDF).hexdigest()
    report = make_report(file=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"))
    assert report.file_sha256 == hashlib.sha256(PDF).hexdigest()
    assert report.file.read() == PDF


def test_pdf_check_rejects_wrong_type_and_oversize_and_writes_nothing(settings):
    with pytest.raises(ValidationError) as wrong:
        make_report(file=SimpleUploadedFile("r.pdf", b"GIF89a....", content_type="application/pdf"))
    assert "does not start with %PDF-" in str(wrong.value)
    with pytest.raises(ValidationError):
        make_report(file=SimpleUploadedFile("r.exe", PDF))
    settings.REPORT_PDF_MAX_BYTES = 10
    with pytest.raises(ValidationError) as big:
        make_report(file=SimpleUploadedFile("r.pdf", PDF))
    assert "at most 10" in str(big.value)
    assert TestReport.objects.count() == 0


def test_a_lab_user_cannot_submit_for_another_lab():
    lab, other = LaboratoryFactory(), LaboratoryFactory()
    user = UserFactory(role=Role.LABORATORY, organization=other.organization)
    with pytest.raises(PermissionDenied):
        make_report(lab=lab, user=user)
    assert TestReport.objects.count() == 0


def test_batch_of_another_model_is_refused():
    lab, batch, stranger = LaboratoryFactory(), BatchFactory(), BatchFactory()
    from reports.services import report_create

    with pytest.raises(ValidationError):
        report_create(laboratory=lab, kind="factory", number="X1", product_model=stranger.product_model, batch=batch,
                      standard=Standard.objects.get(designation="GB 2811-2019"),
                      sample_received_on=datetime.date(2025, 6, 5), tested_from=datetime.date(2025, 6, 6),
                      tested_until=datetime.date(2025, 6, 7), issued_on=datetime.date(2025, 6, 8),
                      results=helmet_results())
    assert TestReport.objects.count() == 0


def _import_rows(lab, batch, number="IMP-1", **overrides):
    rows = []
    for r in helmet_results(**overrides):
        rows.append({"report_number": number, "kind": "factory", "lab_cma": lab.cma_number,
                     "gtin": batch.product_model.gtin, "lot": batch.lot, "standard": "GB 2811-2019",
                     "sample_received_on": "2025-06-05", "tested_from": "2025-06-06", "tested_until": "2025-06-07",
                     "issued_on": "2025-06-09", "stated_conclusion": "pass", "item_code": r["item_code"],
                     "sample": "", "value": r.get("value", ""),
                     "observed_pass": {True: "pass", False: "fail"}.get(r.get("observed_pass"), "")})
    return rows


def test_import_csv_groups_rows_into_reports():
    import csv

    lab, batch = LaboratoryFactory(), BatchFactory()
    buffer = io.StringIO()
    rows = _import_rows(lab, batch) + _import_rows(lab, batch, number="IMP-2", mass="450")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    created = reports_import(file=SimpleUploadedFile("r.csv", buffer.getvalue().encode()))
    assert [(r.number, r.verdict) for r in created] == [("IMP-1", "pass"), ("IMP-2", "fail")]
    assert TestReport.objects.get(number="IMP-2").failed_items == ["mass"]
    assert TestReport.objects.get(number="IMP-1").results.count() == 11


def test_import_xlsx_and_a_bad_row_imports_nothing():
    from openpyxl import Workbook

    lab, batch = LaboratoryFactory(), BatchFactory()
    rows = _import_rows(lab, batch)
    wb = Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    for row in rows:
        ws.append(list(row.values()))
    out = io.BytesIO()
    wb.save(out)
    assert len(reports_import(file=SimpleUploadedFile("r.xlsx", out.getvalue()))) == 1
    rows[3]["value"] = "not-a-number"
    rows = [dict(r, report_number="IMP-9") for r in rows]
    wb = Workbook()
    wb.active.append(list(rows[0]))
    for row in rows:
        wb.active.append(list(row.values()))
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as err:
        reports_import(file=SimpleUploadedFile("r.xlsx", out.getvalue()))
    assert "IMP-9" in str(err.value) and "not a number" in str(err.value)
    assert TestReport.objects.filter(number="IMP-9").count() == 0
