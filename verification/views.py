"""The public GS1 Digital Link resolver (DESIGN §4) and /verify/: no login, no personal data.

HTML by default; ``Accept: application/json`` or ``?linkType=all`` answers the linkset with the
verdict; ``?linkType=`` pip, certificationInfo, recallStatus, instructions answer that link.
"""

from __future__ import annotations

import calendar
import datetime
import re

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from products.models import Batch, Unit, UnitStatus
from traceability.gs1 import dl_path
from traceability.validators import normalize_gtin

from . import services
from .forms import SuspectReportForm, VerifyForm
from .models import ScanLog
from .selectors import CONTEXT_TTL, Lookup, Verification, digital_link_lookup, verdict_compute

GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = ("pip", "certificationInfo", "recallStatus", "instructions")
REGION_RE = re.compile(r"^\d{2,6}$")


def _link_type(request) -> str:
    raw = request.GET.get("linkType", "")
    for prefix in ("gs1:", GS1_VOC):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
    return raw


def _wants_json(request, link_type: str) -> bool:
    if link_type in ("all", "linkset"):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "json" in accept and "text/html" not in accept


def _expiry_param(request) -> datetime.date | None:
    """AI 17 from ``?17=YYMMDD`` (DD 00 is the month's last day); ValidationError if malformed."""
    raw = request.GET.get("17")
    if raw is None:
        return None
    if not re.fullmatch(r"\d{6}", raw):
        raise ValidationError(_("The expiry date (AI 17) reads YYMMDD."))
    year, month, day = 2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:])
    try:
        if day == 0:
            day = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise ValidationError(_("The expiry date (AI 17) is not a date.")) from exc


def _scan_context(request, channel: str) -> services.ScanContext:
    region = request.META.get(getattr(settings, "VERIFICATION_REGION_HEADER", "HTTP_X_CLIENT_REGION"), "")
    org_id, enterprise = None, False
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME):  # only then can a user be signed in
        user = request.user
        if user.is_authenticated and user.organization_id:
            org_id, enterprise = user.organization_id, user.role == "enterprise"
    return services.ScanContext(client=services.client_key(request), channel=channel, organization_id=org_id,
                                organization_kind_enterprise=enterprise,
                                region=region if REGION_RE.match(region) else "")


def _problem(status: int, title: str, detail: str, **extra) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JsonResponse(body, status=status, content_type="application/problem+json",
                        json_dumps_params={"ensure_ascii": False})


