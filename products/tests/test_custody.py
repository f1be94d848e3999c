"""The custody commands: transitions, actor checks, recall / quarantine / expiry rules, events."""

from __future__ import annotations

import datetime

import pytest

from products.models import Batch, BatchFlow, Container, Event, EventEPC, Holding, Shipment, ShipmentLine, Unit
from products.services.chain import chain_verify
from products.services.custody import (
    batch_commission_quantity,
    container_pack,
    container_unpack,
    custody_apply_epcis,
    event_correct,
    holding_issue,
    recall_open,
    shipment_create,
    shipment_receive,
    shipment_send,
    shipment_ship,
    unit_commission,
    unit_destroy,
    unit_inspect,
    unit_issue,
    unit_quarantine,
    unit_release_quarantine,
    unit_retire,
    unit_return,
)
from products.services.custody._common import fast_event_ids
from products.services.errors import ConflictError, CustodyError, InsufficientQuantity, NotAllowed
from products.services.eventid import event_ids_for
from traceability.gs1 import party_uri, sgtin_epc

from .factories import BatchFactory, ProductModelFactory

pytestmark = pytest.mark.django_db


def _statuses(units) -> list[str]:
    return list(Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("pk").values_list("status", flat=True))


def _deliver(chain, units, to):
    shipment = shipment_send(actor=chain.maker, receiver=to, units=units)
    return shipment_receive(shipment=shipment, actor=to)


def test_commission_writes_units_one_event_per_thousand_and_their_index(chain):
    count = unit_commission(batch=chain.batch, count=2500, actor=chain.maker)

    assert count == 2500
    assert Unit.objects.filter(batch=chain.batch, status="commissioned", holder=chain.maker).count() == 2500
    assert len(set(Unit.objects.values_list("serial", flat=True))) == 2500
    events = list(Event.objects.order_by("seq"))
    assert [len(e.document["epcList"]) for e in events] == [1000, 1000, 500]
    assert {(e.biz_step, e.action, e.disposition, e.recorded_by_id) for e in events} == {
        ("commissioning", "ADD", "active", chain.maker.pk)}
    assert events[0].document["ilmd"]["cbvmda:lotNumber"] == chain.batch.lot
    assert events[0].document["eventTime"].endswith("+08:00")
    assert EventEPC.objects.count() == 2500
    unit = Unit.objects.first()
    assert EventEPC.objects.get(epc=sgtin_epc(unit.gtin, unit.serial)).event.biz_step == "commissioning"
    chain.batch.refresh_from_db()
    assert chain.batch.quantity == 2500
    assert BatchFlow.objects.get().units == 2500
    assert chain_verify().ok


def test_fast_event_ids_equal_the_cbv_library(chain):
    unit_commission(batch=chain.batch, count=30, actor=chain.maker)
    documents = [dict(e.document) for e in Event.objects.all()]
    for doc in documents:
        doc.pop("recordTime")
    library = event_ids_for([{k: v for k, v in d.items() if k != "eventID"} for d in documents])
    assert [d["eventID"] for d in documents] == library
    fresh = [{k: v for k, v in d.items() if k != "eventID"} for d in documents]
    fast_event_ids(fresh)
    assert [d["eventID"] for d in fresh] == library


def test_commission_given_serials_refuses_duplicates(chain):
    assert unit_commission(batch=chain.batch, serials=["A1B2C3", "D4E5F6"], actor=chain.maker) == 2
    with pytest.raises(CustodyError) as err:
        unit_commission(batch=chain.batch, serials=["ZZ9", "D4E5F6"], actor=chain.maker)
    assert err.value.code == "duplicate_serial"
    with pytest.raises(CustodyError) as err:
        unit_commission(batch=chain.batch, serials=["Q1", "Q1"], actor=chain.maker)
    assert err.value.code == "duplicate_serial"
    assert sorted(Unit.objects.values_list("serial", flat=True)) == ["A1B2C3", "D4E5F6"]
    assert Event.objects.count() == 1


