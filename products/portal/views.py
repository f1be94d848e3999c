"""The distributor and enterprise portal (DESIGN §1, §4): thin pages over the portal selectors and
the custody services.

Every command is a POST with a one-time key (``access.run_once``) that calls one custody service
(one transaction); a refused command comes back as the service's own message on the form. Every
object is looked up inside the caller's organisation, so another's shipment, unit or worker
answers 404 and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from products.models import Shipment, Unit, UnitStatus
from products.services import custody

from . import selectors
from .access import is_enterprise_user, new_key, portal_view, run_once, run_once_json
from .codes import code_parse, codes_split
from .forms import (
    InspectForm,
    IssueForm,
    QuarantineForm,
    ReceiveForm,
    RetireForm,
    ReturnForm,
    ScanForm,
    ShipmentForm,
    WorkerForm,
)
from .services import worker_register


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("idem", new_key())
    context["is_enterprise"] = is_enterprise_user(request.user)
    context["org"] = getattr(request, "org", None)
    return render(request, template, context, status=status)


def _service_error(form, exc: ValidationError) -> None:
    """Show a refused command's messages at the top of its form."""
    for message in exc.messages:
        form.add_error(None, message)


# --- home --------------------------------------------------------------------------------------

@require_GET
@portal_view(needs_org=False)
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.org
    if org is None:
        return _render(request, "portal/no_org.html", {})
    context = {
        "stock": selectors.stock_summary(org),
        "holdings": selectors.holding_list(org),
        "incoming": selectors.shipment_incoming_list(org),
        "near_expiry": selectors.units_near_expiry(org),
        "due": selectors.units_due_inspection(org) if is_enterprise_user(request.user) else [],
        "recalls": selectors.recalled_holdings(org),
        "statuses": [UnitStatus.IN_STOCK, UnitStatus.ISSUED, UnitStatus.QUARANTINED, UnitStatus.RETIRED],
        "scan_form": ScanForm(),
    }
    return _render(request, "portal/dashboard.html", context)


@require_GET
@portal_view()
def scan(request: HttpRequest) -> HttpResponse:
    """Find what a scanned code names: my unit (its page) or an incoming shipment (receive it)."""
    form = ScanForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        try:
            unit = selectors.unit_find(request.org, code, scope=selectors.SCOPE_KNOWN)
        except ValidationError as exc:
            try:
                shipment = selectors.shipment_find_by_code(request.org, code)
            except ValidationError:
                _service_error(form, exc)
            else:
                return redirect("portal:receive_detail", pk=shipment.pk)
        else:
            return redirect("portal:unit_detail", pk=unit.pk)
    return _render(request, "portal/scan.html", {"form": form})


@require_GET
@portal_view()
def code_check(request: HttpRequest) -> JsonResponse:
    """What a scanned code names, for the scan list's instant feedback (reads only).

    ``purpose``: ``ship`` (units and cartons I hold) or ``receive`` (in transit to me, optionally in
    shipment ``shipment``). Answers ``{"result": "ok"|"warn"|"error", "message", "label"}``.
    """
    code = request.GET.get("code", "")
    purpose = request.GET.get("purpose", "ship")
    scope = selectors.SCOPE_INCOMING if purpose == "receive" else selectors.SCOPE_HELD
    try:
        scanned = code_parse(code)
        if scanned.is_container:
            container = selectors.container_find(request.org, scanned, scope=scope)
            count = Unit.objects.filter(container=container).count()
            return JsonResponse({"result": "ok", "label": _("Carton %(sscc)s: %(n)d items") % {
                "sscc": container.sscc, "n": count}, "message": ""})
        unit = selectors.unit_find(request.org, scanned, scope=scope)
    except ValidationError as exc:
        return JsonResponse({"result": "error", "message": " ".join(exc.messages), "label": ""}, status=200)
    label = f"{unit.batch.product_model.name} · {unit.batch.lot} · {unit.serial}"
    shipment_id = request.GET.get("shipment", "")
    if purpose == "receive" and shipment_id.isdigit():
        on_it = unit.shipment_lines.filter(shipment_id=int(shipment_id), shipment__receiver=request.org).exists()
        if not on_it:
            return JsonResponse({"result": "error", "label": label,
                                 "message": _("%(code)s is not in this shipment.") % {"code": code}})
    if unit.recalled:
        return JsonResponse({"result": "error", "label": label, "state": "recalled",
                             "message": _("RECALLED: put this item in quarantine.")})
    if purpose == "ship" and unit.status not in (UnitStatus.IN_STOCK, UnitStatus.COMMISSIONED):
        return JsonResponse({"result": "warn", "label": label,
                             "message": _("Status: %(status)s") % {"status": unit.get_status_display()}})
    return JsonResponse({"result": "ok", "label": label, "message": "", "serial": unit.serial})


