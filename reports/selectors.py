"""Reads of reports, comparisons and spot checks: scoping, joins, side-by-side rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from products.models import Batch, ProductModel
from traceability.models import Role

from .models import Comparison, SpotCheckSample, TestReport, TestResult, Verdict

SIGNIFICANT_SHARE_OF_MARGIN = Decimal("0.2")  # |Δ| above 20 % of the reference's margin to the limit
SIGNIFICANT_RELATIVE = Decimal("0.2")         # items without a limit: |Δ| above 20 % of the reference
SIGNIFICANT_MIN_RELATIVE = Decimal("0.05")    # and never below 5 % of the reference (reading scatter)
TYPE_TEST_MAX_AGE_DAYS = 365                  # GB 2811-2019 §6.4 d): a type test at least once a year


def report_scope(user) -> Q:
    """Which reports ``user`` may see (DESIGN §1): staff, regulators, auditors all; a laboratory
    its own reports; a manufacturer the reports on its models; anyone else none. The one place
    the API, the admin and the pages scope reports."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.reads_everything:
        return Q()
    if user.role == Role.LABORATORY and user.organization_id:
        return Q(laboratory__organization_id=user.organization_id)
    if user.role == Role.MANUFACTURER and user.organization_id:
        return Q(product_model__manufacturer_id=user.organization_id)
    return Q(pk__in=[])


def report_list(*, user) -> QuerySet[TestReport]:
    """Reports visible to ``user`` with what a list shows, in one query."""
    return (TestReport.objects.filter(report_scope(user))
            .select_related("laboratory__organization", "product_model", "batch", "standard", "judged_by"))


def report_get(*, user, pk: int) -> TestReport:
    """One visible report with its results; DoesNotExist (a 404) when it is another's."""
    return (report_list(user=user)
            .prefetch_related(Prefetch("results", queryset=TestResult.objects.select_related("spec")))
            .get(pk=pk))


def comparison_list(*, user) -> QuerySet[Comparison]:
    """Comparisons of reports visible to ``user`` (a pair needs both reports visible)."""
    scope = report_scope(user)
    visible = TestReport.objects.filter(scope).values("pk")
    return (Comparison.objects.filter(report__in=visible)
            .filter(Q(other__isnull=True) | Q(other__in=visible))
            .select_related("report", "other").prefetch_related("findings"))


def latest_type_test(product_model: ProductModel, *, before: datetime.date | None = None) -> TestReport | None:
    """The model's last type-test report issued on or before ``before``."""
    qs = TestReport.objects.filter(product_model=product_model, kind=TestReport.Kind.TYPE)
    if before is not None:
        qs = qs.filter(issued_on__lte=before)
    return qs.order_by("-issued_on", "-pk").first()


def batch_latest_report(batch: Batch, *, kinds: tuple[str, ...] | None = None) -> TestReport | None:
    """The batch's most recently issued report (of ``kinds``, default every kind)."""
    qs = TestReport.objects.filter(batch=batch).select_related("laboratory__organization", "standard", "judged_by")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("-issued_on", "-pk").first()


def batch_latest_verdict(batch: Batch) -> dict | None:
    """For the public verification page: the batch's latest report as plain values, or None.

    ``{"number", "kind", "issued_on", "verdict", "verdict_text", "laboratory", "cma_number"}``;
    the verdict is the recomputed one (pass / fail / incomplete), never the lab's own claim.
    """
    report = batch_latest_report(batch)
    if report is None:
        return None
    return {"number": report.number, "kind": report.kind, "issued_on": report.issued_on,
            "verdict": report.verdict, "verdict_text": str(report.verdict_wording),
            "laboratory": report.laboratory.organization.name, "cma_number": report.laboratory.cma_number}


@dataclass
class SideBySideRow:
    """One item of two reports compared: values, verdicts, difference and whether it matters."""

    item_code: str
    name: str
    unit: str
    limit: str
    a_values: list[str]
    b_values: list[str]
    a_mean: Decimal | None
    b_mean: Decimal | None
    a_verdict: str
    b_verdict: str
    difference: Decimal | None
    relative: Decimal | None
    significant: bool
    reason: str

    @property
    def a_failed(self) -> bool:
        return self.a_verdict == Verdict.FAIL

    @property
    def b_failed(self) -> bool:
        return self.b_verdict == Verdict.FAIL


