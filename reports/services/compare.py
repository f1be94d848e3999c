"""Comparison jobs: verdict findings (a), report against report (b), forgery screening (c)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Comparison, Finding, TestReport, Verdict
from ..screening import FORGERY_CODES, HIGH, INFO, MEDIUM, FindingData, report_screen
from ..selectors import TYPE_TEST_MAX_AGE_DAYS, side_by_side


def comparison_start(*, report: TestReport, kind: str, other: TestReport | None = None, user=None,
                     reason: str = "", inline: bool = False) -> Comparison:
    """Create a queued comparison and send its task once the surrounding transaction commits
    (``inline``: run it in this process after the commit instead, as the demo loader does)."""
    if kind not in Comparison.Kind.values:
        raise ValidationError({"kind": _("Unknown comparison kind %(kind)r.") % {"kind": kind}})
    if kind != Comparison.Kind.SCREEN and other is None:
        raise ValidationError({"other": _("A side-by-side comparison needs a second report.")})
    if other is not None and other.pk == report.pk:
        raise ValidationError({"other": _("A report cannot be compared with itself.")})
    from ..tasks import comparison_run_task

    with transaction.atomic():
        comparison = Comparison.objects.create(
            kind=kind, report=report, other=other, reason=str(reason)[:200],
            created_by=user if getattr(user, "pk", None) else None)
        if inline:
            pk = comparison.pk
            transaction.on_commit(lambda: comparison_run(pk))
        else:
            comparison_run_task.delay_on_commit(comparison.pk)
    return comparison


def verdict_findings(report: TestReport) -> list[FindingData]:
    """Verdict (a) as findings: every failing result, every missing required item, and a stated
    conclusion that the recomputed verdict contradicts."""
    findings = []
    for r in report.results.select_related("spec").filter(verdict=Verdict.FAIL):
        shown = f"{r.value.normalize():f}" if r.value is not None else (",".join(r.values) if r.values else _("fail"))
        findings.append(FindingData(
            "item_fail", HIGH,
            _("%(item)s%(sample)s: %(value)s outside %(limit)s.")
            % {"item": r.spec.name if r.spec else r.item_code, "sample": f" {r.sample}" if r.sample else "", "value": shown,
               "limit": r.limit_applied},
            item_code=r.item_code,
            evidence={"result_id": r.pk, "sample": r.sample, "value": shown, "limit": r.limit_applied,
                      "clause": r.spec.clause if r.spec else ""}))
    for code in report.missing_items:
        findings.append(FindingData("required_missing", HIGH,
                                    _("Required item %(item)s is missing from the report.") % {"item": code},
                                    item_code=code,
                                    evidence={"edition": report.judged_by.designation if report.judged_by else ""}))
    stated = report.stated_conclusion
    if stated and ((stated == "pass") != (report.verdict == Verdict.PASS)):
        findings.append(FindingData("conclusion_mismatch", HIGH,
                                    _("The report states %(stated)s; the results give %(verdict)s.")
                                    % {"stated": report.get_stated_conclusion_display(),
                                       "verdict": report.get_verdict_display()},
                                    evidence={"stated": stated, "recomputed": report.verdict}))
    return findings


def pair_findings(comparison: Comparison) -> list[FindingData]:
    """Report against report (b): one finding per significant difference; for a factory report
    against the last type test, "type test due" when any difference is significant or the type
    test is older than a year."""
    a, b = comparison.report, comparison.other
    findings = []
    for row in side_by_side(a, b):
        if not row.significant:
            continue
        findings.append(FindingData(
            "difference", MEDIUM,
            _("%(item)s: %(a)s against %(b)s (%(reason)s).")
            % {"item": row.name, "a": row.a_mean if row.a_mean is not None else row.a_verdict or "-",
               "b": row.b_mean if row.b_mean is not None else row.b_verdict or "-", "reason": row.reason},
            item_code=row.item_code,
            evidence={"a_mean": str(row.a_mean) if row.a_mean is not None else None,
                      "b_mean": str(row.b_mean) if row.b_mean is not None else None,
                      "difference": str(row.difference) if row.difference is not None else None,
                      "relative": str(row.relative) if row.relative is not None else None,
                      "a_verdict": row.a_verdict, "b_verdict": row.b_verdict, "limit": row.limit,
                      "reason": row.reason},
            related_report_id=b.pk))
    if comparison.kind == Comparison.Kind.FACTORY_VS_TYPE:
        age = (a.issued_on - b.issued_on).days
        reasons = []
        if findings:
            reasons.append(_("factory results differ significantly from the last type test"))
        if age > TYPE_TEST_MAX_AGE_DAYS:
            reasons.append(_("the last type test is %(days)d days old") % {"days": age})
        if reasons:
            findings.append(FindingData("type_test_due", MEDIUM, _("Type test due: %(why)s.") % {"why": "; ".join(reasons)},
                                        evidence={"type_test": b.number, "type_test_issued_on": b.issued_on.isoformat(),
                                                  "differences": len(findings)},
                                        related_report_id=b.pk))
    return findings


def _outcome(report: TestReport, findings: list[FindingData]) -> str:
    codes = {f.code for f in findings}
    if codes & FORGERY_CODES:
        return Comparison.Outcome.SUSPECTED_FORGERY
    if report.verdict in (Verdict.FAIL, Verdict.INCOMPLETE):
        return Comparison.Outcome.NONCONFORMING
    if "type_test_due" in codes:
        return Comparison.Outcome.TYPE_TEST_DUE
    return Comparison.Outcome.OK


def comparison_run(comparison_id: int) -> Comparison | None:
    """Run a comparison. Claimed by a conditional update (queued or running, so a redelivered
    message resumes a job whose worker died); its findings are replaced as a whole, so running
    it twice leaves the same findings. Returns None when it was already done."""
    claimed = (Comparison.objects.filter(pk=comparison_id, status__in=[Comparison.Status.QUEUED,
                                                                       Comparison.Status.RUNNING])
               .update(status=Comparison.Status.RUNNING))
    if not claimed:
        return None
    comparison = Comparison.objects.select_related("report", "other").get(pk=comparison_id)
    report = comparison.report
    steps: list = [lambda: verdict_findings(report)]
    if comparison.kind == Comparison.Kind.SCREEN:
        steps.append(lambda: report_screen(report))
    else:
        steps.append(lambda: pair_findings(comparison))
    Comparison.objects.filter(pk=comparison_id).update(total=len(steps), done=0)
    findings: list[FindingData] = []
    for done, step in enumerate(steps, start=1):
        findings.extend(step())
        Comparison.objects.filter(pk=comparison_id).update(done=done)
    with transaction.atomic():
        Finding.objects.filter(comparison_id=comparison_id).delete()
        Finding.objects.bulk_create([
            Finding(comparison_id=comparison_id, code=f.code, severity=f.severity, item_code=f.item_code[:60],
                    message=str(f.message)[:300], evidence=f.evidence, related_report_id=f.related_report_id)
            for f in findings])
        if not findings:
            Finding.objects.create(comparison_id=comparison_id, code="no_findings", severity=INFO,
                                   message=_("No findings."))
        Comparison.objects.filter(pk=comparison_id).update(
            status=Comparison.Status.DONE, outcome=_outcome(report, findings), finished_at=timezone.now())
    comparison.refresh_from_db()
    return comparison


def comparison_fail(comparison_id: int, error: str) -> None:
    """Mark a comparison failed (the task's last resort after retries)."""
    Comparison.objects.filter(pk=comparison_id).exclude(status=Comparison.Status.DONE).update(
        status=Comparison.Status.FAILED, outcome="", finished_at=timezone.now(), reason=error[:200])


def today() -> datetime.date:
    return timezone.localdate()
