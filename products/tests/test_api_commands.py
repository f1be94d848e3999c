"""Custody commands and traces through the API: they call the services, scope every id, and
answer with problems (400 with field errors, 403, 404, 409) that change nothing."""

from __future__ import annotations

from products.models import Batch, Event, Shipment, Unit, UnitStatus
from products.tests.test_api_world import World, world_fixture  # noqa: F401 (fixture)


def state(world: World, key: str) -> tuple:
    unit = Unit.objects.get(pk=world.units[key].pk)
    return unit.status, unit.holder_id, unit.destination_id, unit.worker_id


def test_distributor_ships_its_unit_and_the_enterprise_receives_it(world: World):
    unit = world.units["D1"]
    events_before = Event.objects.count()

    shipped = world.client("distributor").post(
        "/api/v1/units/ship/", {"receiver": world.orgs["E1"].pk, "units": [unit.pk], "reference": "PO-1"},
        format="json")

    assert shipped.status_code == 201
    body = shipped.json()
    assert (body["state"], body["sender"]["id"], body["receiver"]["id"], body["unit_lines"], body["reference"]) == (
        "shipped", world.orgs["D1"].pk, world.orgs["E1"].pk, 1, "PO-1")
    assert state(world, "D1") == ("in_transit", world.orgs["D1"].pk, world.orgs["E1"].pk, None)
    received = world.client("enterprise").post(f"/api/v1/shipments/{body['id']}/receive/", {}, format="json")
    assert received.status_code == 200
    assert received.json()["state"] == "received"
    assert state(world, "D1") == ("in_stock", world.orgs["E1"].pk, None, None)
    assert Event.objects.count() == events_before + 2