def _worst(verdicts: list[str]) -> str:
    for v in (Verdict.FAIL, Verdict.PASS):
        if v in verdicts:
            return v
    return Verdict.NOT_JUDGED if verdicts else ""


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(Decimal("0.0001")) if values else None


def side_by_side(a: TestReport, b: TestReport) -> list[SideBySideRow]:
    """Every item of report ``a`` beside report ``b`` (``b`` is the reference, e.g. the type test).

    Significant: the verdicts differ, an item is in one report only, or the means differ by more
    than 20 % of the reference's margin to the limit and more than 5 % of the reference (by 20 %
    of the reference for items without a limit).
    """
    results = (TestResult.objects.filter(report_id__in=[a.pk, b.pk]).select_related("spec")
               .order_by("spec__clause", "item_code", "pk"))
    items: dict[str, dict] = {}
    for r in results:
        row = items.setdefault(r.item_code, {"spec": r.spec, a.pk: [], b.pk: [], "va": {a.pk: [], b.pk: []}})
        row["spec"] = row["spec"] or r.spec
        if r.value is not None:
            row[r.report_id].append(r.value)
        elif r.values:
            row[r.report_id].extend(Decimal(str(v)) for v in r.values)
        row["va"][r.report_id].append(r.verdict)
    out = []
    for code, row in items.items():
        spec = row["spec"]
        av, bv = row[a.pk], row[b.pk]
        am, bm = _mean(av), _mean(bv)
        a_ver, b_ver = _worst(row["va"][a.pk]), _worst(row["va"][b.pk])
        diff = rel = None
        significant, reason = False, ""
        if not row["va"][a.pk] or not row["va"][b.pk]:
            significant, reason = True, "only_in_one"
        elif a_ver != b_ver and Verdict.FAIL in (a_ver, b_ver):
            significant, reason = True, "verdict_differs"
        if am is not None and bm is not None:
            diff = am - bm
            rel = (abs(diff) / abs(bm)).quantize(Decimal("0.0001")) if bm else None
            limit = None
            if spec is not None and spec.comparator in ("le", "lt"):
                limit = spec.limit_max
            elif spec is not None and spec.comparator in ("ge", "gt"):
                limit = spec.limit_min
            if not significant:
                if limit is not None and limit != bm:
                    if abs(diff) > SIGNIFICANT_SHARE_OF_MARGIN * abs(limit - bm) and (
                            rel is None or rel > SIGNIFICANT_MIN_RELATIVE):
                        significant, reason = True, "beyond_margin"
                elif rel is not None and rel > SIGNIFICANT_RELATIVE:
                    significant, reason = True, "relative"
        out.append(SideBySideRow(
            item_code=code, name=spec.name if spec else code, unit=spec.unit if spec else "",
            limit=spec.limit_display if spec else "", a_values=[f"{v.normalize():f}" for v in av],
            b_values=[f"{v.normalize():f}" for v in bv], a_mean=am, b_mean=bm, a_verdict=a_ver, b_verdict=b_ver,
            difference=diff, relative=rel, significant=significant, reason=reason))
    return out


def spot_check_samples_public(*, year: int | None = None, category: str | None = None,
                              verdict: str | None = None) -> QuerySet[SpotCheckSample]:
    """Samples of published campaigns, filtered by year, category code and conclusion."""
    qs = (SpotCheckSample.objects.filter(campaign__published_on__isnull=False)
          .exclude(verdict=SpotCheckSample.Verdict.PENDING)
          .select_related("campaign", "category").order_by("-campaign__year", "campaign__title", "seq"))
    if year:
        qs = qs.filter(campaign__year=year)
    if category:
        qs = qs.filter(category__code=category)
    if verdict:
        qs = qs.filter(verdict=verdict)
    return qs