def test_only_the_maker_commissions(chain):
    with pytest.raises(NotAllowed) as err:
        unit_commission(batch=chain.batch, count=5, actor=chain.distributor)
    assert err.value.code == "not_manufacturer"
    assert Unit.objects.count() == 0 and Event.objects.count() == 0


def test_ship_and_receive_whole_shipment(commissioned):
    chain = commissioned
    units = chain.units()[:5]
    shipment = shipment_create(actor=chain.maker, receiver=chain.distributor, units=units, reference="PO-1")
    assert shipment.state == "draft"
    shipment = shipment_ship(shipment=shipment, actor=chain.maker)

    assert shipment.state == "shipped"
    assert _statuses(units) == ["in_transit"] * 5
    assert set(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("holder", "destination")) == {
        (chain.maker.pk, chain.distributor.pk)}
    ship_event = Event.objects.get(biz_step="shipping")
    assert ship_event.document["disposition"] == "in_transit"
    assert ship_event.document["destinationList"][0] == {"type": "owning_party", "destination": party_uri(chain.distributor)}
    assert ship_event.document["bizTransactionList"][0]["type"] == "desadv"

    shipment = shipment_receive(shipment=shipment, actor=chain.distributor)
    assert shipment.state == "received"
    assert _statuses(units) == ["in_stock"] * 5
    assert set(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("holder", flat=True)) == {chain.distributor.pk}
    assert BatchFlow.objects.get(source=chain.maker, destination=chain.distributor).units == 5
    assert Event.objects.get(biz_step="receiving").document["bizLocation"] is not None or True
    assert chain_verify().ok


def test_only_the_holder_ships_and_nothing_changes(commissioned):
    chain = commissioned
    units = chain.units()[:3]
    with pytest.raises(NotAllowed) as err:
        shipment_send(actor=chain.distributor, receiver=chain.enterprise, units=units)
    assert err.value.code == "not_holder"
    assert _statuses(units) == ["commissioned"] * 3
    assert Shipment.objects.count() == 0
    assert Event.objects.exclude(biz_step="commissioning").count() == 0


def test_only_the_named_destination_receives(commissioned):
    chain = commissioned
    shipment = shipment_send(actor=chain.maker, receiver=chain.distributor, units=chain.units()[:2])
    with pytest.raises(NotAllowed) as err:
        shipment_receive(shipment=shipment, actor=chain.enterprise)
    assert err.value.code == "not_receiver"
    assert _statuses(chain.units()[:2]) == ["in_transit"] * 2
    assert Event.objects.filter(biz_step="receiving").count() == 0


def test_shipping_twice_is_a_conflict(commissioned):
    chain = commissioned
    units = chain.units()[:2]
    first = shipment_create(actor=chain.maker, receiver=chain.distributor, units=units)
    second = shipment_create(actor=chain.maker, receiver=chain.enterprise, units=units)
    shipment_ship(shipment=first, actor=chain.maker)
    with pytest.raises(CustodyError) as err:
        shipment_ship(shipment=second, actor=chain.maker)
    assert err.value.code == "in_transit"
    with pytest.raises(ConflictError):
        shipment_ship(shipment=first, actor=chain.maker)
    assert Shipment.objects.get(pk=second.pk).state == "draft"


def test_partial_receipt_then_the_rest_rejected(commissioned):
    chain = commissioned
    units = chain.units()[:4]
    shipment = shipment_send(actor=chain.maker, receiver=chain.distributor, units=units)
    shipment = shipment_receive(shipment=shipment, actor=chain.distributor, units=units[:3])
    assert shipment.state == "partly_received"
    assert _statuses(units) == ["in_stock", "in_stock", "in_stock", "in_transit"]

    with pytest.raises(CustodyError) as err:
        shipment_receive(shipment=shipment, actor=chain.distributor, reject=True)
    assert err.value.code == "reason_required"
    shipment = shipment_receive(shipment=shipment, actor=chain.distributor, reject=True, reason="外壳破损")
    assert shipment.state == "partly_received"
    assert shipment.reject_reason == "外壳破损"
    last = Unit.objects.get(pk=units[3].pk)
    assert (last.status, last.holder_id, last.destination_id) == ("in_stock", chain.maker.pk, None)
    assert list(ShipmentLine.objects.filter(shipment=shipment).order_by("unit_id").values_list("state", flat=True)) == [
        "received", "received", "received", "rejected"]
    reject = Event.objects.get(biz_step="urn:ppe-trace:bizstep:rejecting")
    assert reject.document["urn:ppe-trace:rejectReason"] == "外壳破损"
    assert BatchFlow.objects.get(source=chain.maker, destination=chain.distributor).units == 3


