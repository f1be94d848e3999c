"""Trace selectors: answers and pinned query counts."""

from __future__ import annotations

import pytest

from products.models import Unit
from products.selectors.trace import batch_affected_holders, batch_trace_downstream, unit_history, unit_trace_upstream
from products.services.custody import (
    batch_commission_quantity,
    recall_open,
    shipment_receive,
    shipment_send,
    unit_inspect,
    unit_issue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def traced(commissioned):
    chain = commissioned
    units = chain.units()
    s1 = shipment_send(actor=chain.maker, receiver=chain.distributor, units=units[:10])
    shipment_receive(shipment=s1, actor=chain.distributor)
    s2 = shipment_send(actor=chain.distributor, receiver=chain.enterprise, units=units[:6])
    shipment_receive(shipment=s2, actor=chain.enterprise)
    shipment_send(actor=chain.distributor, receiver=chain.other, units=units[6:8])  # still in transit
    unit_issue(units=units[:2], worker=chain.worker, actor=chain.enterprise)
    return chain


def test_downstream_tree_and_counts(traced, django_assert_num_queries):
    chain = traced
    with django_assert_num_queries(5):
        trace = batch_trace_downstream(chain.batch)
    root = trace.root
    assert root.organization == chain.maker
    assert (root.received, root.current, root.by_status) == (20, 10, {"commissioned": 10})
    assert [c.organization for c in root.children] == [chain.distributor]
    distributor = root.children[0]
    assert (distributor.received, distributor.current, distributor.in_transit) == (10, 2, 2)
    assert [c.organization for c in distributor.children] == [chain.enterprise]
    enterprise = distributor.children[0]
    assert (enterprise.received, enterprise.current, enterprise.with_workers) == (6, 6, 2)
    assert [n.organization for n in trace.affected] == sorted([chain.maker, chain.distributor, chain.enterprise],
                                                            key=lambda o: o.name)
    assert trace.as_dict()["tree"]["children"][0]["children"][0]["with_workers"] == 2


def test_past_holders_stay_in_the_tree(traced):
    chain = traced
    units = chain.units()
    s3 = shipment_send(actor=chain.enterprise, receiver=chain.distributor, units=units[2:6])
    shipment_receive(shipment=s3, actor=chain.distributor)
    trace = batch_trace_downstream(chain.batch)
    enterprise = trace.holders[chain.enterprise.pk]
    assert (enterprise.received, enterprise.current, enterprise.with_workers) == (6, 2, 2)
    assert trace.holders[chain.distributor.pk].received == 14


def test_affected_holders_with_quantities(traced, django_assert_num_queries):
    chain = traced
    batch_commission_quantity(batch=chain.batch, quantity=50, actor=chain.maker)
    with django_assert_num_queries(2):
        rows = batch_affected_holders(chain.batch)
    assert rows == sorted([(chain.maker.pk, 60, 0), (chain.distributor.pk, 2, 0), (chain.enterprise.pk, 6, 2)])


def test_unit_upstream_and_history(traced, django_assert_num_queries):
    chain = traced
    unit = chain.units()[0]
    unit_inspect(units=[unit], actor=chain.enterprise, passed=True)
    recall_open(batches=[chain.batch], actor=chain.maker, reason="r", hazard="h")
    unit = Unit.objects.select_related("batch").get(pk=unit.pk)
    with django_assert_num_queries(1):
        history = unit_history(unit)
    assert [e.biz_step.rsplit(":", 1)[-1] for e in history] == [
        "commissioning", "shipping", "receiving", "shipping", "receiving", "issuing", "inspecting", "holding"]
    with django_assert_num_queries(4):
        trace = unit_trace_upstream(unit)
    data = trace.as_dict()
    assert data["manufacturer"]["name"] == chain.maker.name
    assert [(c["from"], c["to"], c["state"]) for c in data["custody"]] == [
        (chain.maker.name, chain.distributor.name, "received"), (chain.distributor.name, chain.enterprise.name, "received")]
    assert data["unit"]["recalled"] is True
    assert len(data["history"]) == 8
