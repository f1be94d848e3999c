"""The demo's reports part: one failing factory report, one copied report flagged with the report
it copies, release blocked for the failing batch, a published campaign; seeding twice is harmless."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from products import demo as products_demo
from products.models import Batch
from products.services.release import batch_release
from reports import demo as reports_demo
from reports.models import Comparison, Finding, Laboratory, SpotCheckCampaign, SpotCheckSample, TestReport
from traceability import demo
from traceability.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _counts():
    return (Laboratory.objects.count(), TestReport.objects.count(), Comparison.objects.count(),
            SpotCheckSample.objects.count())


def test_demo_reports(django_capture_on_commit_callbacks):
    with transaction.atomic():
        world = demo.seed_organizations()
        demo.seed_users(world)
    products_demo.seed(world, units=0)
    with django_capture_on_commit_callbacks(execute=True):
        reports_demo.seed(world, units=0)
    first = _counts()
    assert first[0] == 3 and first[1] == 38 and first[3] == 6
    assert Laboratory.objects.get(organization=world.orgs["L1"]).cma_number == "110012340001"

    failing = TestReport.objects.get(verdict="fail", kind="factory")
    assert failing.failed_items == ["impact_hot"]
    maker = User.objects.get(username="maker")
    with pytest.raises(ValidationError) as err:
        batch_release(batch=failing.batch, user=maker)
    assert err.value.code == "report_failing"
    assert Batch.objects.get(pk=failing.batch_id).release_state == "not_released"

    copies = Finding.objects.filter(code="copied_values").select_related("comparison__report", "related_report")
    pairs = {(f.comparison.report.number, f.related_report.number) for f in copies}
    assert len(pairs) == 2 and {(b, a) for a, b in pairs} == pairs  # each of the two names the other
    a, b = next(iter(pairs))
    assert TestReport.objects.get(number=a).fingerprint == TestReport.objects.get(number=b).fingerprint
    assert TestReport.objects.get(number=a).batch_id != TestReport.objects.get(number=b).batch_id

    campaign = SpotCheckCampaign.objects.get()
    assert campaign.published_on is not None
    bad = SpotCheckSample.objects.get(verdict="nonconforming")
    assert bad.batch_flagged and Batch.objects.get(pk=bad.batch_id).release_state == "quarantined"

    with django_capture_on_commit_callbacks(execute=True):
        reports_demo.seed(world, units=0)
    assert _counts() == first
