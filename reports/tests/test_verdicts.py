"""Verdict rules: every comparator kind, declared claims (细则 rules 2-6), the wording."""

from decimal import Decimal

import pytest

from reports.models import Standard, TestItemSpec, Verdict
from reports.verdicts import effective_bounds, judge, limit_text, spec_applies

pytestmark = pytest.mark.django_db


def spec(designation, code):
    return TestItemSpec.objects.select_related("standard").get(standard__designation=designation, code=code)


def verdict(s, claims=None, *, value=None, values=None, observed=None, mandatory=True):
    bounds = effective_bounds(s, claims or {}, mandatory=mandatory)
    return judge(s, bounds, value=None if value is None else Decimal(value), values=values, observed_pass=observed)


def test_le_passes_at_the_limit_and_fails_above_it():
    s = spec("GB 2811-2019", "impact_hot")
    assert verdict(s, value="4900") == Verdict.PASS
    assert verdict(s, value="4900.1") == Verdict.FAIL
    assert verdict(s) == Verdict.NOT_JUDGED


def test_lt_fails_at_the_limit():
    s = spec("GB 2811-2019", "impact_hot")
    s.comparator = "lt"
    assert verdict(s, value="4899.9") == Verdict.PASS
    assert verdict(s, value="4900") == Verdict.FAIL


def test_ge_and_gt():
    s = spec("GB 2626-2019", "filtration_kn95")
    assert verdict(s, value="95.0") == Verdict.PASS
    assert verdict(s, value="94.9") == Verdict.FAIL
    s.comparator = "gt"
    assert verdict(s, value="95.0") == Verdict.FAIL
    assert verdict(s, value="95.01") == Verdict.PASS


def test_range_includes_both_ends():
    s = spec("GB 2811-2019", "chin_strap")
    assert [verdict(s, value=v) for v in ("149.9", "150", "250", "250.1")] == [
        Verdict.FAIL, Verdict.PASS, Verdict.PASS, Verdict.FAIL]
    assert limit_text(s, effective_bounds(s, {}, mandatory=True)) == "150–250 N"


def test_pass_fail_observation():
    s = spec("GB 2811-2019", "penetration")
    assert verdict(s, observed=True) == Verdict.PASS
    assert verdict(s, observed=False) == Verdict.FAIL
    assert verdict(s) == Verdict.NOT_JUDGED


def test_k_of_n_needs_k_results_within_the_limit_and_n_results():
    s = spec("GB 2626-2019", "til_mean_kn95")  # 8 of 10 wearer means below 8 %
    eight_good = ["3.1"] * 8 + ["9.5", "12"]
    seven_good = ["3.1"] * 7 + ["9.5", "12", "8.5"]
    assert verdict(s, values=eight_good) == Verdict.PASS
    assert verdict(s, values=seven_good) == Verdict.FAIL
    assert verdict(s, values=["1"] * 9) == Verdict.FAIL  # fewer than n results
    assert verdict(s, values=[]) == Verdict.NOT_JUDGED


def test_performance_level_against_declared_level():
    s = spec("EN 388:2016+A1:2018", "abrasion")  # 100 / 500 / 2000 / 8000 cycles
    assert verdict(s, value="150") == Verdict.PASS  # level 1 needed without a claim
    assert verdict(s, value="90") == Verdict.FAIL
    assert verdict(s, {"levels": {"abrasion": 3}}, value="2000") == Verdict.PASS
    assert verdict(s, {"levels": {"abrasion": 3}}, value="1999") == Verdict.FAIL


def test_stricter_claim_binds_weaker_claim_does_not_on_a_mandatory_standard():
    s = spec("GB 2626-2019", "filtration_kn95")
    strict = {"limits": {"filtration_kn95": {"min": "99"}}}
    weak = {"limits": {"filtration_kn95": {"min": "90"}}}
    assert verdict(s, strict, value="97") == Verdict.FAIL          # rule 2
    assert verdict(s, weak, value="93") == Verdict.FAIL            # rule 3: the standard's 95 holds
    assert effective_bounds(s, weak, mandatory=True).low == Decimal("95")


def test_recommended_standard_weaker_claim_binds_and_missing_optional_item_is_excluded():
    s = spec("GB/T 17622-2008", "hv_leakage")  # ≤ 9 mA, recommended standard
    weak = {"limits": {"hv_leakage": {"max": "10"}}}
    assert verdict(s, weak, value="9.5", mandatory=False) == Verdict.PASS   # rule 4
    s.required = False
    assert verdict(s, {}, value="50", mandatory=False) == Verdict.NOT_JUDGED  # rule 6
    assert verdict(s, {}, value="50", mandatory=True) == Verdict.FAIL       # rule 5


def test_class_applicability_with_compound_entries():
    s = spec("GB 2626-2019", "valve_leak")
    assert spec_applies(s, {"KN95", "有阀"})
    assert not spec_applies(s, {"KN95"})
    s2 = spec("GB 2626-2019", "inhalation_resistance_95_valve")
    assert spec_applies(s2, {"KN95", "有阀"})
    assert not spec_applies(s2, {"KN95"})


def test_reference_data_keeps_source_confidence_and_editions():
    helmet = Standard.objects.get(designation="GB 2811-2019")
    old = Standard.objects.get(designation="GB 2811-2007")
    assert old.superseded_by == helmet
    assert str(old.withdrawn_on) == "2020-07-01"
    assert spec("GB 2811-2019", "impact_hot").confidence == "V"
    assert spec("GB 2626-2019", "inhalation_resistance_95_valve").confidence == "U"
    assert set(Standard.objects.values_list("code", flat=True)) >= {
        "GB 2811", "GB 2626", "GB 6095", "GB 21148", "GB 12011", "GB/T 17622", "EN 397", "EN 149", "EN 361", "EN 388"}
