"""Pure verdict rules: one result against one test item, and the wording of a report's conclusion.

Declared claims count as the spot-check implementation rules say (细则 rules 2-6): a claim
stricter than the standard binds; a claim weaker than a mandatory standard does not; a claim
weaker than a recommended standard binds; with no claim, a mandatory item is judged against the
standard and an optional item of a recommended standard takes no part in the verdict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .models import Comparator, TestItemSpec, Verdict


@dataclass(frozen=True)
class Bounds:
    """The limits that apply to one item for one product model, and where they came from."""

    low: Decimal | None
    high: Decimal | None
    required_level: int | None = None
    source: str = "standard"  # "standard", "claim", or "excluded" (rule 6)


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def model_classes(claims: dict) -> set[str]:
    """The classes and extra marks a product model declares, e.g. {"KN95"} or {"Z", "F"}."""
    marks = set()
    if claims.get("class"):
        marks.add(str(claims["class"]))
    marks.update(str(x) for x in claims.get("extras", []) or [])
    return marks


def spec_applies(spec: TestItemSpec, classes: set[str]) -> bool:
    """An item with no class list applies to every model; otherwise to models declaring one of the
    entries, where an entry "KN95+有阀" needs every part declared."""
    if not spec.applies_to:
        return True
    return any(all(part in classes for part in str(entry).split("+")) for entry in spec.applies_to)


def effective_bounds(spec: TestItemSpec, claims: dict, *, mandatory: bool) -> Bounds:
    """The limits to judge ``spec`` by for a model declaring ``claims`` (rules 2-6)."""
    if spec.comparator == Comparator.LEVEL:
        claimed = (claims.get("levels") or {}).get(spec.code)
        if claimed is None and not mandatory and not spec.required:
            return Bounds(None, None, None, "excluded")
        level = int(claimed) if claimed is not None else int(spec.limit_min or 1)
        return Bounds(None, None, level, "claim" if claimed is not None else "standard")
    claim = (claims.get("limits") or {}).get(spec.code)
    low, high = spec.limit_min, spec.limit_max
    if claim is None:
        if not mandatory and not spec.required:
            return Bounds(low, high, None, "excluded")
        return Bounds(low, high, None, "standard")
    c_low, c_high = _dec(claim.get("min")), _dec(claim.get("max"))
    source = "standard"
    if c_low is not None:
        if low is None or c_low > low or not mandatory:
            low, source = c_low, "claim"
    if c_high is not None:
        if high is None or c_high < high or not mandatory:
            high, source = c_high, "claim"
    return Bounds(low, high, None, source)


def limit_text(spec: TestItemSpec, bounds: Bounds) -> str:
    unit = f" {spec.unit}" if spec.unit else ""

    def fmt(value: Decimal | None) -> str:
        return "" if value is None else f"{value.normalize():f}"

    cmp = spec.comparator
    if cmp in (Comparator.LE, Comparator.LT):
        return f"{'≤' if cmp == Comparator.LE else '<'} {fmt(bounds.high)}{unit}"
    if cmp in (Comparator.GE, Comparator.GT):
        return f"{'≥' if cmp == Comparator.GE else '>'} {fmt(bounds.low)}{unit}"
    if cmp == Comparator.RANGE:
        return f"{fmt(bounds.low)}–{fmt(bounds.high)}{unit}"
    if cmp == Comparator.K_OF_N:
        bound = f"≤ {fmt(bounds.high)}" if bounds.high is not None else f"≥ {fmt(bounds.low)}"
        return f"≥{spec.k}/{spec.n} {bound}{unit}"
    if cmp == Comparator.LEVEL:
        return f"≥ L{bounds.required_level}"
    return "pass"


def _meets(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def judge(spec: TestItemSpec, bounds: Bounds, *, value: Decimal | None, values: list | None,
          observed_pass: bool | None) -> str:
    """The verdict of one result: pass, fail, or not judged (nothing measured, or excluded by rule 6)."""
    if bounds.source == "excluded":
        return Verdict.NOT_JUDGED
    cmp = spec.comparator
    if cmp == Comparator.PASS_FAIL:
        if observed_pass is None:
            return Verdict.NOT_JUDGED
        return Verdict.PASS if observed_pass else Verdict.FAIL
    if cmp == Comparator.K_OF_N:
        individual = [d for d in (_dec(v) for v in values or []) if d is not None]
        if not individual:
            return Verdict.NOT_JUDGED
        meeting = sum(1 for v in individual if _meets(v, bounds.low if bounds.high is None else None, bounds.high))
        # Fewer individual results than the plan asks for can never show k of n.
        return Verdict.PASS if len(individual) >= (spec.n or 0) and meeting >= (spec.k or 0) else Verdict.FAIL
    if value is None:
        return Verdict.NOT_JUDGED
    if cmp == Comparator.LEVEL:
        achieved = sum(1 for threshold in spec.levels if value >= Decimal(str(threshold)))
        return Verdict.PASS if achieved >= (bounds.required_level or 1) else Verdict.FAIL
    if cmp == Comparator.LE:
        ok = value <= bounds.high
    elif cmp == Comparator.LT:
        ok = value < bounds.high
    elif cmp == Comparator.GE:
        ok = value >= bounds.low
    elif cmp == Comparator.GT:
        ok = value > bounds.low
    else:  # range
        ok = bounds.low <= value <= bounds.high
    return Verdict.PASS if ok else Verdict.FAIL


def level_of(spec: TestItemSpec, value: Decimal) -> int:
    """The performance level a value reaches (0: below level 1)."""
    return sum(1 for threshold in spec.levels if value >= Decimal(str(threshold)))


def normalise(value: Decimal | None) -> str:
    """A canonical text of a measured value: 4900, 4900.0 and 4.9E3 all read "4900"."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fingerprint(rows: list[tuple[str, str, Decimal | None, list]]) -> str:
    """SHA-256 of a report's measured values (item, sample, value), order-independent.

    Empty when the report has fewer than three numeric values: pass/fail observations alone are
    the same on every good report and prove no copying.
    """
    lines = value_lines(rows)
    if len(lines) < 3:
        return ""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def value_lines(rows: list[tuple[str, str, Decimal | None, list]]) -> list[str]:
    lines = []
    for code, sample, value, values in rows:
        if value is not None:
            lines.append(f"{code}|{sample}|{normalise(value)}")
        elif values:
            lines.append(f"{code}|{sample}|" + ",".join(normalise(_dec(v)) for v in values))
    return sorted(lines)


