"""Forgery screening (c) and report-against-report comparison (b): one test per rule."""

import datetime

import pytest

from reports.models import Comparison, Standard
from reports.screening import report_screen
from reports.services import comparison_run, comparison_start

from .factories import BatchFactory, LaboratoryFactory, ProductModelFactory, helmet_results, make_report

pytestmark = pytest.mark.django_db

D = datetime.date


def codes(report):
    return sorted(f.code for f in report_screen(report))


def test_clean_report_has_no_findings():
    assert codes(make_report(screen=False)) == []


def test_identical_values_on_another_batch_are_flagged_with_the_copied_report():
    model = ProductModelFactory()
    original = make_report(batch=BatchFactory(product_model=model), screen=False)
    copy = make_report(batch=BatchFactory(product_model=model), screen=False)
    findings = report_screen(copy)
    assert [(f.code, f.severity, f.related_report_id) for f in findings] == [("copied_values", "high", original.pk)]
    assert findings[0].evidence["copied_report"] == original.number


def test_most_values_shared_with_another_batch_are_flagged():
    model = ProductModelFactory()
    original = make_report(batch=BatchFactory(product_model=model), screen=False)
    partial = make_report(batch=BatchFactory(product_model=model), results=helmet_results(mass="401"), screen=False)
    findings = report_screen(partial)
    assert [(f.code, f.related_report_id, f.evidence["shared"], f.evidence["total"]) for f in findings] == [
        ("shared_values", original.pk, 8, 9)]


def test_same_values_on_the_same_batch_are_not_a_copy():
    batch = BatchFactory()
    make_report(batch=batch, screen=False)
    assert codes(make_report(batch=batch, screen=False)) == []


def test_report_number_reused_with_other_content():
    first = make_report(number="NO-1", screen=False)
    second = make_report(number="NO-1", results=helmet_results(mass="401", chin_strap="190", impact_uv="4000"),
                         screen=False)
    findings = [f for f in report_screen(second) if f.code == "number_reused"]
    assert len(findings) == 1
    assert findings[0].related_report_id == first.pk
    assert findings[0].evidence["differs"] == ["laboratory", "batch", "values"]


def test_impossible_dates():
    batch = BatchFactory(production_date=D(2025, 6, 1), expiry_date=D(2025, 12, 1))
    tested_before_sampled = make_report(batch=batch, results=helmet_results(mass="401", chin_strap="171"),
        dates=(D(2025, 6, 10), D(2025, 6, 9), D(2025, 6, 11), D(2025, 6, 12)),
                                        screen=False)
    assert codes(tested_before_sampled) == ["tested_before_sampled"]
    issued_before_tested = make_report(batch=BatchFactory(), results=helmet_results(mass="402", chin_strap="172"),
        dates=(D(2025, 6, 5), D(2025, 6, 6), D(2025, 6, 9), D(2025, 6, 8)),
                                       screen=False)
    assert codes(issued_before_tested) == ["issued_before_tested"]
    after_expiry = make_report(batch=BatchFactory(production_date=D(2025, 6, 1), expiry_date=D(2025, 7, 1)),
                               results=helmet_results(mass="403", chin_strap="173"),
                               dates=(D(2025, 6, 5), D(2025, 7, 2), D(2025, 7, 3), D(2025, 7, 4)), screen=False)
    assert codes(after_expiry) == ["tested_after_expiry"]
    before_production = make_report(batch=BatchFactory(), results=helmet_results(mass="404", chin_strap="174"),
        dates=(D(2025, 5, 5), D(2025, 6, 6), D(2025, 6, 7), D(2025, 6, 8)),
                                    screen=False)
    assert codes(before_production) == ["sampled_before_production"]


def test_lab_outside_accreditation_and_scope():
    expired = LaboratoryFactory(cma_valid_until=D(2025, 1, 1))
    assert codes(make_report(lab=expired, screen=False)) == ["lab_not_accredited"]
    narrow = LaboratoryFactory(scope=[Standard.objects.get(designation="GB 2626-2019")])
    finding = [f for f in report_screen(make_report(lab=narrow, screen=False)) if f.code == "lab_out_of_scope"][0]
    assert finding.evidence == {"standard": "GB 2811-2019", "scope": ["GB 2626-2019"]}


def test_withdrawn_edition_for_the_production_date():
    report = make_report(standard="GB 2811-2007", screen=False)  # batch made 2025-06-01
    finding = [f for f in report_screen(report) if f.code == "withdrawn_edition"][0]
    assert finding.severity == "high"
    assert finding.evidence["superseded_by"] == "GB 2811-2019"


def test_values_exactly_at_the_limit_and_no_spread():
    at_limit = make_report(results=helmet_results(impact_hot="4900", mass="430"), screen=False)
    finding = [f for f in report_screen(at_limit) if f.code == "values_at_limit"][0]
    assert finding.severity == "medium"
    assert [v["item"] for v in finding.evidence["values"]] == ["impact_hot", "mass"]
    flat = helmet_results() + [{"item_code": "impact_hot", "sample": s, "value": "3550"} for s in ("2", "3")]
    finding = [f for f in report_screen(make_report(results=flat, screen=False)) if f.code == "no_spread"][0]
    assert finding.evidence == {"items": {"impact_hot": "3550"}}


def test_factory_against_type_test_flags_type_test_due(django_capture_on_commit_callbacks):
    model = ProductModelFactory()
    type_test = make_report(kind="type", batch=BatchFactory(product_model=model),
                            results=helmet_results(impact_hot="3000"), screen=False)
    with django_capture_on_commit_callbacks(execute=True):
        factory = make_report(batch=BatchFactory(product_model=model), results=helmet_results(impact_hot="4700"),
                              dates=(D(2025, 6, 5), D(2025, 6, 6), D(2025, 6, 8), D(2025, 6, 11)))
    comparison = factory.comparisons.get(kind=Comparison.Kind.FACTORY_VS_TYPE)
    assert comparison.other == type_test
    assert comparison.outcome == "type_test_due"
    diff = comparison.findings.get(code="difference")
    # |4700 - 3000| = 1700 > 20 % of the type test's margin (4900 - 3000 = 1900 -> 380)
    assert (diff.item_code, diff.evidence["difference"], diff.evidence["reason"]) == ("impact_hot", "1700.0000",
                                                                                      "beyond_margin")
    assert comparison.findings.filter(code="type_test_due").count() == 1


def test_any_two_reports_side_by_side_and_rerun_is_harmless(django_capture_on_commit_callbacks):
    a = make_report(results=helmet_results(mass="470"), screen=False)
    b = make_report(screen=False)
    with django_capture_on_commit_callbacks(execute=True):
        comparison = comparison_start(report=a, other=b, kind="pair")
    comparison.refresh_from_db()
    assert comparison.status == "done" and comparison.outcome == "nonconforming"
    assert sorted(comparison.findings.values_list("code", "item_code")) == [("difference", "mass"), ("item_fail", "mass")]
    assert comparison_run(comparison.pk) is None  # already done: nothing happens
    assert comparison.findings.count() == 2