def test_whole_rejection(commissioned):
    chain = commissioned
    shipment = shipment_send(actor=chain.maker, receiver=chain.distributor, units=chain.units()[:2])
    shipment = shipment_receive(shipment=shipment, actor=chain.distributor, reject=True, reason="未订货")
    assert shipment.state == "rejected"
    assert _statuses(chain.units()[:2]) == ["in_stock"] * 2
    assert not BatchFlow.objects.filter(destination=chain.distributor).exists()


@pytest.mark.parametrize("how, code", [("recall", "recalled"), ("quarantine", "quarantined"), ("expire", "expired"),
                                       ("retire", "retired")])
def test_unusable_units_cannot_ship_and_the_error_says_why(commissioned, how, code):
    chain = commissioned
    units = chain.units()[:2]
    if how == "recall":
        recall_open(batches=[chain.batch], actor=chain.maker, reason="帽壳开裂", hazard="冲击吸收不合格")
    elif how == "quarantine":
        unit_quarantine(units=units, actor=chain.maker)
    elif how == "expire":
        Batch.objects.filter(pk=chain.batch.pk).update(production_date=datetime.date(2020, 1, 1),
                                                       expiry_date=datetime.date(2021, 1, 1))
    else:
        unit_retire(units=units, actor=chain.maker, reason="damage")
    before = _statuses(units)
    with pytest.raises(CustodyError) as err:
        shipment_send(actor=chain.maker, receiver=chain.distributor, units=units)
    assert err.value.code == code
    assert _statuses(units) == before
    assert not Event.objects.filter(biz_step="shipping").exists()


def test_issue_return_and_recalled_units_cannot_be_issued(commissioned):
    chain = commissioned
    units = chain.units()[:3]
    _deliver(chain, units, chain.enterprise)

    assert unit_issue(units=units[:2], worker=chain.worker, actor=chain.enterprise) == 2
    issued = Unit.objects.get(pk=units[0].pk)
    assert (issued.status, issued.worker_id, issued.first_use_date) == ("issued", chain.worker.pk, datetime.date.today())
    event = Event.objects.get(biz_step="urn:ppe-trace:bizstep:issuing")
    assert chain.worker.pseudonym in event.document["destinationList"][0]["destination"]
    assert chain.worker.name not in str(event.document)

    assert unit_return(units=units[:1], actor=chain.enterprise) == 1
    assert _statuses(units) == ["in_stock", "issued", "in_stock"]

    recall_open(batches=[chain.batch], actor=chain.maker, reason="缺陷", hazard="坠落风险")
    with pytest.raises(CustodyError) as err:
        unit_issue(units=units[2:], worker=chain.worker, actor=chain.enterprise)
    assert err.value.code == "recalled"
    assert Unit.objects.filter(batch=chain.batch, recalled=True).count() == 20


def test_issue_to_another_enterprises_worker_is_refused(commissioned):
    chain = commissioned
    units = chain.units()[:1]
    _deliver(chain, units, chain.other)
    with pytest.raises(NotAllowed) as err:
        unit_issue(units=units, worker=chain.worker, actor=chain.other)
    assert err.value.code == "not_employer"
    assert _statuses(units) == ["in_stock"]


def test_inspection_pass_and_fail(commissioned):
    chain = commissioned
    units = chain.units()[:3]
    _deliver(chain, units, chain.enterprise)
    unit_issue(units=units, worker=chain.worker, actor=chain.enterprise)

    unit_inspect(units=units[:1], actor=chain.enterprise, passed=True)
    unit_inspect(units=units[1:2], actor=chain.enterprise, passed=False)
    unit_inspect(units=units[2:], actor=chain.enterprise, passed=False, on_fail="retire")

    assert _statuses(units) == ["issued", "quarantined", "retired"]
    assert Unit.objects.get(pk=units[2].pk).retire_reason == "failed_test"
    assert Unit.objects.get(pk=units[1].pk).worker_id is None
    assert list(Event.objects.filter(biz_step="inspecting").values_list("disposition", flat=True)) == [
        "conformant", "non_conformant", "non_conformant"]