def bands(rows: list[tuple[str, str, Decimal | None, list]]) -> list[str]:
    """Hashes (16 hex digits) of each two neighbouring measured values, in item order.

    A report copying all but k values of another shares all but at most k of their bands; the
    items are part of each hash, so equal values of different items never meet."""
    lines = value_lines(rows)
    if len(lines) < 2:
        return []
    # Each band holds two values (an odd last value pairs with the first): a band of one coarse
    # reading would match a large share of all reports.
    pairs = [[lines[i], lines[(i + 1) % len(lines)]] for i in range(0, len(lines), 2)]
    return sorted({hashlib.sha256("\n".join(p).encode()).hexdigest()[:16] for p in pairs})


def verdict_wording(report) -> str:
    """The overall conclusion: spot checks never say "conforming", only "no nonconformity found"."""
    from .models import TestReport

    if report.verdict == Verdict.PASS:
        if report.kind == TestReport.Kind.SPOT_CHECK:
            return _("No nonconformity found in the items tested")
        return _("According to %(standard)s, all items tested meet the requirements") % {
            "standard": (report.judged_by or report.standard).designation}
    if report.verdict == Verdict.FAIL:
        return _("Nonconforming: %(items)s") % {"items": ", ".join(report.failed_items)}
    if report.verdict == Verdict.INCOMPLETE:
        return _("Not judged: required items missing (%(items)s)") % {"items": ", ".join(report.missing_items)}
    return _("Not judged")
