"""Demo laboratories, test reports, one spot-check campaign and next year's assessment plan.

Idempotent: laboratories by organisation, reports by (number, laboratory), the campaign and plan
by (year, title), samples by (campaign, seq). Values are deterministic per lot, so seeding twice
gives the same rows and the same fingerprints. Seeded on purpose: one factory report with an
item out of limit (its batch cannot be released), one factory report copied from another batch's
report (screening flags it with the report it copies), one nonconforming spot-check sample.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.db import transaction

from products.models import Batch, ProductModel
from traceability.demo import World

from .models import (
    AssessmentPlan,
    AssessmentPlanItem,
    Laboratory,
    SpotCheckCampaign,
    SpotCheckSample,
    Standard,
    TestReport,
)
from .services import campaign_publish, report_create, sample_record_result

LABS = {
    # key: CMA number, CNAS number, standards in scope
    "L1": ("110012340001", "CNAS L0315", None),  # every standard
    "L2": ("310012340002", "CNAS L2216", ["GB 2811-2019", "GB 2626-2019", "GB 6095-2021", "EN 397:2012+A1:2012",
                                          "EN 149:2001+A1:2009"]),
    "L3": ("440012340003", "CNAS L5820", ["GB 21148-2020", "GB 12011-2009", "GB/T 17622-2008", "EN 388:2016+A1:2018"]),
}

# model number -> (lab key, [(item, low, high, decimals) | (item, "pass") | (item, "k_of_n", n, low, high)])
PROFILES = {
    "helmet": [("impact_hot", 3300, 4200, 0), ("impact_cold", 4000, 4700, 0), ("impact_wet", 3600, 4400, 0),
               ("impact_uv", 3800, 4600, 0), ("impact_fragments", "pass"), ("penetration", "pass"),
               ("chin_strap", 170, 225, 0), ("mass", 372, 418, 0), ("wearing_height", 82, 90, 0),
               ("vertical_clearance", 26, 44, 0), ("horizontal_clearance", 8, 15, 0)],
    "AD-H301": [("insulation_leakage", 0.2, 0.9, 2)],
    "HA-FRP08": [("flame_afterflame", 0, 3, 1)],
    "SH-9501": [("filtration_kn95", 96.8, 99.3, 1), ("dead_space", 0.4, 0.8, 2), ("flammability", 0, 2, 1),
                ("headband", "pass"), ("til_individual_kn95", "k_of_n", 50, 1.5, 9.5),
                ("til_mean_kn95", "k_of_n", 10, 2.0, 6.5)],
    "SH-P100": [("filtration_kp100", 99.975, 99.995, 3), ("inhalation_resistance_100_reusable", 210, 320, 0),
                ("exhalation_resistance_100_reusable", 80, 130, 0), ("dead_space", 0.4, 0.8, 2),
                ("flammability", 0, 2, 1), ("headband", "pass"), ("til_individual_kn100", "k_of_n", 50, 0.3, 4.5),
                ("til_mean_kn100", "k_of_n", 10, 0.2, 1.6)],
    "JA-Z600": [("peak_arrest_force", 4.1, 5.6, 2), ("extension_within_declared", "pass"), ("adjuster_slip", 5, 18, 0),
                ("no_release", "pass"), ("head_down", "pass"), ("lanyard_length", 1.6, 1.95, 2),
                ("fr_afterflame", 0, 1.5, 1)],
    "LA-S3": [("toecap_impact_clearance", 15, 19, 1), ("toecap_compression_clearance", 15, 19, 1),
              ("penetration_force", 1150, 1500, 0), ("slip_heel", 0.30, 0.45, 2), ("slip_flat", 0.34, 0.50, 2),
              ("antistatic_resistance", 1e6, 5e8, -5)],
    "YD-6KV": [("slip_heel", 0.30, 0.45, 2), ("slip_flat", 0.34, 0.50, 2), ("insulation_breakdown", "pass"),
               ("insulation_leakage_6kv", 0.4, 1.5, 2)],
    "YD-G2": [("hv_leakage", 3, 8, 2), ("breakdown", "pass"), ("air_leak", "pass")],
}
LAB_OF = {"AD-H301": "L1", "HA-FRP08": "L2", "SH-9501": "L2", "SH-P100": "L1", "JA-Z600": "L1", "LA-S3": "L3",
          "YD-6KV": "L3", "YD-G2": "L3"}

FAILING = ("AD-H301", -1, {"impact_hot": "5210"})  # latest batch of the ABS helmet fails impact after +50 °C
COPIED = ("HA-FRP08", 1, 0)                          # FRP helmet: batch 1's report copies batch 0's values


def _rand(seed: str, low: float, high: float, decimals: int) -> Decimal:
    fraction = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:6], "big") / float(1 << 48)
    value = low + (high - low) * fraction
    if decimals < 0:  # large resistances: keep 2 significant digits
        return Decimal(f"{value:.1e}")
    return Decimal(f"{value:.{decimals}f}")


def _value(model: ProductModel, seed: str, code: str, low: float, high: float, decimals: int,
           index: int | None = None) -> Decimal:
    """The model's typical value (fixed by its type test) plus a per-lot scatter (±10 % of
    the range), as a stable process gives; never a copy of another lot's value."""
    key = f"{code}:{index}" if index is not None else code
    typical = float(_rand(f"model:{model.gtin}:{key}", low, high, 6))
    r = float(_rand(f"{seed}:{key}", 0, 1, 6)) - 0.5
    # No clamping: values piled up at a bound would coincide across lots and look copied.
    value = typical * (1 + 0.2 * r) if decimals < 0 else typical + 0.2 * r * (high - low)
    return Decimal(f"{value:.{decimals}f}") if decimals >= 0 else Decimal(f"{value:.1e}")



