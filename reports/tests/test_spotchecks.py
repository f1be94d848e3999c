"""Spot-check samples: results from their reports, quarantine flag, comparisons, publication."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from products.models import Batch
from reports.models import Comparison, SpotCheckCampaign, SpotCheckSample
from reports.services import campaign_publish, sample_record_result

from .factories import BatchFactory, CategoryFactory, RegulatorOrgFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db


def make_sample(batch, seq=1, campaign=None):
    campaign = campaign or SpotCheckCampaign.objects.create(year=2025, title="安全帽专项抽查",
                                                            authority=RegulatorOrgFactory())
    return SpotCheckSample.objects.create(
        campaign=campaign, seq=seq, batch=batch, product_model=batch.product_model, category=CategoryFactory(),
        product_name="安全帽", manufacturer_name=batch.product_model.manufacturer.name, sampled_unit="某劳保商店",
        region="110100", sampled_on=datetime.date(2025, 7, 1))


def test_nonconforming_sample_flags_batch_and_compares_the_models_other_reports(django_capture_on_commit_callbacks):
    batch = BatchFactory()
    factory = make_report(batch=batch, results=helmet_results(mass="399"), screen=False)
    spot = make_report(batch=batch, kind="spot_check", results=helmet_results(impact_cold="5210"), screen=False,
                       dates=(datetime.date(2025, 7, 2), datetime.date(2025, 7, 3), datetime.date(2025, 7, 4),
                              datetime.date(2025, 7, 5)))
    sample = make_sample(batch)
    with django_capture_on_commit_callbacks(execute=True):
        sample = sample_record_result(sample=sample, report=spot)
    assert (sample.verdict, sample.nonconforming_items) == ("nonconforming", "冲击吸收性能（低温 −10℃）")
    assert sample.nonconforming_detail == "冲击吸收性能（低温 −10℃）: 5210 (≤ 4900 N)"
    assert sample.batch_flagged is True
    assert Batch.objects.get(pk=batch.pk).release_state == "quarantined"
    started = Comparison.objects.filter(report=factory).order_by("kind")
    assert [(c.kind, c.status, c.other_id) for c in started] == [("pair", "done", spot.pk), ("screen", "done", None)]
    assert "nonconforming spot-check sample" in started[0].reason


def test_conforming_sample_changes_nothing_on_the_batch():
    batch = BatchFactory()
    spot = make_report(batch=batch, kind="spot_check", screen=False)
    sample = sample_record_result(sample=make_sample(batch), report=spot)
    assert sample.verdict == "no_nonconformity" and sample.report_number == spot.number
    assert Batch.objects.get(pk=batch.pk).release_state == "not_released"
    assert Comparison.objects.count() == 0


def test_sample_takes_results_only_from_a_spot_check_report():
    batch = BatchFactory()
    with pytest.raises(ValidationError):
        sample_record_result(sample=make_sample(batch), report=make_report(batch=batch, screen=False))
    assert SpotCheckSample.objects.get().verdict == "pending"


def test_publish_needs_every_result_and_keeps_the_first_date():
    batch = BatchFactory()
    sample = make_sample(batch)
    with pytest.raises(ValidationError):
        campaign_publish(campaign=sample.campaign)
    sample_record_result(sample=sample, report=make_report(batch=batch, kind="spot_check", screen=False))
    campaign = campaign_publish(campaign=sample.campaign)
    assert campaign.published_on is not None
    SpotCheckCampaign.objects.filter(pk=campaign.pk).update(published_on=datetime.date(2020, 1, 1))
    assert campaign_publish(campaign=campaign).published_on == datetime.date(2020, 1, 1)
