"""Batch release (DESIGN §2): a passing factory report and a certificate valid on the production date."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traceability.models import Role

from ..models import Batch, Certificate


def _may_release(user, batch: Batch) -> bool:
    if user is None:
        return False
    if user.is_superuser or user.role == Role.STAFF:
        return True
    return user.role == Role.MANUFACTURER and user.organization_id == batch.product_model.manufacturer_id


def batch_release(*, batch: Batch, user) -> Batch:
    """Release a batch: not_released -> released in one transaction by a conditional update.

    Blocked, with the reason, when the latest factory / batch report's recomputed verdict is
    failing or missing, or when no certificate of the model is valid on the production date.
    Only the model's manufacturer (or platform staff) may release.
    """
    from reports.models import TestReport, Verdict
    from reports.selectors import batch_latest_report

    batch = Batch.objects.select_related("product_model").get(pk=batch.pk)
    if not _may_release(user, batch):
        raise PermissionDenied(_("Only the manufacturer of the model may release its batches."))
    with transaction.atomic():
        if batch.release_state != Batch.ReleaseState.NOT_RELEASED:
            raise ValidationError(_("Batch %(lot)s cannot be released: it is %(state)s.")
                                  % {"lot": batch.lot, "state": batch.get_release_state_display()},
                                  code="invalid_state")
        report = batch_latest_report(batch, kinds=(TestReport.Kind.FACTORY,))
        if report is None:
            raise ValidationError(_("Batch %(lot)s cannot be released: it has no factory test report.")
                                  % {"lot": batch.lot}, code="report_missing")
        if report.verdict != Verdict.PASS:
            detail = ", ".join(report.failed_items or report.missing_items) or report.get_verdict_display()
            raise ValidationError(
                _("Batch %(lot)s cannot be released: factory report %(number)s is %(verdict)s (%(detail)s).")
                % {"lot": batch.lot, "number": report.number, "verdict": report.get_verdict_display(),
                   "detail": detail}, code="report_failing")
        day = batch.production_date
        if not Certificate.objects.filter(product_models=batch.product_model, suspended=False, withdrawn=False,
                                          valid_from__lte=day, valid_until__gte=day).exists():
            raise ValidationError(_("Batch %(lot)s cannot be released: no certificate of model %(model)s is valid "
                                    "on its production date %(day)s.")
                                  % {"lot": batch.lot, "model": batch.product_model.model_number,
                                     "day": day.isoformat()}, code="certificate_invalid")
        updated = Batch.objects.filter(pk=batch.pk, release_state=Batch.ReleaseState.NOT_RELEASED).update(
            release_state=Batch.ReleaseState.RELEASED, released_at=timezone.now())
        if updated != 1:
            raise ValidationError(_("Batch %(lot)s was changed by someone else; try again.") % {"lot": batch.lot},
                                  code="conflict")
    batch.refresh_from_db()
    return batch