def test_shipping_a_foreign_unit_answers_404_and_changes_nothing(world: World):
    before = state(world, "D2")

    response = world.client("distributor").post(
        "/api/v1/units/ship/", {"receiver": world.orgs["E1"].pk, "units": [world.units["D2"].pk]}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == f"units: not found: {world.units['D2'].pk}"
    assert state(world, "D2") == before
    assert Shipment.objects.count() == 2


def test_shipping_twice_is_refused_with_the_reason(world: World):
    client = world.client("distributor")
    payload = {"receiver": world.orgs["E1"].pk, "units": [world.units["D1"].pk]}
    assert client.post("/api/v1/units/ship/", payload, format="json").status_code == 201

    again = client.post("/api/v1/units/ship/", payload, format="json")

    assert again.status_code == 400
    [message] = again.json()["errors"]["units"]
    assert f"{world.units['D1'].gtin}/{world.units['D1'].serial}" in message  # names the unit, in any language
    assert Shipment.objects.count() == 3


def test_the_wrong_receiver_is_refused(world: World):
    shipment = world.shipments["M1->D1"]

    response = world.client("enterprise").post(f"/api/v1/shipments/{shipment.pk}/receive/", {}, format="json")

    assert response.status_code == 404
    shipment.refresh_from_db()
    assert shipment.state == "shipped"


def test_reject_needs_a_reason(world: World):
    shipment = world.shipments["M1->D1"]

    response = world.client("distributor").post(f"/api/v1/shipments/{shipment.pk}/receive/", {"reject": True},
                                                format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["Say why the shipment is rejected."]}


def test_enterprise_issues_inspects_retires_and_destroys(world: World):
    client = world.client("enterprise")
    unit = world.units["E1"]  # issued to worker E1
    assert client.post("/api/v1/units/return/", {"units": [unit.pk]}, format="json").json() == {"count": 1}
    assert state(world, "E1")[0] == "in_stock"

    issued = client.post("/api/v1/units/issue/", {"units": [unit.pk], "worker": world.workers["E1"].pk}, format="json")
    assert issued.json() == {"count": 1}
    assert state(world, "E1") == ("issued", world.orgs["E1"].pk, None, world.workers["E1"].pk)
    inspected = client.post("/api/v1/units/inspect/", {"units": [unit.pk], "passed": False}, format="json")
    assert inspected.json() == {"count": 1}
    assert state(world, "E1")[0] == "quarantined"
    assert client.post("/api/v1/units/retire/", {"units": [unit.pk], "reason": "impact"},
                       format="json").json() == {"count": 1}
    assert client.post("/api/v1/units/destroy/", {"units": [unit.pk]}, format="json").json() == {"count": 1}
    assert state(world, "E1")[0] == UnitStatus.DESTROYED


def test_issue_to_another_enterprises_worker_is_404(world: World):
    response = world.client("enterprise").post(
        "/api/v1/units/issue/", {"units": [world.units["E1"].pk], "worker": world.workers["E2"].pk}, format="json")

    assert response.status_code == 404
    assert state(world, "E1")[3] == world.workers["E1"].pk


def test_auditor_writes_nothing(world: World):
    before = state(world, "D1")

    response = world.client("auditor").post(
        "/api/v1/units/quarantine/", {"units": [world.units["D1"].pk]}, format="json")

    assert response.status_code == 403
    assert response.json()["title"]
    assert state(world, "D1") == before


def test_manufacturer_commissions_its_batch_and_only_its_batch(world: World):
    client = world.client("manufacturer")

    response = client.post(f"/api/v1/batches/{world.batches['M1'].pk}/commission/", {"count": 5}, format="json")

    assert response.status_code == 201
    assert response.json()["count"] == 5
    assert Unit.objects.filter(batch=world.batches["M1"], holder=world.orgs["M1"], status="commissioned").count() == 5
    foreign = client.post(f"/api/v1/batches/{world.batches['M2'].pk}/commission/", {"count": 5}, format="json")
    assert foreign.status_code == 404
    assert Unit.objects.filter(batch=world.batches["M2"]).count() == 4


def test_commission_input_needs_exactly_one_way(world: World):
    response = world.client("manufacturer").post(
        f"/api/v1/batches/{world.batches['M1'].pk}/commission/", {"count": 2, "quantity": 5}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"count": ["Give exactly one of count, serials or quantity."]}


def test_correct_appends_an_error_declaration(world: World):
    event = world.events["M1"]

    response = world.client("manufacturer").post(f"/api/v1/events/{event.seq}/correct/",
                                                 {"reason": "incorrect_data"}, format="json")

    assert response.status_code == 201
    assert response.json() == {"appended": [f"{event.event_id}#errorDeclaration"]}
    again = world.client("manufacturer").post(f"/api/v1/events/{event.seq}/correct/",
                                              {"reason": "incorrect_data"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_declared"
    assert Event.objects.filter(has_error_declaration=True).count() == 1


# --- traces ----------------------------------------------------------------------------------
def test_auditor_follows_a_batch_downstream(world: World):
    world.client("distributor").post("/api/v1/units/ship/", {"receiver": world.orgs["E1"].pk,
                                                             "units": [world.units["D1"].pk]}, format="json")
    shipment = Shipment.objects.get(sender=world.orgs["D1"])
    world.client("enterprise").post(f"/api/v1/shipments/{shipment.pk}/receive/", {}, format="json")

    response = world.client("auditor").get(f"/api/v1/batches/{world.batches['M1'].pk}/trace/",
                                           {"direction": "downstream"})

    assert response.status_code == 200
    body = response.json()
    assert body["direction"] == "downstream"
    assert body["batch"] == {"id": world.batches["M1"].pk, "lot": "LM1", "gtin": world.models["M1"].gtin}
    # D1 still holds 100 of the batch as a quantity; E1 holds the unit now.
    assert [row["organization_id"] for row in body["affected"]] == [world.orgs["D1"].pk, world.orgs["E1"].pk]


def test_upstream_trace_of_a_batch(world: World):
    response = world.client("distributor").get(f"/api/v1/batches/{world.batches['M1'].pk}/trace/",
                                               {"direction": "upstream"})

    body = response.json()
    assert body["manufacturer"] == {"id": world.orgs["M1"].pk, "name": "M1 测试单位"}
    assert body["certificates"] == [{"kind": "production_licence", "number": "XK-M1",
                                     "valid_until": body["certificates"][0]["valid_until"],
                                     "valid_on_production_date": True}]


def test_downstream_trace_is_for_the_maker_and_read_everything_roles_only(world: World):
    url = f"/api/v1/batches/{world.batches['M1'].pk}/trace/?direction=downstream"

    assert world.client("distributor").get(url).status_code == 403
    assert world.client("manufacturer").get(url).status_code == 200
    assert world.client("manufacturer").get(
        f"/api/v1/batches/{world.batches['M2'].pk}/trace/?direction=downstream").status_code == 404
    sideways = world.client("auditor").get(f"/api/v1/batches/{world.batches['M1'].pk}/trace/?direction=sideways")
    assert sideways.json()["errors"] == {"direction": ["Say direction=downstream or direction=upstream."]}


def test_unit_history_and_upstream_trace(world: World):
    unit = world.units["D1"]
    client = world.client("distributor")

    history = client.get(f"/api/v1/units/{unit.pk}/history/")
    trace = client.get(f"/api/v1/units/{unit.pk}/trace/")

    assert history.status_code == 200
    assert history.json()["unit"]["serial"] == unit.serial
    assert [e["seq"] for e in history.json()["events"]] == [world.events["D1"].seq]
    assert trace.json()["batch"]["lot"] == "LM1"
    assert [e["seq"] for e in trace.json()["history"]] == [world.events["D1"].seq]
    assert client.get(f"/api/v1/units/{world.units['D2'].pk}/history/").status_code == 404


def test_chain_verification_reports_tampering(world: World):
    client = world.client("auditor")
    assert client.get("/api/v1/audit/verify/").json() == {"ok": True, "checked": 4, "head_seq": 4,
                                                          "first_broken_seq": None, "reason": ""}

    Event.objects.filter(seq=2).update(biz_step="tampered", document={"tampered": True})

    body = client.get("/api/v1/audit/verify/").json()
    assert (body["ok"], body["first_broken_seq"]) == (False, 2)
    assert world.client("distributor").get("/api/v1/audit/verify/").status_code == 403


def test_batch_quantity_lines_must_be_held(world: World):
    response = world.client("distributor").post(
        "/api/v1/units/ship/", {"receiver": world.orgs["E1"].pk, "quantities": [{"batch": world.batches["M2"].pk,
                                                                                 "quantity": 3}]}, format="json")

    assert response.status_code == 404
    assert Batch.objects.get(pk=world.batches["M2"].pk).quantity == 10


def test_release_says_why_a_batch_cannot_be_released(world: World):
    batch = Batch.objects.create(product_model=world.models["M1"], lot="NEW1", quantity=0,
                                 production_date=world.batches["M1"].production_date)

    response = world.client("manufacturer").post(f"/api/v1/batches/{batch.pk}/release/")

    assert response.status_code == 400
    assert response.json()["code"] == "report_missing"
    batch.refresh_from_db()
    assert batch.release_state == "not_released"
    assert world.client("manufacturer").post(f"/api/v1/batches/{world.batches['M2'].pk}/release/").status_code == 404
    assert world.client("auditor").post(f"/api/v1/batches/{batch.pk}/release/").status_code == 403


def test_regulator_recalls_a_batch_and_every_unit_is_marked(world: World):
    response = world.client("regulator").post(f"/api/v1/batches/{world.batches['M2'].pk}/recall/",
                                              {"reason": "抽检不合格", "hazard": "冲击吸收不足"}, format="json")

    assert response.status_code == 201
    assert response.json()["batch"]["release_state"] == "recalled"
    assert set(Unit.objects.filter(batch=world.batches["M2"]).values_list("recalled", flat=True)) == {True}


def test_a_manufacturer_cannot_recall_another_makers_batch(world: World):
    response = world.client("manufacturer").post(f"/api/v1/batches/{world.batches['M2'].pk}/recall/",
                                                 {"reason": "x", "hazard": "y"}, format="json")

    assert response.status_code == 404
    assert Batch.objects.get(pk=world.batches["M2"].pk).release_state == "released"
    assert world.client("auditor").post(f"/api/v1/batches/{world.batches['M2'].pk}/recall/",
                                        {"reason": "x", "hazard": "y"}, format="json").status_code == 403


def test_pack_and_unpack_a_carton(world: World):
    client = world.client("distributor")
    unit = world.units["D1"]

    packed = client.post("/api/v1/containers/pack/", {"sscc": "069099990000000999", "units": [unit.pk]},
                         format="json")

    assert packed.status_code == 201
    assert (packed.json()["sscc"], packed.json()["unit_count"], packed.json()["holder"]["id"]) == (
        "069099990000000999", 1, world.orgs["D1"].pk)
    assert Unit.objects.get(pk=unit.pk).container.sscc == "069099990000000999"
    unpacked = client.post(f"/api/v1/containers/{packed.json()['id']}/unpack/", {}, format="json")
    assert unpacked.json() == {"count": 1}
    assert Unit.objects.get(pk=unit.pk).container is None
    foreign = client.post(f"/api/v1/containers/{world.containers['D2'].pk}/unpack/", {}, format="json")
    assert foreign.status_code == 404


def test_quarantine_and_release(world: World):
    client = world.client("distributor")
    unit = world.units["D1"]

    assert client.post("/api/v1/units/quarantine/", {"units": [unit.pk], "reason": "受潮"},
                       format="json").json() == {"count": 1}
    assert state(world, "D1")[0] == "quarantined"
    assert client.post("/api/v1/units/release-quarantine/", {"units": [unit.pk]}, format="json").json() == {"count": 1}
    assert state(world, "D1")[0] == "in_stock"
