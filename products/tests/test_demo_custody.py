"""The demo world's custody part: written through the services, and idempotent."""

from __future__ import annotations

import pytest
from django.db import transaction

from products import demo as products_demo
from products.models import Batch, Event, Holding, Recall, Shipment, Unit, Worker
from products.services.chain import chain_verify
from traceability import demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _counts() -> dict:
    return {"units": Unit.objects.count(), "events": Event.objects.count(), "shipments": Shipment.objects.count(),
            "workers": Worker.objects.count(), "holdings": Holding.objects.count(), "recalls": Recall.objects.count(),
            "issued": Unit.objects.filter(status="issued").count(),
            "recalled_batches": Batch.objects.filter(release_state="recalled").count()}


def test_seed_twice_gives_the_same_counts():
    with transaction.atomic():
        world = demo.seed_organizations()
    products_demo.seed(world, units=900)
    first = _counts()
    products_demo.seed(world, units=900)
    assert _counts() == first
    assert first["units"] == 900 and first["workers"] == 132 and first["recalls"] == 1
    assert first["issued"] > 0 and first["shipments"] > 20
    assert set(Worker.objects.values_list("post", flat=True)) >= {"采油工", "电工", "焊工", "高处作业工"}
    assert chain_verify().ok