# --- receive -----------------------------------------------------------------------------------

@require_GET
@portal_view()
def receive_list(request: HttpRequest) -> HttpResponse:
    form = ScanForm(request.GET or None)
    if form.is_valid():
        try:
            shipment = selectors.shipment_find_by_code(request.org, form.cleaned_data["code"])
        except ValidationError as exc:
            _service_error(form, exc)
        else:
            return redirect("portal:receive_detail", pk=shipment.pk)
    return _render(request, "portal/receive_list.html", {
        "form": form, "incoming": selectors.shipment_incoming_list(request.org),
        "received": selectors.shipment_received_list(request.org)})


def _units_for_receipt(org, shipment: Shipment, codes: list[str]) -> tuple[list[Unit], list[str]]:
    """The in-transit units of ``shipment`` the scanned codes name; a carton brings its items."""
    found = selectors.codes_resolve(org, codes, scope=selectors.SCOPE_INCOMING)
    units = {u.pk: u for u in found.units}
    if found.containers:
        for unit in selectors.unit_scope(org, selectors.SCOPE_INCOMING).filter(container__in=found.containers):
            units.setdefault(unit.pk, unit)
    errors = list(found.errors)
    on_shipment: set[int] = set()
    ids = list(units)
    for i in range(0, len(ids), selectors.RESOLVE_CHUNK):
        on_shipment.update(shipment.lines.filter(unit_id__in=ids[i:i + selectors.RESOLVE_CHUNK])
                           .values_list("unit_id", flat=True))
    for pk, unit in list(units.items()):
        if pk not in on_shipment:
            errors.append(_("%(code)s is not in this shipment.") % {"code": f"{unit.gtin}/{unit.serial}"})
            del units[pk]
    return list(units.values()), errors


@require_http_methods(["GET", "POST"])
@portal_view()
def receive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org
    shipment = selectors.shipment_get_incoming(org, pk)
    if shipment is None:
        raise Http404
    form = ReceiveForm(request.POST or None)

    def handle() -> HttpResponse:
        if not form.is_valid():
            return _receive_page(request, shipment, form, status=400)
        action = form.cleaned_data["action"]
        try:
            with transaction.atomic():
                if action == ReceiveForm.SOME:
                    units, errors = _units_for_receipt(org, shipment, codes_split(form.cleaned_data["codes"]))
                    if errors:
                        raise ValidationError(errors)
                    done = custody.shipment_receive(shipment=shipment, actor=org, units=units, user=request.user)
                    messages.success(request, _("Received %(n)d items.") % {"n": len(units)})
                elif action == ReceiveForm.REJECT:
                    done = custody.shipment_receive(shipment=shipment, actor=org, reject=True,
                                                    reason=form.cleaned_data["reason"], user=request.user)
                    messages.success(request, _("Shipment %(number)s rejected.") % {"number": shipment.number})
                else:
                    done = custody.shipment_receive(shipment=shipment, actor=org, user=request.user)
                    messages.success(request, _("Shipment %(number)s received.") % {"number": shipment.number})
        except ValidationError as exc:
            _service_error(form, exc)
            return _receive_page(request, shipment, form, status=400)
        return redirect("portal:receive_detail", pk=done.pk)

    if request.method == "POST":
        return run_once(request, handle)
    return _receive_page(request, shipment, form)


