"""Concurrent commands on PostgreSQL with real threads: exactly one wins, the other gets a conflict."""

from __future__ import annotations

import pytest

from products.models import Holding, Shipment, ShipmentLine, Unit
from products.services.custody import batch_commission_quantity, shipment_create, shipment_ship, unit_commission
from products.services.errors import ConflictError, CustodyError
from traceability.testing import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_shipments_of_the_same_unit(chain):
    unit_commission(batch=chain.batch, count=50, actor=chain.maker)
    units = chain.units()
    one = shipment_create(actor=chain.maker, receiver=chain.distributor, units=units)
    two = shipment_create(actor=chain.maker, receiver=chain.enterprise, units=units[10:20])

    for _attempt in range(3):
        one.refresh_from_db()
        two.refresh_from_db()
        results = race(lambda: shipment_ship(shipment=one, actor=chain.maker),
                        lambda: shipment_ship(shipment=two, actor=chain.maker))
        wins = [r for r in results if isinstance(r, Shipment)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert isinstance(losses[0], CustodyError)
        if isinstance(losses[0], ConflictError):
            break
        # the loser started after the winner committed: a plain state error; race again on fresh drafts
        Unit.objects.filter(batch=chain.batch).update(status="commissioned", destination=None)
        Shipment.objects.all().update(state="draft")
        ShipmentLine.objects.all().update(state="pending")
    assert isinstance(losses[0], ConflictError) and losses[0].code == "conflict"
    winner = wins[0]
    in_transit = Unit.objects.filter(batch=chain.batch, status="in_transit")
    assert in_transit.count() == winner.lines.count()
    assert set(in_transit.values_list("destination", flat=True)) == {winner.receiver_id}
    assert Shipment.objects.filter(state="shipped").count() == 1
    assert Unit.objects.filter(batch=chain.batch).count() == 50


def test_two_concurrent_shipments_overdrawing_a_batch_quantity(chain):
    batch_commission_quantity(batch=chain.batch, quantity=1000, actor=chain.maker)
    one = shipment_create(actor=chain.maker, receiver=chain.distributor, quantities={chain.batch: 700})
    two = shipment_create(actor=chain.maker, receiver=chain.enterprise, quantities={chain.batch: 600})

    results = race(lambda: shipment_ship(shipment=one, actor=chain.maker),
                    lambda: shipment_ship(shipment=two, actor=chain.maker))

    wins = [r for r in results if isinstance(r, Shipment)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], ConflictError)
    assert losses[0].code == "insufficient_quantity"
    shipped = wins[0].lines.get().quantity
    held = Holding.objects.get(batch=chain.batch, holder=chain.maker).quantity
    in_transit = sum(ShipmentLine.objects.filter(state="in_transit").values_list("quantity", flat=True))
    assert (held, in_transit) == (1000 - shipped, shipped)
    chain.batch.refresh_from_db()
    assert chain.batch.quantity == held + in_transit == 1000
