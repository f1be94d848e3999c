"""Reads of the public scan page: find what a Digital Link names, and judge it.

``verdict_compute`` is the ONE place a verdict is decided; the HTML page, the JSON linkset and
/verify/ all go through it. Precedence, highest first (the first that applies wins):

1. not registered (404): the GTIN, lot or serial is unknown — possible counterfeit;
2. retired or destroyed: the unit left service; any scan of it is also an anomaly;
3. recalled: the unit carries the recall disposition, or its batch is recalled;
4. expired: the batch's shelf life is over for a unit not yet in use (or a lot), or the
   service life counted from first use (from production when no first use is known) is over;
5. suspicious: the unit's anomaly score reached ``VERIFICATION_SUSPICIOUS_SCORE``, or the
   lot or the expiry in the link contradicts the record (a copied serial on another label);
6. genuine.
Warnings shown beside any verdict: quarantined unit or batch, batch not released, no
certificate valid today, next inspection overdue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from products.models import Batch, Certificate, ProductModel, Unit, UnitStatus

from .models import Verdict

LEVELS = {
    Verdict.GENUINE: "ok",
    Verdict.SUSPICIOUS: "warn",
    Verdict.EXPIRED: "bad",
    Verdict.RECALLED: "bad",
    Verdict.RETIRED: "bad",
    Verdict.NOT_REGISTERED: "bad",
}
CONTEXT_TTL = 60  # seconds a batch's certificates, test verdict and knowledge links stay cached


def suspicious_score() -> int:
    return getattr(settings, "VERIFICATION_SUSPICIOUS_SCORE", 50)


@dataclass
class Lookup:
    """What a Digital Link names, as found: the keys as scanned and the rows they resolve to."""

    gtin: str
    lot: str = ""
    serial: str = ""
    expiry: datetime.date | None = None
    product_model: ProductModel | None = None
    batch: Batch | None = None
    unit: Unit | None = None

    @property
    def found(self) -> bool:
        if self.serial:
            return self.unit is not None
        if self.lot:
            return self.batch is not None
        return self.product_model is not None

    @property
    def model_id(self) -> int | None:
        if self.batch is not None:
            return self.batch.product_model_id
        return self.product_model.pk if self.product_model is not None else None

    @property
    def risk_score(self) -> int:
        risk = getattr(self.unit, "risk", None) if self.unit is not None else None
        return risk.score if risk is not None else 0


@dataclass
class Verification:
    """The verdict and everything the public may see about the item (never personal data)."""

    lookup: Lookup
    verdict: str
    reasons: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    latest_test: dict | None = None
    knowledge: list = field(default_factory=list)
    service_life_end: datetime.date | None = None
    service_days_left: int | None = None
    next_inspection_due: datetime.date | None = None
    batch_expiry: datetime.date | None = None
    cached: dict = field(default_factory=dict)  # cache values fetched with the scan's round trip

    @property
    def level(self) -> str:
        return LEVELS[self.verdict]

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label

    @property
    def status_code(self) -> int:
        return 404 if self.verdict == Verdict.NOT_REGISTERED else 200


def _unit_queryset():
    # unit, batch and risk only: the model, maker and category come with the cached context
    return Unit.objects.select_related("batch", "risk").order_by()


def digital_link_lookup(*, gtin: str, lot: str = "", serial: str = "",
                        expiry: datetime.date | None = None) -> Lookup:
    """Resolve a Digital Link's keys in one query: the unit with its batch and risk for a serial,
    the batch for a lot, the model for a GTIN. The batch and unit are always read fresh (their
    state is the verdict); the product model may come from the cached context."""
    found = Lookup(gtin=gtin, lot=lot, serial=serial, expiry=expiry)
    if serial:
        unit = next(iter(_unit_queryset().filter(gtin=gtin, serial=serial)[:1]), None)
        if unit is not None:
            found.unit, found.batch = unit, unit.batch
        return found
    if lot:
        found.batch = next(iter(Batch.objects.filter(product_model__gtin=gtin, lot=lot).order_by()[:1]), None)
        return found
    found.product_model = (ProductModel.objects.select_related("manufacturer", "category")
                           .filter(gtin=gtin).first())
    return found


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _optional(module: str, name: str):
    """A selector another area provides, or None while it is not there yet."""
    try:
        imported = __import__(module, fromlist=[name])
    except ImportError:
        return None
    return getattr(imported, name, None)


def context_key(found: Lookup) -> str | None:
    """The cache key of the found item's slow-changing context (None when nothing was found)."""
    if found.model_id is None:
        return None
    return f"verification:ctx:{found.model_id}:{found.batch.pk if found.batch else 0}"