def _receive_page(request, shipment, form, status: int = 200) -> HttpResponse:
    shipment = selectors.shipment_get_incoming(request.org, shipment.pk)
    return _render(request, "portal/receive_detail.html", {
        "shipment": shipment, "lines": selectors.shipment_lines(shipment), "form": form,
        "open": shipment.state in selectors.INCOMING_STATES}, status=status)


# --- ship ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@portal_view()
def ship_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = ShipmentForm(request.POST or None, receivers=selectors.receiver_choices(org))

    def handle() -> HttpResponse:
        if not form.is_valid():
            return _ship_list_page(request, form, status=400)
        found = selectors.codes_resolve(org, codes_split(form.cleaned_data["codes"]), scope=selectors.SCOPE_HELD)
        if found.errors:
            for message in found.errors:
                form.add_error("codes", message)
            return _ship_list_page(request, form, status=400)
        try:
            shipment = custody.shipment_create(actor=org, receiver=form.cleaned_data["receiver"], units=found.units,
                                               containers=found.containers, reference=form.cleaned_data["reference"],
                                               user=request.user)
        except ValidationError as exc:
            _service_error(form, exc)
            return _ship_list_page(request, form, status=400)
        messages.success(request, _("Shipment %(number)s prepared: check it, then despatch it.")
                         % {"number": shipment.number})
        return redirect("portal:ship_detail", pk=shipment.pk)

    if request.method == "POST":
        return run_once(request, handle)
    return _ship_list_page(request, form)


def _ship_list_page(request, form, status: int = 200) -> HttpResponse:
    return _render(request, "portal/ship_list.html", {
        "form": form, "shipments": selectors.shipment_outgoing_list(request.org)}, status=status)


@require_http_methods(["GET", "POST"])
@portal_view()
def ship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org
    shipment = selectors.shipment_get_outgoing(org, pk)
    if shipment is None:
        raise Http404
    errors: list[str] = []

    def handle() -> HttpResponse:
        try:
            custody.shipment_ship(shipment=shipment, actor=org, user=request.user)
        except ValidationError as exc:
            errors.extend(exc.messages)
            return _ship_detail_page(request, shipment, errors, status=400)
        messages.success(request, _("Shipment %(number)s despatched.") % {"number": shipment.number})
        return redirect("portal:ship_detail", pk=shipment.pk)

    if request.method == "POST":
        return run_once(request, handle)
    return _ship_detail_page(request, shipment, errors)


def _ship_detail_page(request, shipment, errors, status: int = 200) -> HttpResponse:
    shipment = selectors.shipment_get_outgoing(request.org, shipment.pk)
    return _render(request, "portal/ship_detail.html", {
        "shipment": shipment, "lines": selectors.shipment_lines(shipment), "errors": errors,
        "draft": shipment.state == Shipment.State.DRAFT}, status=status)


# --- workers -------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@portal_view(enterprise_only=True)
def worker_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = WorkerForm(request.POST or None)

    def handle() -> HttpResponse:
        if form.is_valid():
            try:
                worker = worker_register(actor=org, **form.cleaned_data)
            except ValidationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("Worker %(name)s registered.") % {"name": worker.name})
                return redirect("portal:worker_detail", pk=worker.pk)
        return _render(request, "portal/workers.html", {"form": form, "workers": selectors.worker_list(org)},
                       status=400)

    if request.method == "POST":
        return run_once(request, handle)
    return _render(request, "portal/workers.html", {"form": form, "workers": selectors.worker_list(org)})