def results_for(model: ProductModel, seed: str, overrides: dict | None = None) -> list[dict]:
    profile = PROFILES.get(model.model_number, [])
    if model.category.code == "helmet":
        profile = PROFILES["helmet"] + profile
    rows = []
    for spec in profile:
        code = spec[0]
        if spec[1] == "pass":
            rows.append({"item_code": code, "observed_pass": True})
        elif spec[1] == "k_of_n":
            _code, _kind, n, low, high = spec
            rows.append({"item_code": code,
                         "values": [str(_value(model, seed, code, low, high, 1, i)) for i in range(n)]})
        else:
            _code, low, high, decimals = spec
            rows.append({"item_code": code, "value": str(_value(model, seed, code, low, high, decimals))})
    for code, value in (overrides or {}).items():
        for row in rows:
            if row["item_code"] == code:
                row["value"] = value
    return rows


def seed_laboratories(world: World) -> dict[str, Laboratory]:
    labs = {}
    today = datetime.date.today()
    for key, (cma, cnas, scope) in LABS.items():
        lab, _created = Laboratory.objects.update_or_create(
            organization=world.orgs[key],
            defaults={"cma_number": cma, "cma_valid_until": today.replace(year=today.year + 3, month=12, day=31),
                      "cnas_number": cnas, "cnas_valid_until": today.replace(year=today.year + 2, month=6, day=30)})
        lab.scope.set(Standard.objects.all() if scope is None else Standard.objects.filter(designation__in=scope))
        labs[key] = lab
    return labs


def _dates(start: datetime.date) -> tuple[datetime.date, datetime.date, datetime.date, datetime.date]:
    return start, start + datetime.timedelta(days=2), start + datetime.timedelta(days=6), start + datetime.timedelta(days=9)


def _report(*, lab, kind, number, model, batch, seed, overrides=None, results=None, day=None):
    existing = TestReport.objects.filter(number=number, laboratory=lab).first()
    if existing is not None:
        return existing
    standard = Standard.objects.get(designation=model.standard)
    received, start, end, issued = _dates(day or batch.production_date + datetime.timedelta(days=3))
    return report_create(laboratory=lab, kind=kind, number=number, product_model=model, batch=batch,
                         standard=standard, sample_received_on=received, tested_from=start, tested_until=end,
                         issued_on=issued, stated_conclusion="fail" if overrides else "pass",
                         results=results if results is not None else results_for(model, seed, overrides),
                         inline=True)


def seed_reports(labs: dict[str, Laboratory]) -> dict[str, list[TestReport]]:
    by_model: dict[str, list[TestReport]] = {}
    for model in ProductModel.objects.filter(model_number__in=LAB_OF).select_related("category"):
        lab = labs[LAB_OF[model.model_number]]
        batches = list(Batch.objects.filter(product_model=model).order_by("production_date"))
        if not batches:
            continue
        prefix = lab.cma_number[:2]
        reports = [_report(lab=lab, kind=TestReport.Kind.TYPE, number=f"{prefix}XS{model.pk:03d}-T", model=model,
                           batch=batches[0], seed=f"type:{model.gtin}")]
        factory_results = {}
        for index, batch in enumerate(batches):
            overrides = FAILING[2] if (model.model_number, index - len(batches)) == FAILING[:2] else None
            results = None
            if (model.model_number, index) == COPIED[:2]:
                results = factory_results[COPIED[2]]
            else:
                results = results_for(model, f"factory:{batch.lot}", overrides)
            factory_results[index] = results
            reports.append(_report(lab=lab, kind=TestReport.Kind.FACTORY, number=f"{prefix}CC{batch.lot}", model=model,
                                   batch=batch, seed=f"factory:{batch.lot}", results=results, overrides=overrides))
        by_model[model.model_number] = reports
    return by_model