def lookup_context(found: Lookup, cached: dict | None = None) -> dict:
    """The product model (with maker and category), its certificates, the batch's latest test
    verdict and the category's safety knowledge: slow-changing, so cached for ``CONTEXT_TTL``
    seconds in the shared cache (validity dates are judged per request, so a certificate still
    lapses on time). ``cached`` is the value when the caller fetched it already with its other
    cache keys in one round trip. Attaches the model to ``found`` (and its batch)."""
    key = context_key(found)
    context = cached if cached is not None else cache.get(key)
    if context is None:
        context = _context_build(found)
        cache.set(key, context, CONTEXT_TTL)
    model = context["product_model"]
    found.product_model = model
    if found.batch is not None:
        found.batch.product_model = model
    return context


def _context_build(found: Lookup) -> dict:
    product_model = found.product_model or (ProductModel.objects.select_related("manufacturer", "category")
                                            .get(pk=found.model_id))
    batch = found.batch
    certificates = [
        {"kind": cert.kind, "number": cert.number,
         "issuer": cert.issuer, "valid_from": cert.valid_from, "valid_until": cert.valid_until,
         "suspended": cert.suspended, "withdrawn": cert.withdrawn}
        for cert in Certificate.objects.filter(product_models=product_model).order_by("kind", "-valid_until")
    ]
    latest_test = None
    batch_latest_verdict = _optional("reports.selectors", "batch_latest_verdict")
    if batch is not None and batch_latest_verdict is not None:
        try:
            latest_test = batch_latest_verdict(batch)
        except Exception:  # another area's selector must never break the public page
            latest_test = None
    knowledge: list = []
    knowledge_for_category = _optional("news.selectors", "knowledge_for_category")
    if knowledge_for_category is not None:
        try:
            knowledge = [_knowledge_link(item) for item in knowledge_for_category(product_model.category, limit=5)]
        except Exception:  # idem
            knowledge = []
    return {"product_model": product_model, "certificates": certificates, "latest_test": latest_test,
            "knowledge": knowledge}


def _knowledge_link(item) -> dict:
    if isinstance(item, dict):
        return {"title": str(item.get("title", "")), "url": str(item.get("url", ""))}
    url = item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
    return {"title": str(getattr(item, "title", item)), "url": url}


def certificate_valid(cert: dict, day: datetime.date) -> bool:
    return not cert["suspended"] and not cert["withdrawn"] and cert["valid_from"] <= day <= cert["valid_until"]


