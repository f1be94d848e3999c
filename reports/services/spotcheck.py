"""Spot checks: recording a sample's result, flagging its batch, publishing a campaign."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Batch

from ..models import SpotCheckCampaign, SpotCheckSample, TestReport, Verdict


def batch_flag_quarantine(*, batch: Batch) -> bool:
    """Flag a batch for quarantine after a nonconforming spot check: a conditional update from any
    state but recalled (a recall already keeps it out of circulation). Units are quarantined by
    the custody service; this only marks the batch. True when the state changed."""
    return bool(Batch.objects.filter(pk=batch.pk)
                .exclude(release_state__in=[Batch.ReleaseState.QUARANTINED, Batch.ReleaseState.RECALLED])
                .update(release_state=Batch.ReleaseState.QUARANTINED))


def sample_record_result(*, sample: SpotCheckSample, report: TestReport, user=None,
                         inline: bool = False) -> SpotCheckSample:
    """Take a sample's published result from its (judged) spot-check report.

    Nonconforming: the sample's batch is flagged for quarantine and, after commit, every other
    report of the model is compared (screened, and factory reports against the spot check)."""
    if report.kind != TestReport.Kind.SPOT_CHECK:
        raise ValidationError({"report": _("A spot-check sample takes its result from a spot-check report.")})
    if sample.product_model_id and report.product_model_id != sample.product_model_id:
        raise ValidationError({"report": _("The report is about another product model than the sample.")})
    if report.verdict not in (Verdict.PASS, Verdict.FAIL, Verdict.INCOMPLETE):
        raise ValidationError({"report": _("The report has not been judged yet.")})
    nonconforming = report.verdict != Verdict.PASS
    with transaction.atomic():
        sample = SpotCheckSample.objects.select_for_update().get(pk=sample.pk)
        sample.report = report
        sample.product_model_id = sample.product_model_id or report.product_model_id
        sample.batch_id = sample.batch_id or report.batch_id
        sample.report_number = report.number
        sample.laboratory_name = report.laboratory.organization.name
        if nonconforming:
            items = list(report.failed_items) + list(report.missing_items)
            names = dict(report.results.filter(item_code__in=items, spec__isnull=False)
                         .values_list("item_code", "spec__name"))
            sample.verdict = SpotCheckSample.Verdict.NONCONFORMING
            sample.nonconforming_items = "; ".join(names.get(c, c) for c in items)[:300] or _("incomplete report")
            detail = [f"{names.get(r.item_code, r.item_code)}{' ' + r.sample if r.sample else ''}: "
                      f"{r.value.normalize():f} ({r.limit_applied})"
                      for r in report.results.filter(verdict=Verdict.FAIL, value__isnull=False)]
            sample.nonconforming_detail = "; ".join(detail)[:300]
        else:
            sample.verdict = SpotCheckSample.Verdict.NO_NONCONFORMITY
            sample.nonconforming_items = sample.nonconforming_detail = ""
        sample.save()
        if nonconforming:
            if sample.batch_id:
                batch_flag_quarantine(batch=sample.batch)
                SpotCheckSample.objects.filter(pk=sample.pk).update(batch_flagged=True)
                sample.batch_flagged = True
            from .compare import comparison_start

            reason = _("nonconforming spot-check sample %(campaign)s #%(seq)d") % {
                "campaign": sample.campaign.title, "seq": sample.seq}
            others = TestReport.objects.filter(product_model_id=report.product_model_id).exclude(pk=report.pk)
            for other in others:
                comparison_start(report=other, kind="screen", user=user, reason=reason, inline=inline)
                if other.kind == TestReport.Kind.FACTORY:
                    comparison_start(report=other, other=report, kind="pair", user=user, reason=reason, inline=inline)
    return sample


def campaign_publish(*, campaign: SpotCheckCampaign, user=None) -> SpotCheckCampaign:
    """Publish a campaign's results (once; the date of first publication is kept). Refused while a
    sample still waits for its result."""
    with transaction.atomic():
        if campaign.samples.filter(verdict=SpotCheckSample.Verdict.PENDING).exists():
            raise ValidationError(_("Every sample needs its result before the campaign is published."))
        SpotCheckCampaign.objects.filter(pk=campaign.pk, published_on__isnull=True).update(
            published_on=timezone.localdate())
    campaign.refresh_from_db()
    return campaign