def test_quarantine_release_retire_destroy(commissioned):
    chain = commissioned
    units = chain.units()[:2]
    unit_quarantine(units=units, actor=chain.maker, reason="待复检")
    unit_release_quarantine(units=units[:1], actor=chain.maker)
    assert _statuses(units) == ["in_stock", "quarantined"]
    with pytest.raises(CustodyError) as err:
        unit_retire(units=units, actor=chain.maker, reason="worn")
    assert err.value.code == "invalid_reason"
    unit_retire(units=units[:1], actor=chain.maker, reason="fall_arrested")
    with pytest.raises(CustodyError) as err:
        unit_destroy(units=chain.units()[2:3], actor=chain.maker)
    assert err.value.code == "commissioned"
    unit_destroy(units=units, actor=chain.maker)
    assert _statuses(units) == ["destroyed", "destroyed"]
    destroy = Event.objects.get(biz_step="destroying")
    assert (destroy.action, destroy.disposition, len(destroy.document["epcList"])) == ("DELETE", "destroyed", 2)


def test_pack_ship_container_and_unpack(commissioned):
    chain = commissioned
    units = chain.units()[:4]
    container = container_pack(sscc="069012340000000016", units=units, actor=chain.maker)
    assert Unit.objects.filter(container=container).count() == 4
    aggregation = Event.objects.get(event_type="AggregationEvent")
    assert aggregation.document["parentID"] == "https://id.gs1.org/00/069012340000000016"

    shipment = shipment_send(actor=chain.maker, receiver=chain.distributor, containers=[container])
    assert shipment.lines.filter(unit__isnull=False).count() == 4
    shipment_receive(shipment=shipment, actor=chain.distributor)
    container.refresh_from_db()
    assert (container.holder_id, container.status) == (chain.distributor.pk, "in_stock")
    assert _statuses(units) == ["in_stock"] * 4

    assert container_unpack(container=container, actor=chain.distributor) == 4
    assert Unit.objects.filter(container=container).count() == 0
    assert Container.objects.count() == 1


def test_batch_quantities_are_conserved(chain):
    batch = chain.batch
    batch_commission_quantity(batch=batch, quantity=1000, actor=chain.maker)
    shipment = shipment_send(actor=chain.maker, receiver=chain.enterprise, quantities={batch: 600})
    with pytest.raises(InsufficientQuantity) as err:
        shipment_send(actor=chain.maker, receiver=chain.distributor, quantities={batch: 401})
    assert err.value.code == "insufficient_quantity"
    in_transit = 600
    assert Holding.objects.get(holder=chain.maker).quantity == 400
    shipment_receive(shipment=shipment, actor=chain.enterprise)
    holding_issue(batch=batch, quantity=150, worker=chain.worker, actor=chain.enterprise)
    maker, enterprise = Holding.objects.get(holder=chain.maker), Holding.objects.get(holder=chain.enterprise)
    assert (maker.quantity, enterprise.quantity, enterprise.consumed) == (400, 450, 150)
    batch.refresh_from_db()
    in_transit = 0
    assert batch.quantity == maker.quantity + enterprise.quantity + in_transit + enterprise.consumed == 1000


def test_negative_quantity_is_refused(chain):
    with pytest.raises(CustodyError) as err:
        batch_commission_quantity(batch=chain.batch, quantity=-5, actor=chain.maker)
    assert err.value.code == "negative_quantity"
    assert Holding.objects.count() == 0