def verdict_compute(found: Lookup, *, today: datetime.date | None = None, context: dict | None = None) -> Verification:
    """Judge what a Digital Link names (see the module docstring for the precedence)."""
    today = today or timezone.localdate()
    if not found.found:
        return Verification(lookup=found, verdict=Verdict.NOT_REGISTERED, reasons=[_not_registered_reason(found)])
    context = lookup_context(found, context)
    model, batch, unit = found.product_model, found.batch, found.unit
    result = Verification(lookup=found, verdict=Verdict.GENUINE, certificates=[
        {**cert, "valid_today": certificate_valid(cert, today), "kind_label": Certificate.Kind(cert["kind"]).label}
        for cert in context["certificates"]
    ], latest_test=context["latest_test"], knowledge=context["knowledge"])
    candidates: list[tuple[str, str]] = []

    if unit is not None and unit.status in (UnitStatus.RETIRED, UnitStatus.DESTROYED):
        candidates.append((Verdict.RETIRED, _("This unit was retired from service (%(reason)s) and must not be "
                                              "used.") % {"reason": unit.get_retire_reason_display() or "-"}
                           if unit.status == UnitStatus.RETIRED else
                           _("This unit was destroyed. A unit bearing this code is a copy.")))
    if (unit is not None and unit.recalled) or (batch is not None and batch.release_state == Batch.ReleaseState.RECALLED):
        candidates.append((Verdict.RECALLED, _("This product is under recall: stop using it and contact the supplier.")))

    if batch is not None:
        result.batch_expiry = batch.expiry_date
        in_use = unit is not None and unit.first_use_date is not None
        if batch.expiry_date and batch.expiry_date < today and not in_use:
            candidates.append((Verdict.EXPIRED, _("The shelf life ended on %(day)s.") % {"day": batch.expiry_date}))
        life = model.effective_service_life_months
        if life and unit is not None:
            start = unit.first_use_date or batch.production_date
            result.service_life_end = _add_months(start, life)
            result.service_days_left = (result.service_life_end - today).days
            if result.service_life_end < today:
                candidates.append((Verdict.EXPIRED, _("The service life ended on %(day)s.") % {
                    "day": result.service_life_end}))
        if unit is not None and model.category.inspection_interval_days:
            since = unit.last_inspected_on or unit.first_use_date
            if since is not None:
                result.next_inspection_due = since + datetime.timedelta(days=model.category.inspection_interval_days)
                if result.next_inspection_due < today:
                    result.warnings.append(_("The periodic inspection is overdue (due %(day)s).") % {
                        "day": result.next_inspection_due})

    if unit is not None and found.risk_score >= suspicious_score():
        candidates.append((Verdict.SUSPICIOUS, _(
            "Scans of this code look unusual (for example in distant places at nearly the same time): "
            "it may have been copied. Check the item and report it if in doubt.")))
    if found.lot and batch is not None and unit is not None and found.lot != batch.lot:
        candidates.append((Verdict.SUSPICIOUS, _("The lot on this label does not match the lot of the serial.")))
    if found.expiry and batch is not None and batch.expiry_date and found.expiry != batch.expiry_date:
        candidates.append((Verdict.SUSPICIOUS, _("The expiry date on this label does not match the record.")))

    order = [Verdict.RETIRED, Verdict.RECALLED, Verdict.EXPIRED, Verdict.SUSPICIOUS]
    for verdict in order:
        reasons = [reason for code, reason in candidates if code == verdict]
        if reasons:
            result.verdict = verdict
            # then what else applies, except a score-based suspicion under a firmer verdict
            result.reasons = reasons + [reason for code, reason in candidates
                                        if code != verdict and code != Verdict.SUSPICIOUS]
            break

    if unit is not None and unit.status == UnitStatus.QUARANTINED:
        result.warnings.append(_("This unit is quarantined: do not use it until it is released."))
    if batch is not None and batch.release_state == Batch.ReleaseState.QUARANTINED:
        result.warnings.append(_("The batch is quarantined: do not use it until it is released."))
    if batch is not None and batch.release_state == Batch.ReleaseState.NOT_RELEASED:
        result.warnings.append(_("The batch has not been released by the manufacturer."))
    if result.latest_test and result.latest_test.get("verdict") == "fail":
        result.warnings.append(_("The latest test report of this batch is a fail."))
    if not any(cert["valid_today"] for cert in result.certificates):
        result.warnings.append(_("No certificate of this product model is valid today."))
    return result


def _not_registered_reason(found: Lookup) -> str:
    if found.serial:
        return _("No unit with this serial number was ever registered. It may be a counterfeit: do not use it.")
    if found.lot:
        return _("No batch with this lot number was ever registered. It may be a counterfeit: do not use it.")
    return _("No product with this GTIN is registered. It may be a counterfeit: do not use it.")