def seed_campaign(world: World) -> SpotCheckCampaign:
    today = datetime.date.today()
    year = today.year
    campaign, _created = SpotCheckCampaign.objects.update_or_create(
        year=year, title=f"{year}年劳动防护用品产品质量监督抽查",
        defaults={"authority": world.orgs["R1"], "stage": SpotCheckCampaign.Stage.CIRCULATION,
                  "basis": "GB 2811-2019, GB 2626-2019, GB 6095-2021, GB 21148-2020"})
    labs = {lab.organization_id: lab for lab in Laboratory.objects.all()}
    # (seq, model number, batch index from the newest, nonconforming overrides, sampled unit, region)
    plan = [(1, "AD-H301", 1, None, "华东劳保物资贸易有限公司", "310100"),
            (2, "HA-FRP08", 0, None, "北方安全防护用品经销有限公司", "110100"),
            (3, "SH-9501", 0, {"filtration_kn95": "93.1"}, "华南安全装备供应链有限公司", "440100"),
            (4, "JA-Z600", 0, None, "燕赵安全用品贸易有限公司", "130100"),
            (5, "LA-S3", 0, None, "齐鲁劳保供应有限公司", "370100"),
            (6, "YD-6KV", 0, None, "华南安全装备供应链有限公司", "440100")]
    for seq, number, newest_index, overrides, unit, region in plan:
        model = ProductModel.objects.select_related("category", "manufacturer").filter(model_number=number).first()
        if model is None:
            continue
        batches = list(Batch.objects.filter(product_model=model).order_by("-production_date"))
        if not batches:
            continue
        batch = batches[min(newest_index, len(batches) - 1)]
        lab = labs.get(world.orgs["L1"].pk)
        sample, _created = SpotCheckSample.objects.update_or_create(
            campaign=campaign, seq=seq,
            defaults={"product_model": model, "batch": batch, "category": model.category, "product_name": model.name,
                      "brand": model.manufacturer.short_name or model.manufacturer.name[:4],
                      "spec_model": f"{model.model_number} {model.specification}"[:200],
                      "production_date_or_lot": f"{batch.production_date:%Y-%m-%d} / {batch.lot}",
                      "manufacturer_name": model.manufacturer.name, "manufacturer_address": model.manufacturer.address,
                      "sampled_unit": unit, "sampled_unit_address": "", "region": region,
                      "sampled_on": min(today, batch.production_date + datetime.timedelta(days=40))})
        if sample.verdict != SpotCheckSample.Verdict.PENDING:
            continue
        day = min(max(batch.production_date + datetime.timedelta(days=41), sample.sampled_on),
                  today - datetime.timedelta(days=10))
        report = _report(lab=lab, kind=TestReport.Kind.SPOT_CHECK, number=f"CCJD{year}-{seq:03d}", model=model,
                         batch=batch, seed=f"spot-check:{year}:{seq}:{batch.lot}", overrides=overrides, day=day)
        sample_record_result(sample=sample, report=report, inline=True)
    campaign_publish(campaign=campaign)
    return campaign


def seed_plan(world: World) -> AssessmentPlan:
    from products.models import ProductCategory

    year = datetime.date.today().year + 1
    plan, _created = AssessmentPlan.objects.update_or_create(
        year=year, title=f"{year}年劳动防护用品质量考核计划", defaults={"authority": world.orgs["R1"], "published": True})
    rows = [("helmet", "320000", 9), ("helmet", "440000", 9), ("respirator", "310000", 12), ("harness", "130000", 17),
            ("safety_footwear", "370000", 8), ("insulating_footwear", "440000", 8), ("insulating_gloves", "320000", 16)]
    for month, (code, region, planned) in enumerate(rows, start=3):
        category = ProductCategory.objects.filter(code=code).first()
        if category is None:
            continue
        AssessmentPlanItem.objects.update_or_create(
            plan=plan, category=category, region=region,
            defaults={"planned_samples": planned, "month": month, "laboratory": world.orgs["L1"]})
    return plan


def seed(world: World, *, units: int) -> None:
    """Laboratories, reports for the demo batches, this year's published campaign, next year's plan."""
    with transaction.atomic():
        labs = seed_laboratories(world)
        seed_reports(labs)
    with transaction.atomic():
        seed_campaign(world)
        seed_plan(world)
    release_passing_batches()


def release_passing_batches() -> None:
    """Release, through the release service, every demo batch whose factory report passes and
    whose certificate is valid; the others stay unreleased with the reason the service gives."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from products.models import Batch
    from products.services.release import batch_release

    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if staff is None:
        return
    for batch in Batch.objects.filter(release_state=Batch.ReleaseState.NOT_RELEASED).order_by("pk"):
        try:
            batch_release(batch=batch, user=staff)
        except ValidationError:
            continue
