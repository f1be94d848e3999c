"""The public resolver: every verdict as HTML and JSON, link types, unknown codes, throttling,
anomalies, reports of fakes, /verify/, query count, and no personal data anywhere public."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from products.models import Batch
from traceability.tests.factories import OrganizationFactory, UserFactory
from verification.models import ScanLog, SuspectReport, UnitRisk

from .factories import BatchFactory, UnitFactory, WorkerFactory, certified_batch, gtin_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _path(unit, lot: bool = True) -> str:
    if lot:
        return f"/01/{unit.gtin}/10/{unit.batch.lot}/21/{unit.serial}"
    return f"/01/{unit.gtin}/21/{unit.serial}"


def _unit(**kwargs):
    batch_kwargs = {k[len("batch__"):]: v for k, v in kwargs.items() if k.startswith("batch__")}
    unit_kwargs = {k: v for k, v in kwargs.items() if not k.startswith("batch__")}
    return UnitFactory(batch=certified_batch(**batch_kwargs), **unit_kwargs)


def _html_verdict(response) -> str:
    text = response.content.decode()
    marker = 'data-verdict="'
    start = text.index(marker) + len(marker)
    return text[start:text.index('"', start)]


CASES = [
    ("genuine", {}, 200, []),
    ("retired", {"status": "retired"}, 200, ["This unit was retired from service (End of service life) and must not be used."]),
    ("retired", {"status": "destroyed"}, 200, ["This unit was destroyed. A unit bearing this code is a copy."]),
    ("recalled", {"recalled": True}, 200, ["This product is under recall: stop using it and contact the supplier."]),
    ("recalled", {"batch__release_state": Batch.ReleaseState.RECALLED}, 200,
     ["This product is under recall: stop using it and contact the supplier."]),
    ("expired", {"batch__production_date": TODAY - datetime.timedelta(days=800),
                 "batch__expiry_date": TODAY - datetime.timedelta(days=1)}, 200, None),
    ("expired", {"first_use_date": TODAY - datetime.timedelta(days=1000),
                 "batch__production_date": TODAY - datetime.timedelta(days=1100)}, 200, None),
]


@pytest.mark.parametrize("verdict, kwargs, status, reasons", CASES)
def test_each_verdict_in_html_and_json(client, verdict, kwargs, status, reasons):
    unit = _unit(**kwargs)
    page = client.get(_path(unit))
    assert page.status_code == status
    assert _html_verdict(page) == verdict
    assert page["Cache-Control"] == "no-store"
    data = client.get(_path(unit), HTTP_ACCEPT="application/json").json()
    same = client.get(_path(unit) + "?linkType=all").json()
    assert data["verification"]["verdict"] == verdict == same["verification"]["verdict"]
    if reasons is not None:
        assert data["verification"]["reasons"] == reasons
    assert ScanLog.objects.filter(unit=unit, verdict=verdict).count() == 3


def test_expired_reasons_name_the_date(client):
    unit = _unit(batch__production_date=TODAY - datetime.timedelta(days=800),
                 batch__expiry_date=TODAY - datetime.timedelta(days=1))
    data = client.get(_path(unit) + "?linkType=all").json()["verification"]
    assert data["reasons"] == [f"The shelf life ended on {TODAY - datetime.timedelta(days=1)}."]
    assert data["unit"]["serviceDaysLeft"] > 0


def test_precedence_retired_over_recalled_over_expired(client):
    unit = _unit(status="destroyed", recalled=True, batch__production_date=TODAY - datetime.timedelta(days=2000),
                 batch__expiry_date=TODAY - datetime.timedelta(days=5))
    data = client.get(_path(unit) + "?linkType=all").json()["verification"]
    assert data["verdict"] == "retired"
    assert data["reasons"][0] == "This unit was destroyed. A unit bearing this code is a copy."
    unit.status = "in_stock"
    unit.save()
    assert client.get(_path(unit) + "?linkType=all").json()["verification"]["verdict"] == "recalled"


def test_suspicious_by_score_and_by_mismatched_lot(client):
    unit = _unit()
    UnitRisk.objects.create(unit=unit, manufacturer=unit.batch.product_model.manufacturer, score=50,
                            flags=["region_jump"])
    page = client.get(_path(unit))
    assert (page.status_code, _html_verdict(page)) == (200, "suspicious")
    other = _unit()
    wrong_lot = f"/01/{other.gtin}/10/WRONG1/21/{other.serial}"
    data = client.get(wrong_lot + "?linkType=all").json()["verification"]
    assert (data["verdict"], data["reasons"]) == ("suspicious", [
        "The lot on this label does not match the lot of the serial."])
    wrong_expiry = _path(other) + "?17=991231&linkType=all"
    assert client.get(wrong_expiry).json()["verification"]["reasons"] == [
        "The expiry date on this label does not match the record."]


def test_warnings_quarantine_and_certificate(client):
    unit = UnitFactory(status="quarantined", batch=BatchFactory(release_state=Batch.ReleaseState.QUARANTINED))
    data = client.get(_path(unit) + "?linkType=all").json()["verification"]
    assert data["verdict"] == "genuine"
    assert data["warnings"] == ["This unit is quarantined: do not use it until it is released.",
                                "The batch is quarantined: do not use it until it is released.",
                                "No certificate of this product model is valid today."]


def test_unknown_serial_is_404_with_the_counterfeit_warning(client):
    unit = _unit()
    page = client.get(f"/01/{unit.gtin}/21/NOSUCHSERIAL1")
    assert page.status_code == 404
    assert _html_verdict(page) == "not_registered"
    assert "may be counterfeit" in page.content.decode()
    data = client.get(f"/01/{unit.gtin}/21/NOSUCHSERIAL1", HTTP_ACCEPT="application/json")
    assert data.status_code == 404
    assert data.json()["verification"]["verdict"] == "not_registered"
    assert data.json()["verification"]["reasons"] == [
        "No unit with this serial number was ever registered. It may be a counterfeit: do not use it."]
    log = ScanLog.objects.filter(serial="NOSUCHSERIAL1")
    assert log.count() == 2
    assert set(log.values_list("manufacturer_id", flat=True)) == {unit.batch.product_model.manufacturer_id}
    assert client.get(f"/01/{gtin_for(999999)}/21/X").status_code == 404  # unknown GTIN too


def test_bad_check_digit_or_expiry_is_400(client):
    assert client.get("/01/06907770000011/21/ABC").status_code == 400
    response = client.get("/01/06907770000019/21/ABC?17=251340", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The expiry date (AI 17) is not a date."


def test_lot_and_gtin_paths(client):
    batch = certified_batch()
    gtin = batch.product_model.gtin
    data = client.get(f"/01/{gtin}/10/{batch.lot}?linkType=all").json()
    assert data["verification"]["verdict"] == "genuine" and data["verification"]["batch"]["lot"] == batch.lot
    assert client.get(f"/01/{gtin}/10/NOLOT").status_code == 404
    assert client.get(f"/01/{gtin}").status_code == 200
    expired = certified_batch(production_date=TODAY - datetime.timedelta(days=400),
                              expiry_date=TODAY - datetime.timedelta(days=2))
    page = client.get(f"/01/{expired.product_model.gtin}/10/{expired.lot}")
    assert _html_verdict(page) == "expired"


def test_link_types(client, settings):
    settings.SITE_URL = "https://ppe.example.org"
    unit = _unit(recalled=True)
    base = _path(unit)
    linkset = client.get(base + "?linkType=all").json()["linkset"][0]
    anchor = "https://ppe.example.org" + base
    assert linkset["anchor"] == anchor
    assert linkset["https://gs1.org/voc/pip"][0]["href"] == anchor
    assert linkset["https://gs1.org/voc/certificationInfo"][0]["href"] == anchor + "?linkType=gs1:certificationInfo"
    assert linkset["https://gs1.org/voc/recallStatus"][0]["href"] == anchor + "?linkType=gs1:recallStatus"
    assert linkset["https://gs1.org/voc/instructions"][0]["href"] == "https://maker.example.com/manual.pdf"
    recall = client.get(base + "?linkType=gs1:recallStatus").json()
    assert (recall["hasActiveRecall"], recall["verdict"]) == (True, "recalled")
    certs = client.get(base + "?linkType=certificationInfo").json()["certificates"]
    assert [(c["kind"], c["validToday"]) for c in certs] == [("la_mark", True)]
    instructions = client.get(base + "?linkType=gs1:instructions")
    assert (instructions.status_code, instructions["Location"]) == (307, "https://maker.example.com/manual.pdf")
    assert client.get(base + "?linkType=pip").status_code == 200
    assert 'rel="linkset"' in client.get(base)["Link"]


def test_no_personal_data_on_public_pages(client):
    enterprise = OrganizationFactory(name="保密化工有限公司")
    worker = WorkerFactory(enterprise=enterprise, name="李秘密", employee_number="EMP-7731")
    unit = _unit(status="issued", worker=worker, holder=enterprise, first_use_date=TODAY)
    page = client.get(_path(unit)).content.decode()
    data = client.get(_path(unit) + "?linkType=all").content.decode()
    for secret in ("保密化工", "李秘密", "EMP-7731", worker.pseudonym, enterprise.uscc):
        assert secret not in page and secret not in data
    assert "In use" in page
    assert unit.batch.product_model.manufacturer.name in page  # the maker is public


def test_scan_page_query_count(client, django_assert_num_queries, monkeypatch):
    from verification import selectors

    monkeypatch.setattr(selectors, "_optional", lambda module, name: None)
    unit = _unit()
    # on PostgreSQL the INSERT runs in its own transaction with synchronous_commit off:
    # SAVEPOINT, SET LOCAL and RELEASE inside the test's transaction
    extra = 3 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(4 + extra):  # unit+batch+risk; model+maker+category; certificates; INSERT
        assert client.get(_path(unit)).status_code == 200
    with django_assert_num_queries(2 + extra):  # unit+batch+risk; INSERT: the context comes from the cache
        assert client.get(_path(unit)).status_code == 200


def test_enumeration_is_throttled_and_logged_once(client, settings):
    settings.VERIFICATION_PROBE_LIMIT = 5
    unit = _unit()
    for n in range(5):
        assert client.get(f"/01/{unit.gtin}/21/PROBE{n}").status_code == 404
    blocked = client.get(f"/01/{unit.gtin}/21/PROBE5")
    assert blocked.status_code == 429 and blocked["Retry-After"] == "600"
    assert client.get(_path(unit)).status_code == 429  # valid codes too, while throttled
    assert client.get(f"/01/{unit.gtin}/21/PROBE6", HTTP_ACCEPT="application/json").status_code == 429
    assert ScanLog.objects.filter(throttled=True).count() == 1
    assert ScanLog.objects.filter(throttled=True).get().flags == ["enumeration"]
    assert ScanLog.objects.count() == 6
    other = client.get(_path(unit), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200  # another client is not affected


def test_region_jump_and_retired_scans_raise_the_score(client):
    unit = _unit()
    assert client.get(_path(unit), HTTP_X_CLIENT_REGION="320500").status_code == 200
    page = client.get(_path(unit), HTTP_X_CLIENT_REGION="650100", REMOTE_ADDR="10.9.9.9")
    assert _html_verdict(page) == "suspicious"
    risk = UnitRisk.objects.get(unit=unit)
    assert (risk.score, risk.flags) == (50, ["region_jump"])
    assert list(ScanLog.objects.filter(unit=unit).order_by("id").values_list("flags", flat=True)) == [[], ["region_jump"]]
    retired = _unit(status="retired")
    client.get(_path(retired))
    assert UnitRisk.objects.get(unit=retired).flags == ["after_retirement"]


def test_enterprise_jump_and_not_holder(client):
    holder = OrganizationFactory()
    unit = _unit(holder=holder)
    first = UserFactory(organization=holder)
    second = UserFactory()  # another enterprise
    client.force_login(first)
    client.get(_path(unit))
    client.force_login(second)
    client.get(_path(unit))
    assert sorted(UnitRisk.objects.get(unit=unit).flags) == ["enterprise_jump", "not_holder"]
    assert UnitRisk.objects.get(unit=unit).score == 40


def test_burst_of_scans_from_many_clients(client, settings):
    settings.VERIFICATION_BURST_SCANS = 6
    unit = _unit()
    for n in range(7):
        client.get(_path(unit), REMOTE_ADDR=f"10.0.0.{n}")
    risk = UnitRisk.objects.get(unit=unit)
    assert (risk.flags, risk.score) == (["burst"], 30)


def test_report_a_suspected_fake(client):
    unit = _unit()
    url = f"/01/{unit.gtin}/21/FAKE12345"
    response = client.post(url, {"where": "某网店", "description": "标签模糊, 帽壳很轻", "contact": "138****0000"})
    assert response.status_code == 302
    report = SuspectReport.objects.get()
    assert (report.gtin, report.serial, report.verdict, report.manufacturer) == (
        unit.gtin, "FAKE12345", "not_registered", unit.batch.product_model.manufacturer)
    assert "138****0000" not in client.get(url).content.decode()
    invalid = client.post(url, {"description": ""})
    assert invalid.status_code == 400 and SuspectReport.objects.count() == 1


@pytest.mark.parametrize("query, expected", [
    ({"code": "https://x.example/01/{gtin}/10/{lot}/21/{serial}"}, "/01/{gtin}/10/{lot}/21/{serial}?via=verify"),
    ({"code": "(01){gtin}(10){lot}(21){serial}"}, "/01/{gtin}/10/{lot}/21/{serial}?via=verify"),
    ({"code": "(01){gtin}(17)281231(21){serial}"}, "/01/{gtin}/21/{serial}?17=281231&via=verify"),
    ({"gtin": "{gtin}", "serial": "{serial}"}, "/01/{gtin}/21/{serial}?via=verify"),
])
def test_verify_by_hand(client, query, expected):
    unit = _unit()
    keys = {"gtin": unit.gtin, "lot": unit.batch.lot, "serial": unit.serial}
    response = client.get("/verify/", {k: v.format(**keys) for k, v in query.items()})
    assert (response.status_code, response["Location"]) == (302, expected.format(**keys))


def test_verify_rejects_garbage(client):
    response = client.get("/verify/", {"code": "(01)06907770000011(21)X"})
    assert response.status_code == 200 and "check digit" in response.content.decode()
    assert client.get("/verify/").status_code == 200


def test_page_speaks_chinese_when_asked(client):
    unit = _unit(recalled=True)
    page = client.get(_path(unit), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已召回" in page and "该产品正在召回：请停止使用并联系供货方。" in page


def test_plain_scans_are_written_in_batches_and_anomalies_at_once(client, settings):
    from verification.services import scan_log_buffer

    settings.VERIFICATION_SCAN_LOG_BUFFER = 3
    settings.VERIFICATION_SCAN_LOG_MAX_AGE = 3600
    unit = _unit()
    client.get(_path(unit))
    client.get(_path(unit))
    assert ScanLog.objects.count() == 0
    client.get(_path(unit), HTTP_X_CLIENT_REGION="650100")  # region unknown before: no anomaly yet
    assert ScanLog.objects.count() == 3
    client.get(_path(unit), HTTP_X_CLIENT_REGION="110100", REMOTE_ADDR="10.0.0.9")  # a jump: written at once
    assert ScanLog.objects.count() == 4
    assert ScanLog.objects.order_by("-id").first().flags == ["region_jump"]
    client.get(_path(unit))
    assert scan_log_buffer.flush() == 1
    assert ScanLog.objects.count() == 5
    times = list(ScanLog.objects.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)