@require_http_methods(["GET", "POST"])
@portal_view(enterprise_only=True)
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker's items; issue one by scanning it, take one back by scanning it or with its button."""
    org = request.org
    worker = selectors.worker_get(org, pk)
    if worker is None:
        raise Http404
    action = request.POST.get("action", "issue")
    issue_form = IssueForm(request.POST if request.method == "POST" and action == "issue" else None)
    return_form = ReturnForm(request.POST if request.method == "POST" and action == "return" else None)

    def page(status: int = 200) -> HttpResponse:
        units = list(selectors.worker_units(org, worker))
        for unit in units:
            unit.idem = new_key()  # one key per take-back form
        return _render(request, "portal/worker_detail.html", {
            "worker": worker, "units": units, "issue_form": issue_form,
            "return_form": return_form}, status=status)

    def handle() -> HttpResponse:
        form = issue_form if action == "issue" else return_form
        if not form.is_valid():
            return page(400)
        try:
            with transaction.atomic():
                unit = selectors.unit_find(org, form.cleaned_data["code"])
                if action == "issue":
                    custody.unit_issue(units=[unit], worker=worker, actor=org, user=request.user)
                    messages.success(request, _("%(item)s issued to %(name)s.") % {
                        "item": unit.batch.product_model.name, "name": worker.name})
                else:
                    if unit.worker_id != worker.pk:
                        raise ValidationError(_("%(code)s is not issued to %(name)s.")
                                              % {"code": form.cleaned_data["code"], "name": worker.name})
                    custody.unit_return(units=[unit], actor=org, user=request.user)
                    messages.success(request, _("%(item)s taken back from %(name)s.") % {
                        "item": unit.batch.product_model.name, "name": worker.name})
        except ValidationError as exc:
            _service_error(form, exc)
            return page(400)
        return redirect("portal:worker_detail", pk=worker.pk)

    if request.method == "POST":
        return run_once(request, handle)
    return page()


# --- units ---------------------------------------------------------------------------------------

@require_GET
@portal_view()
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org
    unit = selectors.unit_get(org, pk)
    if unit is None:
        raise Http404
    mine = unit.holder_id == org.pk
    return _render(request, "portal/unit_detail.html", {
        "unit": unit, "mine": mine, "events": selectors.unit_events(org, unit),
        "code": f"(01){unit.gtin}(21){unit.serial}"})


def _unit_command(request: HttpRequest, form_class, template: str, title: str, run) -> HttpResponse:
    """A scan-one-item command page: GET shows the form (``?code=`` prefills it), POST runs ``run``."""
    org = request.org
    if request.method == "POST":
        form = form_class(request.POST)
    else:
        form = form_class(initial={"code": request.GET.get("code", "")})

    def page(status: int = 200) -> HttpResponse:
        return _render(request, template, {"form": form, "title": title}, status=status)

    def handle() -> HttpResponse:
        if not form.is_valid():
            return page(400)
        try:
            with transaction.atomic():
                unit = selectors.unit_find(org, form.cleaned_data["code"])
                run(unit, form.cleaned_data)
        except ValidationError as exc:
            _service_error(form, exc)
            return page(400)
        return redirect("portal:unit_detail", pk=unit.pk)

    if request.method == "POST":
        return run_once(request, handle)
    return page()


@require_http_methods(["GET", "POST"])
@portal_view(enterprise_only=True)
def inspect(request: HttpRequest) -> HttpResponse:
    def run(unit: Unit, data: dict) -> None:
        passed = data["result"] == InspectForm.PASS
        custody.unit_inspect(units=[unit], actor=request.org, passed=passed, on_fail=data["on_fail"],
                             note=data["note"], user=request.user)
        messages.success(request, _("Inspection recorded: passed.") if passed else _("Inspection recorded: failed."))

    return _unit_command(request, InspectForm, "portal/unit_command.html", _("Inspect"), run)


@require_http_methods(["GET", "POST"])
@portal_view(enterprise_only=True)
def retire(request: HttpRequest) -> HttpResponse:
    def run(unit: Unit, data: dict) -> None:
        custody.unit_retire(units=[unit], actor=request.org, reason=data["reason"], user=request.user)
        messages.success(request, _("Item retired."))

    return _unit_command(request, RetireForm, "portal/unit_command.html", _("Retire"), run)