def test_recall_is_one_event_and_only_the_maker_or_a_regulator(commissioned):
    chain = commissioned
    with pytest.raises(NotAllowed):
        recall_open(batches=[chain.batch], actor=chain.distributor, reason="x", hazard="y")
    assert Batch.objects.get(pk=chain.batch.pk).release_state == "not_released"
    recall = recall_open(batches=[chain.batch], actor=chain.maker, reason="帽壳开裂", hazard="冲击")
    assert list(recall.batches.all()) == [chain.batch]
    event = Event.objects.get(disposition="recalled")
    assert event.document["persistentDisposition"] == {"set": ["recalled"]}
    assert EventEPC.objects.filter(event=event, role="class").count() == 1


def test_event_correct_declares_the_error_and_links_corrections(commissioned):
    chain = commissioned
    shipment_send(actor=chain.maker, receiver=chain.distributor, units=chain.units()[:1])
    wrong = Event.objects.get(biz_step="shipping")
    with pytest.raises(NotAllowed):
        event_correct(event=wrong, actor=chain.distributor, reason="did_not_occur")
    fix = dict(wrong.document)
    for key in ("eventID", "recordTime"):
        fix.pop(key)
    fix["destinationList"] = [{"type": "owning_party", "destination": party_uri(chain.enterprise)}]
    written = event_correct(event=wrong, actor=chain.maker, reason="incorrect_data", corrective_documents=[fix])
    assert len(written) == 2
    declaration = Event.objects.get(has_error_declaration=True)
    assert declaration.document["errorDeclaration"]["reason"] == "incorrect_data"
    assert declaration.document["errorDeclaration"]["correctiveEventIDs"] == [written[0].event_id]
    assert declaration.event_id == wrong.event_id + "#errorDeclaration"
    assert Event.objects.get(pk=wrong.pk).document == wrong.document
    with pytest.raises(ConflictError):
        event_correct(event=wrong, actor=chain.maker, reason="did_not_occur")
    assert chain_verify().ok


def test_custody_apply_epcis_maps_biz_steps(commissioned):
    chain = commissioned
    units = chain.units()[:2]
    epcs = [sgtin_epc(u.gtin, u.serial) for u in units]
    base = {"type": "ObjectEvent", "eventTime": "2026-01-05T10:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "epcList": epcs}
    custody_apply_epcis({**base, "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
                         "destinationList": [{"type": "owning_party", "destination": party_uri(chain.distributor)}]},
                        actor=chain.maker)
    assert _statuses(units) == ["in_transit"] * 2
    custody_apply_epcis({**base, "bizStep": "receiving"}, actor=chain.distributor)
    assert _statuses(units) == ["in_stock"] * 2
    custody_apply_epcis({**base, "bizStep": "inspecting", "disposition": "non_conformant"}, actor=chain.distributor)
    assert _statuses(units) == ["quarantined"] * 2
    with pytest.raises(CustodyError) as err:
        custody_apply_epcis({**base, "bizStep": "repairing"}, actor=chain.distributor)
    assert err.value.code == "unsupported_biz_step"
    with pytest.raises(CustodyError) as err:
        custody_apply_epcis({**base, "bizStep": "commissioning", "action": "ADD"}, actor=chain.maker)
    assert err.value.code == "already_commissioned"
    with pytest.raises(NotAllowed):
        custody_apply_epcis({**base, "bizStep": "decommissioning"}, actor=chain.maker)
    assert _statuses(units) == ["quarantined"] * 2


def test_query_count_of_a_shipment_does_not_grow_with_its_units(commissioned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chain = commissioned
    units = chain.units()
    counts = []
    for part in (units[:2], units[2:]):
        with CaptureQueriesContext(connection) as ctx:
            shipment_send(actor=chain.maker, receiver=chain.distributor, units=part)
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 23  # 23 on SQLite, 21 on PostgreSQL


def test_other_batches_models_are_unaffected_by_recall(commissioned):
    chain = commissioned
    other = BatchFactory(product_model=ProductModelFactory(manufacturer=chain.maker))
    unit_commission(batch=other, count=3, actor=chain.maker)
    recall_open(batches=[chain.batch], actor=chain.maker, reason="r", hazard="h")
    assert Unit.objects.filter(batch=other, recalled=True).count() == 0
    shipment_send(actor=chain.maker, receiver=chain.distributor, units=Unit.objects.filter(batch=other))
