"""Batch release: verdict (a) of the latest factory report and a certificate valid on the production date."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from products.models import Batch
from products.services.release import batch_release
from reports.selectors import batch_latest_verdict
from traceability.models import Role

from .factories import BatchFactory, CertificateFactory, UserFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    batch = BatchFactory()
    CertificateFactory(manufacturer=batch.product_model.manufacturer, models=[batch.product_model])
    return batch


@pytest.fixture
def maker(batch):
    return UserFactory(role=Role.MANUFACTURER, organization=batch.product_model.manufacturer)


def state(batch):
    return Batch.objects.values_list("release_state", "released_at").get(pk=batch.pk)


def test_passing_report_and_valid_certificate_release(batch, maker):
    make_report(batch=batch, screen=False)
    released = batch_release(batch=batch, user=maker)
    assert released.release_state == "released" and released.released_at is not None


def test_failing_report_blocks_with_the_failing_item(batch, maker):
    make_report(batch=batch, number="F-1", results=helmet_results(impact_hot="5210"), screen=False)
    with pytest.raises(ValidationError) as err:
        batch_release(batch=batch, user=maker)
    assert err.value.code == "report_failing"
    assert "F-1" in err.value.messages[0] and "impact_hot" in err.value.messages[0]
    assert state(batch) == ("not_released", None)


def test_missing_report_blocks(batch, maker):
    with pytest.raises(ValidationError) as err:
        batch_release(batch=batch, user=maker)
    assert err.value.code == "report_missing"
    assert state(batch) == ("not_released", None)


def test_the_latest_factory_report_counts(batch, maker):
    make_report(batch=batch, results=helmet_results(impact_hot="5210"), screen=False)
    make_report(batch=batch, results=helmet_results(mass="401"), screen=False,
                dates=(datetime.date(2025, 6, 20), datetime.date(2025, 6, 21), datetime.date(2025, 6, 22),
                       datetime.date(2025, 6, 23)))
    assert batch_release(batch=batch, user=maker).release_state == "released"


def test_no_certificate_valid_on_production_date_blocks(maker):
    batch = BatchFactory(product_model__manufacturer=maker.organization)
    CertificateFactory(manufacturer=maker.organization, models=[batch.product_model],
                       valid_from=datetime.date(2025, 7, 1))
    make_report(batch=batch, screen=False)
    with pytest.raises(ValidationError) as err:
        batch_release(batch=batch, user=maker)
    assert err.value.code == "certificate_invalid"
    assert state(batch) == ("not_released", None)


def test_only_the_maker_releases_and_a_second_release_is_refused(batch, maker):
    make_report(batch=batch, screen=False)
    stranger = UserFactory(role=Role.MANUFACTURER, organization=BatchFactory().product_model.manufacturer)
    with pytest.raises(PermissionDenied):
        batch_release(batch=batch, user=stranger)
    assert state(batch) == ("not_released", None)
    batch_release(batch=batch, user=maker)
    with pytest.raises(ValidationError) as err:
        batch_release(batch=batch, user=maker)
    assert err.value.code == "invalid_state"


def test_batch_latest_verdict_for_the_public_page(batch):
    assert batch_latest_verdict(batch) is None
    report = make_report(batch=batch, number="PUB-1", screen=False)
    got = batch_latest_verdict(batch)
    assert {k: got[k] for k in ("number", "kind", "issued_on", "verdict")} == {
        "number": "PUB-1", "kind": "factory", "issued_on": report.issued_on, "verdict": "pass"}
    assert got["laboratory"] == report.laboratory.organization.name