@require_http_methods(["GET", "POST"])
@portal_view()
def quarantine(request: HttpRequest) -> HttpResponse:
    def run(unit: Unit, data: dict) -> None:
        custody.unit_quarantine(units=[unit], actor=request.org, reason=data["reason"], user=request.user)
        messages.success(request, _("Item quarantined."))

    return _unit_command(request, QuarantineForm, "portal/unit_command.html", _("Quarantine"), run)


# --- recalls -------------------------------------------------------------------------------------

@require_POST
@portal_view()
def recall_quarantine(request: HttpRequest) -> HttpResponse:
    """Answer the open recalls: quarantine every recalled item held in stock or in use."""
    org = request.org

    def handle() -> HttpResponse:
        ids = selectors.recalled_units_to_quarantine(org)
        if not ids:
            messages.info(request, _("No recalled items to quarantine."))
            return redirect(reverse("portal:dashboard") + "#recalls")
        try:
            n = custody.unit_quarantine(units=ids, actor=org, reason=_("Recall"), user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("portal:dashboard") + "#recalls")
        messages.success(request, _("%(n)d recalled items quarantined.") % {"n": n})
        return redirect(reverse("portal:dashboard") + "#recalls")

    return run_once(request, handle)


# --- queued commands (offline outbox) ------------------------------------------------------------

COMMAND_TYPES = ("receive", "issue", "return")


@require_POST
@portal_view()
def command(request: HttpRequest) -> HttpResponse:
    """One queued command from the page's offline outbox, as JSON, keyed by ``Idempotency-Key``.

    ``{"type": "receive", "shipment": id, "codes": [...]}``, ``{"type": "issue", "worker": id,
    "code": ...}`` or ``{"type": "return", "code": ...}``. Answers ``{"status": "applied" | "rejected",
    "message": ...}``; a refusal is a result too (stored and replayed like success), so a device that
    replays its outbox learns why, and nothing is done twice.
    """
    import json

    org = request.org
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"status": "error", "message": _("The body is not JSON.")}, status=400)
    if not isinstance(payload, dict) or payload.get("type") not in COMMAND_TYPES:
        return JsonResponse({"status": "error", "message": _("Unknown command.")}, status=400)
    kind = payload["type"]
    if kind == "receive":
        shipment = selectors.shipment_get_incoming(org, _int(payload.get("shipment")))
        if shipment is None:
            return JsonResponse({"status": "error", "message": _("Not found.")}, status=404)
    if kind in ("issue", "return") and not is_enterprise_user(request.user):
        return JsonResponse({"status": "error", "message": _("Only user enterprises do this.")}, status=403)
    if kind == "issue":
        worker = selectors.worker_get(org, _int(payload.get("worker")))
        if worker is None:
            return JsonResponse({"status": "error", "message": _("Not found.")}, status=404)

    def handle() -> tuple[int, dict]:
        try:
            with transaction.atomic():
                if kind == "receive":
                    codes = [str(c) for c in payload.get("codes") or []][:10_000]
                    units, errors = _units_for_receipt(org, shipment, codes)
                    if errors:
                        raise ValidationError(errors)
                    if not units:
                        raise ValidationError(_("Scan at least one item that arrived."))
                    custody.shipment_receive(shipment=shipment, actor=org, units=units, user=request.user)
                    message = _("Received %(n)d items.") % {"n": len(units)}
                elif kind == "issue":
                    unit = selectors.unit_find(org, str(payload.get("code", "")))
                    custody.unit_issue(units=[unit], worker=worker, actor=org, user=request.user)
                    message = _("%(item)s issued to %(name)s.") % {"item": unit.batch.product_model.name,
                                                                   "name": worker.name}
                else:
                    unit = selectors.unit_find(org, str(payload.get("code", "")))
                    custody.unit_return(units=[unit], actor=org, user=request.user)
                    message = _("Item taken back.")
        except ValidationError as exc:
            return 200, {"status": "rejected", "message": " ".join(exc.messages)}
        return 200, {"status": "applied", "message": message}

    return run_once_json(request, payload, handle)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