def _throttled(request, as_json: bool) -> HttpResponse:
    detail = _("Too many unknown codes were checked from this connection. Try again in a few minutes.")
    if as_json:
        response = _problem(429, _("Too many requests"), detail)
    else:
        response = render(request, "verification/throttled.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(getattr(settings, "VERIFICATION_PROBE_WINDOW", 600))
    return response


def _uri(request, found: Lookup) -> str:
    uri = settings.SITE_URL + dl_path(found.gtin, found.lot or None, found.serial or None)
    if found.expiry:
        uri += "?17=" + found.expiry.strftime("%y%m%d")
    return uri


def _with_link_type(uri: str, link_type: str) -> str:
    return uri + ("&" if "?" in uri else "?") + f"linkType=gs1:{link_type}"


def verification_payload(result: Verification) -> dict:
    """What the JSON answer tells: verdict, reasons, public facts. No holder, no worker."""
    found = result.lookup
    model, batch, unit = found.product_model, found.batch, found.unit
    data: dict = {
        "verdict": result.verdict, "verdictLabel": str(result.verdict_label), "level": result.level,
        "reasons": [str(r) for r in result.reasons], "warnings": [str(w) for w in result.warnings],
        "gtin": found.gtin, "lot": found.lot or None, "serial": found.serial or None,
    }
    if model is not None:
        data["product"] = {"name": model.name, "modelNumber": model.model_number, "gtin": model.gtin,
                           "category": model.category.name, "standard": model.standard,
                           "manufacturer": model.manufacturer.name}
        data["certificates"] = [
            {"kind": c["kind"], "number": c["number"], "issuer": c["issuer"], "validFrom": c["valid_from"].isoformat(),
             "validUntil": c["valid_until"].isoformat(), "validToday": c["valid_today"]}
            for c in result.certificates]
        data["latestTest"] = result.latest_test
    if batch is not None:
        data["batch"] = {"lot": batch.lot, "productionDate": batch.production_date.isoformat(),
                         "expiryDate": batch.expiry_date.isoformat() if batch.expiry_date else None,
                         "releaseState": batch.release_state}
    if unit is not None:
        data["unit"] = {"status": unit.status, "recalled": unit.recalled,
                        "serviceLifeEnd": result.service_life_end.isoformat() if result.service_life_end else None,
                        "serviceDaysLeft": result.service_days_left,
                        "nextInspectionDue": (result.next_inspection_due.isoformat()
                                              if result.next_inspection_due else None)}
    return data


def _recall_status(result: Verification) -> dict:
    found = result.lookup
    active = bool((found.unit is not None and found.unit.recalled) or
                  (found.batch is not None and found.batch.release_state == Batch.ReleaseState.RECALLED))
    return {"hasActiveRecall": active,
            "recallDescription": str(result.reasons[0]) if active and result.reasons else None,
            "recallAction": _("Stop using it and contact the supplier.") if active else None}


def linkset(result: Verification, uri: str) -> dict:
    """An RFC 9264 linkset for the anchor, with the verdict beside it."""
    found = result.lookup
    title = found.product_model.name if found.product_model else found.gtin
    links: dict = {"anchor": uri}
    links[GS1_VOC + "pip"] = [{"href": uri, "title": title, "type": "text/html"}]
    links[GS1_VOC + "verificationService"] = [{"href": _with_link_type(uri, "verificationService").replace(
        "linkType=gs1:verificationService", "linkType=all"), "type": "application/json"}]
    links[GS1_VOC + "certificationInfo"] = [{"href": _with_link_type(uri, "certificationInfo"),
                                            "type": "application/json"}]
    links[GS1_VOC + "recallStatus"] = [{"href": _with_link_type(uri, "recallStatus"), "type": "application/json"}]
    if found.product_model is not None and found.product_model.instructions_url:
        links[GS1_VOC + "instructions"] = [{"href": found.product_model.instructions_url, "type": "text/html"}]
    if result.knowledge:
        links[GS1_VOC + "safetyInfo"] = [
            {"href": settings.SITE_URL + k["url"] if k["url"].startswith("/") else k["url"], "title": k["title"]}
            for k in result.knowledge]
    return {"linkset": [links], "verification": verification_payload(result)}


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _headers(response: HttpResponse, uri: str) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Accept"
    response["Link"] = f'<{_with_link_type(uri, "linkset").replace("gs1:linkset", "all")}>; rel="linkset"; ' \
                       f'type="application/linkset+json"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def resolve(request, gtin: str, lot: str = "", serial: str = ""):
    """Resolve a Digital Link: verdict page, linkset or one link type; POST reports a fake."""
    link_type = _link_type(request)
    as_json = _wants_json(request, link_type) or link_type in ("certificationInfo", "recallStatus")
    ctx = _scan_context(request, ScanLog.Channel.JSON if as_json else (
        ScanLog.Channel.VERIFY if request.GET.get("via") == "verify" else ScanLog.Channel.HTML))
    if request.method == "POST" and services.probe_throttled(ctx.client):
        return _throttled(request, as_json)
    try:
        expiry = _expiry_param(request)
        gtin = normalize_gtin(gtin)
    except ValidationError as exc:
        if as_json:
            return _problem(400, _("Malformed Digital Link"), " ".join(exc.messages))
        return render(request, "verification/bad_link.html", {"detail": " ".join(exc.messages)}, status=400)
    found = digital_link_lookup(gtin=gtin, lot=lot, serial=serial, expiry=expiry)
    if request.method == "POST":
        return _report(request, found, ctx)
    facts_key = _facts_key(found) if not as_json else None
    result = services.scan_verify(found, ctx, extra_keys=(facts_key,) if facts_key else ())
    if result is None:
        return _throttled(request, as_json)
    uri = _uri(request, found)
    if link_type == "instructions":
        target = found.product_model.instructions_url if found.product_model else ""
        if not target:
            return _headers(_problem(404, _("No instructions"), _("No instructions are published for this product.")), uri)
        return _headers(HttpResponseRedirect(target, status=307), uri)
    if link_type == "certificationInfo" and result.status_code == 200:
        payload = verification_payload(result)
        return _headers(_json({"anchor": uri, "verdict": result.verdict, "certificates": payload["certificates"]}), uri)
    if link_type == "recallStatus" and result.status_code == 200:
        return _headers(_json({"anchor": uri, "verdict": result.verdict, **_recall_status(result)}), uri)
    if as_json:
        return _headers(_json(linkset(result, uri), status=result.status_code), uri)
    form = SuspectReportForm()
    context = {"result": result, "found": found, "uri": uri, "form": form, "rows": _rows(result),
               "report_fields": _report_fields(form),
               "facts": _facts(request, result, facts_key, result.cached.get(facts_key) if facts_key else None)}
    return _headers(render(request, "verification/resolve.html", context, status=result.status_code), uri)


def _rows(result: Verification) -> list[tuple[str, str, str]]:
    """The unit and batch facts of the page as (label, value, css class): built here rather than
    in template logic, which is the page's main cost."""
    found = result.lookup
    unit, batch = found.unit, found.batch
    if batch is None:
        return []
    rows: list[tuple[str, str, str]] = []
    if unit is not None:
        rows += [(_("Serial"), unit.serial, "mono"), (_("Status"), _public_unit_status(unit), "")]
    rows += [(_("Lot"), batch.lot, "mono"), (_("Batch status"), batch.get_release_state_display(), ""),
             (_("Produced"), f"{batch.production_date:%Y-%m-%d}", "")]
    if batch.expiry_date:
        rows.append((_("Shelf life until"), f"{batch.expiry_date:%Y-%m-%d}", ""))
    if result.verdict != "retired":
        if result.service_life_end:
            days = result.service_days_left
            left = (ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
                    if days >= 0 else _("over"))
            rows.append((_("Service life"), f"{left} ({_('until')} {result.service_life_end:%Y-%m-%d})", ""))
        if result.next_inspection_due:
            rows.append((_("Next inspection due"), f"{result.next_inspection_due:%Y-%m-%d}", ""))
    return rows


_report_fields_html: dict[str, str] = {}


def _report_fields(form: SuspectReportForm) -> str:
    """The report form's fields; the empty form is the same for every page of a language, so it
    is rendered once per process and language."""
    if form.is_bound:
        return render_to_string("verification/_report_fields.html", {"form": form})
    language = get_language()
    if language not in _report_fields_html:
        _report_fields_html[language] = render_to_string("verification/_report_fields.html", {"form": form})
    return mark_safe(_report_fields_html[language])  # our own template, autoescaped there


def _facts_key(found: Lookup) -> str | None:
    if found.model_id is None:
        return None
    batch_id = found.batch.pk if found.batch else 0
    return (f"verification:facts:{found.model_id}:{batch_id}:{get_language()}:"
            f"{timezone.localdate():%Y%m%d}")


def _facts(request, result: Verification, key: str | None, cached: str | None) -> str:
    """The product, certificate and instructions sections: the same for every unit of a batch
    on a day in a language, so rendered once and kept with the batch context (same lifetime)."""
    if result.lookup.product_model is None:
        return ""
    if cached is None:
        cached = render_to_string("verification/_facts.html", {"result": result, "found": result.lookup})
        cache.set(key, cached, CONTEXT_TTL)
    return mark_safe(cached)  # rendered by our own template, autoescaped there


def _public_unit_status(unit: Unit | None) -> str:
    """Where the unit is in its life, without saying who holds it or wears it."""
    if unit is None:
        return ""
    labels = {
        UnitStatus.COMMISSIONED: _("At the manufacturer"),
        UnitStatus.IN_STOCK: _("In stock in the supply chain"),
        UnitStatus.IN_TRANSIT: _("In transit"),
        UnitStatus.ISSUED: _("In use"),
        UnitStatus.QUARANTINED: _("Quarantined"),
        UnitStatus.RETIRED: _("Retired"),
        UnitStatus.DESTROYED: _("Destroyed"),
    }
    return labels.get(unit.status, "")


def _report(request, found: Lookup, ctx: services.ScanContext):
    form = SuspectReportForm(request.POST)
    result = verdict_compute(found)
    uri = _uri(request, found)
    if form.is_valid():
        try:
            services.suspect_report_create(verification=result, client=ctx.client, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you. The report was sent to the manufacturer and the platform."))
            return HttpResponseRedirect(request.get_full_path() + "#report")
    context = {"result": result, "found": found, "uri": uri, "form": form, "rows": _rows(result),
               "report_fields": _report_fields(form), "facts": _facts(request, result, _facts_key(found), None)}
    return _headers(render(request, "verification/resolve.html", context, status=400), uri)


def verify(request):
    """Type a code by hand: a full Digital Link URI, a GS1 element string, or a GTIN and a serial."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        keys = form.cleaned_data["keys"]
        path = dl_path(keys["gtin"], keys.get("lot") or None, keys.get("serial") or None)
        query = ["via=verify"]
        if keys.get("expiry"):
            query.insert(0, "17=" + keys["expiry"].strftime("%y%m%d"))
        return HttpResponseRedirect(path + "?" + "&".join(query))
    return render(request, "verification/verify.html", {"form": form})


def bench_bare_lookup(request, gtin: str, serial: str):
    """The floor of the scan benchmark: one indexed lookup of the same row, as JSON. Mounted
    only when ``VERIFICATION_BENCH_BARE`` is set (the benchmark's settings), never in production."""
    row = Unit.objects.filter(gtin=gtin, serial=serial).values("serial", "status", "recalled").first()
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"found": True, **row})

