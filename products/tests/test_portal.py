"""The distributor / enterprise portal: scoping, every command page's happy and error paths,
idempotent double submits, roles."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from products.models import Batch, Container, Event, Shipment, Unit, UnitStatus, Worker
from products.portal.codes import code_parse, codes_split
from products.services import custody
from traceability.gs1 import site_digital_link
from traceability.models import Organization, Role, User
from traceability.tests.factories import DistributorFactory, ManufacturerFactory, OrganizationFactory, UserFactory

from .factories import BatchFactory, ProductModelFactory, WorkerFactory


@dataclass
class World:
    maker: Organization
    distributor: Organization
    enterprise: Organization
    other: Organization
    good: Batch
    risky: Batch
    incoming: Shipment  # maker -> enterprise, in transit: units good[0:3]
    worker: Worker
    other_worker: Worker
    ent_user: User
    dist_user: User
    other_user: User

    def units(self, batch: Batch) -> list[Unit]:
        return list(Unit.objects.filter(batch=batch).order_by("pk"))


def key() -> str:
    return uuid.uuid4().hex


def hri(unit: Unit) -> str:
    return f"(01){unit.gtin}(21){unit.serial}"


@pytest.fixture(autouse=True)
def _english_and_fast_passwords(settings):
    # Messages are asserted in English; the default hasher would spend seconds per test user.
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    maker = ManufacturerFactory(name="安盾")
    distributor = DistributorFactory(name="华东劳保")
    enterprise = OrganizationFactory(name="华北油田")
    other = OrganizationFactory(name="别的企业")
    model = ProductModelFactory(manufacturer=maker, name="ABS 安全帽")
    good = BatchFactory(product_model=model, lot="GOOD1")
    risky = BatchFactory(product_model=model, lot="RISK1")
    custody.unit_commission(batch=good, count=10, actor=maker)
    custody.unit_commission(batch=risky, count=2, actor=maker)
    g = list(Unit.objects.filter(batch=good).order_by("pk"))
    r = list(Unit.objects.filter(batch=risky).order_by("pk"))
    incoming = custody.shipment_send(actor=maker, receiver=enterprise, units=g[0:3])
    held = custody.shipment_send(actor=maker, receiver=enterprise, units=g[3:6] + r)
    custody.shipment_receive(shipment=held, actor=enterprise)
    to_dist = custody.shipment_send(actor=maker, receiver=distributor, units=g[6:8])
    custody.shipment_receive(shipment=to_dist, actor=distributor)
    to_other = custody.shipment_send(actor=maker, receiver=other, units=g[8:10])
    custody.shipment_receive(shipment=to_other, actor=other)
    return World(
        maker=maker, distributor=distributor, enterprise=enterprise, other=other, good=good, risky=risky,
        incoming=incoming, worker=WorkerFactory(enterprise=enterprise, name="李强", employee_number="E001"),
        other_worker=WorkerFactory(enterprise=other, name="王五", employee_number="X001"),
        ent_user=UserFactory(organization=enterprise, role=Role.ENTERPRISE),
        dist_user=UserFactory(organization=distributor, role=Role.DISTRIBUTOR),
        other_user=UserFactory(organization=other, role=Role.ENTERPRISE),
    )


@pytest.fixture
def ent(client, world):
    client.force_login(world.ent_user)
    return client


def snapshot(*batches: Batch) -> list[tuple]:
    return list(Unit.objects.filter(batch__in=batches).order_by("pk").values_list(
        "pk", "status", "holder_id", "destination_id", "worker_id", "last_inspected_on", "retire_reason"))


# --- codes -----------------------------------------------------------------------------------------

def test_code_parse_reads_every_form_a_scanner_sends():
    gtin = "06901234000016"
    assert code_parse(f"https://example.org/01/{gtin}/21/AB12").serial == "AB12"
    assert code_parse(f"https://example.org/01/{gtin}/10/L1/21/AB12").gtin == gtin
    assert code_parse(f"(01){gtin}(21)AB12").serial == "AB12"
    parsed = code_parse(f"01{gtin}17271231\x1d10LOT1\x1d21XYZ")
    assert (parsed.gtin, parsed.lot, parsed.serial) == (gtin, "LOT1", "XYZ")
    piped = code_parse(f"01{gtin}10LOT1|21XYZ")
    assert (piped.lot, piped.serial) == ("LOT1", "XYZ")
    assert code_parse("AB12xy").serial == "AB12xy" and code_parse("AB12xy").gtin == ""
    assert code_parse("https://id.gs1.org/00/069012340000000017").sscc == "069012340000000017"


def test_code_parse_refuses_what_names_no_item():
    with pytest.raises(ValidationError, match="Unknown code"):
        code_parse("https://example.org/nothing/here")
    with pytest.raises(ValidationError, match="names a product"):
        code_parse("https://example.org/01/06901234000016")
    with pytest.raises(ValidationError):
        code_parse("   ")


def test_codes_split_keeps_order_and_drops_repeats():
    assert codes_split("A1\nB2, C3\n\nA1\n(01)06901234000016(21)X Y") == ["A1", "B2", "C3", "(01)06901234000016(21)X Y"]


# --- access ---------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/portal/")


@pytest.mark.parametrize("role", [Role.MANUFACTURER, Role.LABORATORY, Role.REGULATOR, Role.AUDITOR])
def test_other_roles_get_403(client, world, role):
    client.force_login(UserFactory(organization=world.maker, role=role))
    assert client.get(reverse("portal:dashboard")).status_code == 403
    before = snapshot(world.good)
    response = client.post(reverse("portal:receive_detail", args=[world.incoming.pk]),
                           {"action": "all", "idempotency_key": key()})
    assert response.status_code == 403
    assert snapshot(world.good) == before


def test_distributor_may_not_manage_workers(client, world):
    client.force_login(world.dist_user)
    assert client.get(reverse("portal:worker_list")).status_code == 403
    assert client.get(reverse("portal:inspect")).status_code == 403
    response = client.post(reverse("portal:worker_list"), {"employee_number": "D1", "name": "x", "idempotency_key": key()})
    assert response.status_code == 403
    assert Worker.objects.filter(employee_number="D1").count() == 0


def test_staff_without_organisation_sees_a_notice(client, db):
    client.force_login(UserFactory(organization=None, role=Role.STAFF))
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert "no organisation" in response.content.decode()
    assert client.get(reverse("portal:receive_list")).status_code == 403


# --- dashboard ------------------------------------------------------------------------------------

def test_dashboard_shows_my_stock_incoming_and_recalls(ent, world):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="外壳开裂", hazard="冲击吸收不合格")
    body = ent.get(reverse("portal:dashboard")).content.decode()
    assert world.incoming.number in body
    assert "GOOD1" in body and "RISK1" in body
    assert 'data-state="recalled"' in body
    assert "冲击吸收不合格" in body
    assert "别的企业" not in body


def test_dashboard_lists_due_inspections_and_near_expiry(ent, world):
    helmet = world.good.product_model.category
    helmet.inspection_interval_days = 90
    helmet.save()
    unit = world.units(world.good)[3]
    custody.unit_issue(units=[unit], worker=world.worker, actor=world.enterprise)
    Unit.objects.filter(pk=unit.pk).update(first_use_date=timezone.localdate() - datetime.timedelta(days=100))
    Batch.objects.filter(pk=world.risky.pk).update(expiry_date=timezone.localdate() + datetime.timedelta(days=10))
    response = ent.get(reverse("portal:dashboard"))
    due = response.context["due"]
    assert [u.pk for u in due] == [unit.pk]
    assert due[0].due_on == timezone.localdate() - datetime.timedelta(days=10)
    assert sorted(u.pk for u in response.context["near_expiry"]) == [u.pk for u in world.units(world.risky)]


# --- receive --------------------------------------------------------------------------------------

def test_receive_all(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    assert ent.get(url).status_code == 200
    response = ent.post(url, {"action": "all", "idempotency_key": key()})
    assert response.status_code == 302 and response["Location"] == url
    world.incoming.refresh_from_db()
    assert world.incoming.state == Shipment.State.RECEIVED
    assert [(u.status, u.holder_id) for u in world.units(world.good)[0:3]] == [(UnitStatus.IN_STOCK, world.enterprise.pk)] * 3


def test_receive_some_by_scanning_what_arrived(ent, world):
    first, second, third = world.units(world.good)[0:3]
    codes = "\n".join([site_digital_link(first.gtin, serial=first.serial), hri(second)])
    response = ent.post(reverse("portal:receive_detail", args=[world.incoming.pk]),
                        {"action": "some", "codes": codes, "idempotency_key": key()})
    assert response.status_code == 302
    world.incoming.refresh_from_db()
    assert world.incoming.state == Shipment.State.PARTLY_RECEIVED
    statuses = [u.status for u in world.units(world.good)[0:3]]
    assert statuses == [UnitStatus.IN_STOCK, UnitStatus.IN_STOCK, UnitStatus.IN_TRANSIT]


def test_receive_some_refuses_a_code_not_in_the_shipment(ent, world):
    held = world.units(world.good)[3]
    before = snapshot(world.good)
    response = ent.post(reverse("portal:receive_detail", args=[world.incoming.pk]),
                        {"action": "some", "codes": f"{hri(world.units(world.good)[0])}\n{hri(held)}",
                         "idempotency_key": key()})
    assert response.status_code == 400
    assert f"Unknown code {hri(held)}." in response.content.decode()
    assert snapshot(world.good) == before


def test_reject_needs_a_reason_then_returns_everything(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    before = snapshot(world.good)
    response = ent.post(url, {"action": "reject", "reason": " ", "idempotency_key": key()})
    assert response.status_code == 400
    assert "Say why the shipment is rejected." in response.content.decode()
    assert snapshot(world.good) == before
    response = ent.post(url, {"action": "reject", "reason": "外包装破损", "idempotency_key": key()})
    assert response.status_code == 302
    world.incoming.refresh_from_db()
    assert (world.incoming.state, world.incoming.reject_reason) == (Shipment.State.REJECTED, "外包装破损")
    assert {(u.status, u.holder_id) for u in world.units(world.good)[0:3]} == {(UnitStatus.IN_STOCK, world.maker.pk)}


def test_receive_twice_shows_the_service_error(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    ent.post(url, {"action": "all", "idempotency_key": key()})
    # The page no longer offers receiving, but a stale form sent again gets the service's answer.
    response = ent.post(url, {"action": "all", "idempotency_key": key()})
    assert response.status_code == 400
    assert f"Shipment {world.incoming.number} is Received; nothing is in transit." in response.content.decode()


def test_receive_list_finds_the_shipment_from_a_scanned_item(ent, world):
    unit = world.units(world.good)[1]
    response = ent.get(reverse("portal:receive_list"), {"code": site_digital_link(unit.gtin, serial=unit.serial)})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:receive_detail", args=[world.incoming.pk])
    response = ent.get(reverse("portal:receive_list"), {"code": "NOPE123"})
    assert response.status_code == 200
    assert "Unknown code NOPE123." in response.content.decode()


def test_another_organisation_cannot_see_or_receive_my_shipment(client, world):
    client.force_login(world.other_user)
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    before = snapshot(world.good)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "all", "idempotency_key": key()}).status_code == 404
    assert client.post(url, {"action": "reject", "reason": "x", "idempotency_key": key()}).status_code == 404
    world.incoming.refresh_from_db()
    assert world.incoming.state == Shipment.State.SHIPPED
    assert snapshot(world.good) == before
    # Scanning one of its items finds nothing either.
    unit = world.units(world.good)[0]
    assert "Unknown code" in client.get(reverse("portal:receive_list"), {"code": hri(unit)}).content.decode()


# --- idempotency ----------------------------------------------------------------------------------

def test_double_submit_runs_the_command_once(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    data = {"action": "all", "idempotency_key": key()}
    first = ent.post(url, data)
    events = Event.objects.filter(biz_step="receiving").count()
    second = ent.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == first["Location"]
    assert Event.objects.filter(biz_step="receiving").count() == events


def test_same_key_other_payload_is_422_and_missing_key_is_400(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    k = key()
    assert ent.post(url, {"action": "all", "idempotency_key": k}).status_code == 302
    before = snapshot(world.good)
    assert ent.post(url, {"action": "reject", "reason": "x", "idempotency_key": k}).status_code == 422
    assert ent.post(reverse("portal:ship_list"), {"codes": "x"}).status_code == 400
    assert snapshot(world.good) == before


def test_a_refused_command_frees_its_key_for_the_corrected_form(ent, world):
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    k = key()
    assert ent.post(url, {"action": "reject", "reason": "", "idempotency_key": k}).status_code == 400
    assert ent.post(url, {"action": "reject", "reason": "破损", "idempotency_key": k}).status_code == 302
    world.incoming.refresh_from_db()
    assert world.incoming.state == Shipment.State.REJECTED


# --- ship -----------------------------------------------------------------------------------------

def test_ship_create_then_despatch(client, world):
    client.force_login(world.dist_user)
    a, b = world.units(world.good)[6:8]
    response = client.post(reverse("portal:ship_list"), {
        "receiver": world.enterprise.pk, "reference": "PO-7", "codes": f"{hri(a)}\n{b.serial}", "idempotency_key": key()})
    assert response.status_code == 302
    shipment = Shipment.objects.get(sender=world.distributor)
    assert response["Location"] == reverse("portal:ship_detail", args=[shipment.pk])
    assert (shipment.state, shipment.reference, shipment.lines.count()) == (Shipment.State.DRAFT, "PO-7", 2)
    response = client.post(reverse("portal:ship_detail", args=[shipment.pk]), {"idempotency_key": key()})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.state == Shipment.State.SHIPPED
    assert {(u.status, u.destination_id) for u in (a, b) for u in [Unit.objects.get(pk=u.pk)]} == {
        (UnitStatus.IN_TRANSIT, world.enterprise.pk)}


def test_ship_refuses_a_recalled_unit_with_the_service_message(ent, world):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    recalled = world.units(world.risky)[0]
    response = ent.post(reverse("portal:ship_list"), {
        "receiver": world.distributor.pk, "codes": hri(recalled), "idempotency_key": key()})
    assert response.status_code == 302  # a draft may list it ...
    shipment = Shipment.objects.get(sender=world.enterprise)
    before = snapshot(world.risky)
    response = ent.post(reverse("portal:ship_detail", args=[shipment.pk]), {"idempotency_key": key()})
    assert response.status_code == 400  # ... but it is never despatched
    assert f"Recalled units cannot be shipped: {recalled.gtin}/{recalled.serial}." in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.state == Shipment.State.DRAFT
    assert snapshot(world.risky) == before


def test_ship_cannot_name_another_organisations_unit(ent, world):
    theirs = world.units(world.good)[8]
    before = snapshot(world.good)
    response = ent.post(reverse("portal:ship_list"), {
        "receiver": world.distributor.pk, "codes": hri(theirs), "idempotency_key": key()})
    assert response.status_code == 400
    assert f"Unknown code {hri(theirs)}." in response.content.decode()
    assert Shipment.objects.filter(sender=world.enterprise).count() == 0
    assert snapshot(world.good) == before


def test_another_organisations_draft_is_404(client, world):
    draft = custody.shipment_create(actor=world.enterprise, receiver=world.distributor, units=world.units(world.good)[3:4])
    client.force_login(world.other_user)
    url = reverse("portal:ship_detail", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"idempotency_key": key()}).status_code == 404
    draft.refresh_from_db()
    assert draft.state == Shipment.State.DRAFT


# --- workers and issuing ------------------------------------------------------------------------

def test_register_worker_and_refuse_a_duplicate_number(ent, world):
    url = reverse("portal:worker_list")
    response = ent.post(url, {"employee_number": "E002", "name": "赵六", "post": "焊工", "idempotency_key": key()})
    worker = Worker.objects.get(enterprise=world.enterprise, employee_number="E002")
    assert response["Location"] == reverse("portal:worker_detail", args=[worker.pk])
    response = ent.post(url, {"employee_number": "E002", "name": "别人", "idempotency_key": key()})
    assert response.status_code == 400
    assert "Employee number E002 is already registered." in response.content.decode()
    assert Worker.objects.filter(enterprise=world.enterprise).count() == 2
    assert "王五" not in ent.get(url).content.decode()


def test_issue_and_take_back(ent, world):
    unit = world.units(world.good)[3]
    url = reverse("portal:worker_detail", args=[world.worker.pk])
    response = ent.post(url, {"action": "issue", "code": site_digital_link(unit.gtin, serial=unit.serial),
                              "idempotency_key": key()})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.status, unit.worker_id, unit.first_use_date) == (UnitStatus.ISSUED, world.worker.pk, timezone.localdate())
    assert unit.serial in ent.get(url).content.decode()
    response = ent.post(url, {"action": "return", "code": hri(unit), "idempotency_key": key()})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.status, unit.worker_id) == (UnitStatus.IN_STOCK, None)


def test_issue_refuses_a_recalled_unit(ent, world):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    unit = world.units(world.risky)[0]
    before = snapshot(world.risky)
    response = ent.post(reverse("portal:worker_detail", args=[world.worker.pk]),
                        {"action": "issue", "code": hri(unit), "idempotency_key": key()})
    assert response.status_code == 400
    assert f"Recalled units cannot be issued: {unit.gtin}/{unit.serial}." in response.content.decode()
    assert snapshot(world.risky) == before


def test_take_back_refuses_an_item_of_another_worker(ent, world):
    unit = world.units(world.good)[3]
    custody.unit_issue(units=[unit], worker=world.worker, actor=world.enterprise)
    second = WorkerFactory(enterprise=world.enterprise, employee_number="E009")
    before = snapshot(world.good)
    response = ent.post(reverse("portal:worker_detail", args=[second.pk]),
                        {"action": "return", "code": hri(unit), "idempotency_key": key()})
    assert response.status_code == 400
    assert snapshot(world.good) == before


def test_another_enterprises_worker_is_404(ent, world):
    unit = world.units(world.good)[3]
    url = reverse("portal:worker_detail", args=[world.other_worker.pk])
    assert ent.get(url).status_code == 404
    before = snapshot(world.good)
    assert ent.post(url, {"action": "issue", "code": hri(unit), "idempotency_key": key()}).status_code == 404
    assert snapshot(world.good) == before


# --- inspect, retire, quarantine -----------------------------------------------------------------

def test_inspect_pass_and_fail(ent, world):
    a, b = world.units(world.good)[3:5]
    response = ent.post(reverse("portal:inspect"), {"code": hri(a), "result": "pass", "on_fail": "quarantine",
                                                    "idempotency_key": key()})
    assert response["Location"] == reverse("portal:unit_detail", args=[a.pk])
    a.refresh_from_db()
    assert (a.status, a.last_inspected_on) == (UnitStatus.IN_STOCK, timezone.localdate())
    ent.post(reverse("portal:inspect"), {"code": hri(b), "result": "fail", "on_fail": "retire", "note": "裂纹",
                                         "idempotency_key": key()})
    b.refresh_from_db()
    assert (b.status, b.retire_reason) == (UnitStatus.RETIRED, "failed_test")


def test_retire_needs_a_reason_and_refuses_others_items(ent, world):
    mine, theirs = world.units(world.good)[3], world.units(world.good)[8]
    before = snapshot(world.good)
    response = ent.post(reverse("portal:retire"), {"code": hri(mine), "reason": "", "idempotency_key": key()})
    assert response.status_code == 400
    response = ent.post(reverse("portal:retire"), {"code": hri(theirs), "reason": "damage", "idempotency_key": key()})
    assert response.status_code == 400
    assert f"Unknown code {hri(theirs)}." in response.content.decode()
    assert snapshot(world.good) == before
    response = ent.post(reverse("portal:retire"), {"code": hri(mine), "reason": "impact", "idempotency_key": key()})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.retire_reason) == (UnitStatus.RETIRED, "impact")


def test_quarantine_then_retired_item_cannot_be_quarantined(ent, world):
    unit = world.units(world.good)[3]
    response = ent.get(reverse("portal:quarantine"), {"code": hri(unit)})
    assert hri(unit) in response.content.decode()
    assert ent.post(reverse("portal:quarantine"), {"code": hri(unit), "reason": "待检",
                                                   "idempotency_key": key()}).status_code == 302
    unit.refresh_from_db()
    assert unit.status == UnitStatus.QUARANTINED
    custody.unit_retire(units=[unit], actor=world.enterprise, reason="damage")
    response = ent.post(reverse("portal:quarantine"), {"code": hri(unit), "reason": "x", "idempotency_key": key()})
    assert response.status_code == 400
    assert "cannot be quarantined" in response.content.decode()


def test_recall_answer_quarantines_every_recalled_item_i_hold(ent, world):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    issued = world.units(world.risky)[1]
    Unit.objects.filter(pk=issued.pk).update(status=UnitStatus.ISSUED, worker=world.worker)
    response = ent.post(reverse("portal:recall_quarantine"), {"idempotency_key": key()})
    assert response.status_code == 302
    assert [(u.status, u.worker_id) for u in world.units(world.risky)] == [(UnitStatus.QUARANTINED, None)] * 2
    assert [u.status for u in world.units(world.good)[3:6]] == [UnitStatus.IN_STOCK] * 3


# --- unit page and code check ------------------------------------------------------------------

def test_unit_page_for_mine_and_404_for_others(ent, world):
    mine, theirs, incoming = world.units(world.good)[3], world.units(world.good)[8], world.units(world.good)[0]
    response = ent.get(reverse("portal:unit_detail", args=[mine.pk]))
    assert response.status_code == 200
    steps = [e.biz_step for e in response.context["events"]]
    assert steps[0] == "commissioning" and "receiving" in steps
    assert ent.get(reverse("portal:unit_detail", args=[incoming.pk])).status_code == 200
    assert ent.get(reverse("portal:unit_detail", args=[theirs.pk])).status_code == 404
    assert ent.get(reverse("portal:scan"), {"code": hri(theirs)}).status_code == 200
    response = ent.get(reverse("portal:scan"), {"code": hri(mine)})
    assert response["Location"] == reverse("portal:unit_detail", args=[mine.pk])


def test_code_check_answers_for_scan_lists(ent, world):
    url = reverse("portal:code_check")
    mine, theirs, incoming = world.units(world.good)[3], world.units(world.good)[8], world.units(world.good)[0]
    assert ent.get(url, {"code": hri(mine), "purpose": "ship"}).json()["result"] == "ok"
    answer = ent.get(url, {"code": hri(theirs), "purpose": "ship"}).json()
    assert answer == {"result": "error", "message": f"Unknown code {hri(theirs)}.", "label": ""}
    answer = ent.get(url, {"code": hri(incoming), "purpose": "receive", "shipment": world.incoming.pk}).json()
    assert answer["result"] == "ok" and "GOOD1" in answer["label"]
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    answer = ent.get(url, {"code": hri(world.units(world.risky)[0]), "purpose": "ship"}).json()
    assert (answer["result"], answer["state"]) == ("error", "recalled")


# --- more: cartons, races, query counts ---------------------------------------------------------

def test_receive_some_by_scanning_a_carton(ent, world):
    from traceability.validators import gs1_check_digit

    sscc = "069012340000001" + "23"
    sscc += gs1_check_digit(sscc)
    spare = world.units(world.good)[0:3]
    # Send the three in-transit units back first, so the maker can pack and ship them in a carton.
    custody.shipment_receive(shipment=world.incoming, actor=world.enterprise, reject=True, reason="换箱")
    custody.container_pack(sscc=sscc, units=spare, actor=world.maker)
    carton = custody.shipment_send(actor=world.maker, receiver=world.enterprise,
                                   containers=[Container.objects.get(sscc=sscc)])
    response = ent.post(reverse("portal:receive_detail", args=[carton.pk]),
                        {"action": "some", "codes": f"https://id.gs1.org/00/{sscc}", "idempotency_key": key()})
    assert response.status_code == 302
    carton.refresh_from_db()
    assert carton.state == Shipment.State.RECEIVED
    assert {(u.status, u.holder_id) for u in world.units(world.good)[0:3]} == {(UnitStatus.IN_STOCK, world.enterprise.pk)}


def test_a_second_send_while_the_first_runs_is_409(ent, world):
    from django.core.cache import cache
    from django.test import RequestFactory

    from products.portal.access import _fingerprint

    k = key()
    url = reverse("portal:receive_detail", args=[world.incoming.pk])
    data = {"action": "all", "idempotency_key": k}
    # What the first request leaves in the cache while its command is still running.
    running = {"state": "running", "fp": _fingerprint(RequestFactory().post(url, data))}
    cache.set(f"portal:idem:{world.ent_user.pk}:{k}", running, 60)
    before = snapshot(world.good)
    assert ent.post(url, data).status_code == 409
    assert snapshot(world.good) == before


def test_dashboard_query_count_does_not_grow_with_stock(ent, world, django_assert_max_num_queries):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    with django_assert_max_num_queries(14) as small:
        ent.get(reverse("portal:dashboard"))
    extra = BatchFactory(product_model=world.good.product_model, lot="MORE1")
    custody.unit_commission(batch=extra, count=30, actor=world.maker)
    custody.shipment_receive(shipment=custody.shipment_send(actor=world.maker, receiver=world.enterprise,
                                                            units=list(Unit.objects.filter(batch=extra))),
                             actor=world.enterprise)
    custody.recall_open(batches=[extra], actor=world.maker, reason="r2", hazard="h2")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = ent.get(reverse("portal:dashboard"))
    assert [row.lot for row in response.context["stock"]] == ["GOOD1", "MORE1", "RISK1"]
    assert [row.in_stock for row in response.context["stock"]] == [3, 30, 2]


def test_shipping_many_codes_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    extra = BatchFactory(product_model=world.good.product_model, lot="BULK1")
    custody.unit_commission(batch=extra, count=60, actor=world.maker)
    units = list(Unit.objects.filter(batch=extra))
    custody.shipment_receive(shipment=custody.shipment_send(actor=world.maker, receiver=world.distributor, units=units),
                             actor=world.distributor)
    client.force_login(world.dist_user)
    codes = "\n".join(hri(u) for u in units)
    with django_assert_max_num_queries(20):
        response = client.post(reverse("portal:ship_list"), {"receiver": world.enterprise.pk, "codes": codes,
                                                             "idempotency_key": key()})
    assert response.status_code == 302
    assert Shipment.objects.get(sender=world.distributor).lines.count() == 60


# --- queued commands (offline outbox) --------------------------------------------------------------

def command(client, body: dict, k: str | None = None):
    import json

    headers = {"HTTP_IDEMPOTENCY_KEY": k} if k else {}
    return client.post(reverse("portal:command"), json.dumps(body), content_type="application/json", **headers)


def test_queued_receive_is_applied_once_and_replayed_identically(ent, world):
    first, second = world.units(world.good)[0:2]
    body = {"type": "receive", "shipment": world.incoming.pk, "codes": [hri(first), second.serial]}
    k = str(uuid.uuid4())
    answer = command(ent, body, k)
    assert (answer.status_code, answer.json()) == (200, {"status": "applied", "message": "Received 2 items."})
    events = Event.objects.filter(biz_step="receiving").count()
    again = command(ent, body, k)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (200, answer.json(), "true")
    assert Event.objects.filter(biz_step="receiving").count() == events
    assert [u.status for u in world.units(world.good)[0:3]] == [UnitStatus.IN_STOCK, UnitStatus.IN_STOCK,
                                                                  UnitStatus.IN_TRANSIT]


def test_queued_command_key_rules(ent, world):
    unit = world.units(world.good)[3]
    body = {"type": "issue", "worker": world.worker.pk, "code": hri(unit)}
    before = snapshot(world.good)
    assert command(ent, body).status_code == 400  # no key
    k = str(uuid.uuid4())
    from django.core.cache import cache

    cache.set(f"portal:cmd:{world.ent_user.pk}:{k}", {"state": "running", "fp": "x"}, 60)
    assert command(ent, body, k).status_code == 422  # same key, other payload
    assert snapshot(world.good) == before
    k = str(uuid.uuid4())
    assert command(ent, body, k).json()["status"] == "applied"
    assert command(ent, {**body, "code": unit.serial}, k).status_code == 422


def test_a_refused_queued_command_is_a_stored_result(ent, world):
    custody.recall_open(batches=[world.risky], actor=world.maker, reason="r", hazard="h")
    unit = world.units(world.risky)[0]
    body = {"type": "issue", "worker": world.worker.pk, "code": hri(unit)}
    k = str(uuid.uuid4())
    answer = command(ent, body, k).json()
    assert answer == {"status": "rejected",
                      "message": f"Recalled units cannot be issued: {unit.gtin}/{unit.serial}."}
    assert command(ent, body, k).json() == answer
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.IN_STOCK


def test_queued_commands_are_scoped(client, world):
    client.force_login(world.other_user)
    before = snapshot(world.good)
    answer = command(client, {"type": "receive", "shipment": world.incoming.pk, "codes": [world.units(world.good)[0].serial]},
                     str(uuid.uuid4()))
    assert answer.status_code == 404
    answer = command(client, {"type": "issue", "worker": world.worker.pk, "code": world.units(world.good)[8].serial},
                     str(uuid.uuid4()))
    assert answer.status_code == 404
    assert snapshot(world.good) == before
