"""Release raced on PostgreSQL with real threads: exactly one release wins, the other is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from products.models import Batch
from products.services.release import batch_release
from traceability.models import Role
from traceability.testing import race

from .factories import BatchFactory, CertificateFactory, UserFactory, make_report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _reference_data():
    """A transactional test starts from whatever the previous one's flush left, which drops the
    rows data migrations loaded: load the standards and test items again (the loader upserts)."""
    from importlib import import_module

    from django.apps import apps

    import_module("reports.migrations.0002_reference_data").load(apps, None)


def test_two_concurrent_releases_of_one_batch():
    batch = BatchFactory()
    CertificateFactory(manufacturer=batch.product_model.manufacturer, models=[batch.product_model])
    make_report(batch=batch, screen=False)
    maker = UserFactory(role=Role.MANUFACTURER, organization=batch.product_model.manufacturer)
    results = race(lambda: batch_release(batch=batch, user=maker), lambda: batch_release(batch=batch, user=maker))
    released = [r for r in results if isinstance(r, Batch)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(released) == 1 and len(refused) == 1
    assert refused[0].code in {"conflict", "invalid_state"}
    assert Batch.objects.get(pk=batch.pk).release_state == "released"
