"""Forgery screening of one report against every stored report (set-based, indexed).

Each check is one indexed query whatever the number of stored results: the fingerprint index
finds identical value vectors, the band index (hashes of neighbouring values) finds reports sharing most values,
the report-number index finds reused numbers. The remaining checks read only the report itself.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models import Finding, ResultBand, TestReport, TestResult
from .verdicts import normalise, value_lines


@dataclass
class FindingData:
    """A finding before it is stored: code, severity, message and evidence."""

    code: str
    severity: str
    message: str
    item_code: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    related_report_id: int | None = None


HIGH, MEDIUM, LOW, INFO = (Finding.Severity.HIGH, Finding.Severity.MEDIUM, Finding.Severity.LOW,
                           Finding.Severity.INFO)
SHARED_VALUES_MIN = 5          # fewer shared values than this prove nothing (coarse readings coincide)
SHARED_VALUES_SHARE = 0.8      # share of the new report's values found on another report
FORGERY_CODES = {"copied_values", "shared_values", "number_reused", "tested_before_sampled",
                 "issued_before_tested", "tested_after_expiry", "sampled_before_production",
                 "lab_not_accredited", "lab_out_of_scope", "withdrawn_edition"}


def _other_batch(report: TestReport) -> Q:
    """Reports of another batch (or, for reports without one, of another model)."""
    if report.batch_id:
        return ~Q(batch_id=report.batch_id) | Q(batch__isnull=True)
    return ~Q(product_model_id=report.product_model_id)


def _d(day: datetime.date) -> str:
    return day.isoformat()


def screen_copies(report: TestReport) -> list[FindingData]:
    """The same measured values on reports of other batches: all of them, or most of them."""
    findings: list[FindingData] = []
    if report.fingerprint:
        twins = (TestReport.objects.filter(fingerprint=report.fingerprint).exclude(pk=report.pk)
                 .filter(_other_batch(report)).values("pk", "number", "batch__lot", "laboratory__organization__name")[:20])
        for twin in twins:
            findings.append(FindingData(
                "copied_values", HIGH,
                _("Every measured value equals those of report %(number)s (batch %(lot)s).")
                % {"number": twin["number"], "lot": twin["batch__lot"] or "-"},
                evidence={"fingerprint": report.fingerprint, "copied_report": twin["number"],
                          "copied_report_id": twin["pk"], "copied_batch": twin["batch__lot"]},
                related_report_id=twin["pk"]))
    mine = set(value_lines([(r.item_code, r.sample, r.value, r.values) for r in report.results.all()]))
    my_bands = list(ResultBand.objects.filter(report=report).values_list("band", flat=True))
    if len(mine) >= SHARED_VALUES_MIN and my_bands:
        needed = max(SHARED_VALUES_MIN, math.ceil(len(mine) * SHARED_VALUES_SHARE))
        # k differing values spoil at most k bands: fewer equal bands than this cannot be a copy.
        bands_needed = max(1, len(my_bands) - (len(mine) - needed))
        already = {f.related_report_id for f in findings}
        candidates = [pk for pk in (ResultBand.objects.filter(band__in=my_bands).exclude(report_id=report.pk)
                                    .values("report_id").annotate(n=Count("id")).filter(n__gte=bands_needed)
                                    .order_by("-n").values_list("report_id", flat=True)[:50])
                      if pk not in already]
        theirs: dict[int, list] = {}
        for row in TestResult.objects.filter(report_id__in=candidates).values_list("report_id", "item_code", "sample",
                                                                                  "value", "values"):
            theirs.setdefault(row[0], []).append(row[1:])
        shared = {pk: len(mine & set(value_lines(rows))) for pk, rows in theirs.items()}
        shared = {pk: n for pk, n in shared.items() if n >= needed}
        if shared:
            others = (TestReport.objects.filter(pk__in=list(shared)).filter(_other_batch(report))
                      .values("pk", "number", "batch__lot"))
            for other in others:
                findings.append(FindingData(
                    "shared_values", HIGH,
                    _("%(shared)d of %(total)d measured values equal those of report %(number)s (batch %(lot)s).")
                    % {"shared": shared[other["pk"]], "total": len(mine), "number": other["number"],
                       "lot": other["batch__lot"] or "-"},
                    evidence={"shared": shared[other["pk"]], "total": len(mine), "other_report": other["number"],
                              "other_report_id": other["pk"]},
                    related_report_id=other["pk"]))
    return findings


def screen_number(report: TestReport) -> list[FindingData]:
    """A report number used again with other content, by another lab or for another batch."""
    findings = []
    for other in (TestReport.objects.filter(number=report.number).exclude(pk=report.pk)
                  .select_related("laboratory__organization", "batch")[:20]):
        differs = []
        if other.laboratory_id != report.laboratory_id:
            differs.append("laboratory")
        if other.batch_id != report.batch_id or other.product_model_id != report.product_model_id:
            differs.append("batch")
        if other.fingerprint != report.fingerprint:
            differs.append("values")
        if other.issued_on != report.issued_on:
            differs.append("issue date")
        if differs:
            findings.append(FindingData(
                "number_reused", HIGH,
                _("Report number %(number)s is also used by another report with different %(what)s.")
                % {"number": report.number, "what": ", ".join(differs)},
                evidence={"other_report_id": other.pk, "differs": differs,
                          "other_lab": other.laboratory.organization.name,
                          "other_batch": other.batch.lot if other.batch_id else None},
                related_report_id=other.pk))
    return findings


def screen_dates(report: TestReport) -> list[FindingData]:
    """Impossible dates: tested before sampled, issued before tested, after the batch expired."""
    findings = []
    if report.tested_from < report.sample_received_on:
        findings.append(FindingData("tested_before_sampled", HIGH,
                                    _("Testing started %(t)s, before the sample was received %(s)s.")
                                    % {"t": _d(report.tested_from), "s": _d(report.sample_received_on)},
                                    evidence={"tested_from": _d(report.tested_from),
                                              "sample_received_on": _d(report.sample_received_on)}))
    if report.tested_until < report.tested_from:
        findings.append(FindingData("tested_until_before_from", HIGH,
                                    _("Testing finished %(u)s before it started %(t)s.")
                                    % {"u": _d(report.tested_until), "t": _d(report.tested_from)},
                                    evidence={"tested_from": _d(report.tested_from),
                                              "tested_until": _d(report.tested_until)}))
    if report.issued_on < report.tested_until:
        findings.append(FindingData("issued_before_tested", HIGH,
                                    _("Issued %(i)s, before testing finished %(u)s.")
                                    % {"i": _d(report.issued_on), "u": _d(report.tested_until)},
                                    evidence={"issued_on": _d(report.issued_on),
                                              "tested_until": _d(report.tested_until)}))
    batch = report.batch
    if batch is not None:
        if report.sample_received_on < batch.production_date:
            findings.append(FindingData("sampled_before_production", HIGH,
                                        _("Sample received %(s)s, before batch %(lot)s was produced %(p)s.")
                                        % {"s": _d(report.sample_received_on), "lot": batch.lot,
                                           "p": _d(batch.production_date)},
                                        evidence={"sample_received_on": _d(report.sample_received_on),
                                                  "production_date": _d(batch.production_date)}))
        if batch.expiry_date and report.tested_from > batch.expiry_date:
            findings.append(FindingData("tested_after_expiry", HIGH,
                                        _("Tested %(t)s, after batch %(lot)s expired %(e)s.")
                                        % {"t": _d(report.tested_from), "lot": batch.lot, "e": _d(batch.expiry_date)},
                                        evidence={"tested_from": _d(report.tested_from),
                                                  "expiry_date": _d(batch.expiry_date)}))
    return findings


def screen_laboratory(report: TestReport) -> list[FindingData]:
    """The lab must be accredited on the issue date and hold the standard in its scope."""
    findings = []
    lab = report.laboratory
    if not lab.accredited_on(report.issued_on):
        findings.append(FindingData("lab_not_accredited", HIGH,
                                    _("%(lab)s was not accredited on %(day)s (CMA until %(cma)s, CNAS until %(cnas)s).")
                                    % {"lab": lab.organization.name, "day": _d(report.issued_on),
                                       "cma": _d(lab.cma_valid_until),
                                       "cnas": _d(lab.cnas_valid_until) if lab.cnas_valid_until else "-"},
                                    evidence={"cma_number": lab.cma_number, "cma_valid_until": _d(lab.cma_valid_until),
                                              "issued_on": _d(report.issued_on)}))
    if not lab.scope.filter(pk=report.standard_id).exists():
        findings.append(FindingData("lab_out_of_scope", HIGH,
                                    _("%(std)s is not in the accredited scope of %(lab)s.")
                                    % {"std": report.standard.designation, "lab": lab.organization.name},
                                    evidence={"standard": report.standard.designation,
                                              "scope": list(lab.scope.values_list("designation", flat=True))}))
    return findings


def screen_edition(report: TestReport) -> list[FindingData]:
    """The stated edition must be in force on the production date (or, with no batch, the issue date)."""
    day = report.batch.production_date if report.batch_id else report.issued_on
    std = report.standard
    if std.in_force_on(day):
        return []
    return [FindingData("withdrawn_edition", HIGH if std.withdrawn_on and day >= std.withdrawn_on else MEDIUM,
                        _("%(std)s was not in force on %(day)s (in force %(from)s to %(until)s).")
                        % {"std": std.designation, "day": _d(day), "from": _d(std.effective_from),
                           "until": _d(std.withdrawn_on) if std.withdrawn_on else "-"},
                        evidence={"standard": std.designation, "day": _d(day),
                                  "superseded_by": std.superseded_by.designation if std.superseded_by_id else None})]


def screen_statistics(report: TestReport) -> list[FindingData]:
    """Values sitting exactly at the limit, and repeated measurements with no spread at all."""
    findings = []
    results = list(report.results.select_related("spec").all())
    at_limit = []
    for r in results:
        spec = r.spec
        if spec is None or r.value is None or spec.comparator not in ("le", "ge", "range", "lt", "gt"):
            continue
        if r.value in {b for b in (spec.limit_min, spec.limit_max) if b is not None}:
            at_limit.append({"item": r.item_code, "sample": r.sample, "value": str(r.value)})
    if at_limit:
        findings.append(FindingData("values_at_limit", MEDIUM if len(at_limit) >= 2 else LOW,
                                    _("%(n)d value(s) sit exactly at the limit.") % {"n": len(at_limit)},
                                    evidence={"values": at_limit}))
    by_item: dict[str, list[Decimal]] = {}
    for r in results:
        if r.value is not None:
            by_item.setdefault(r.item_code, []).append(r.value)
        elif r.values and len(r.values) >= 3:
            by_item.setdefault(r.item_code + ":individual", []).extend(Decimal(str(v)) for v in r.values)
    flat = [code for code, vals in by_item.items() if len(vals) >= 3 and len(set(vals)) == 1]
    if flat:
        findings.append(FindingData("no_spread", MEDIUM,
                                    _("Repeated measurements with no spread at all: %(items)s.")
                                    % {"items": ", ".join(flat)},
                                    evidence={"items": {c: normalise(by_item[c][0]) for c in flat}}))
    return findings


def report_screen(report: TestReport) -> list[FindingData]:
    """All forgery screening checks (c) of one report; reads only, writes nothing."""
    report = (TestReport.objects.select_related("laboratory__organization", "batch", "standard__superseded_by")
              .get(pk=report.pk))
    return (screen_copies(report) + screen_number(report) + screen_dates(report) + screen_laboratory(report)
            + screen_edition(report) + screen_statistics(report))
