"""The GS1 EPCIS 2.0 REST binding (subset) at /epcis/ (DESIGN §4).

Thin views over ``services`` and ``selectors``. Bodies are read raw so a malformed document gets a
precise message; every error is an RFC 7807 problem (``application/problem+json``) with the
failing JSON path; every answer carries the ``GS1-EPCIS-Version`` / ``GS1-CBV-Version`` headers.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from traceability.models import Job

from . import selectors, services
from .validation import EPCISValidationError, parse_json, validate_capture_document, validate_single_event

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GS1_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
JSON_TYPES = ("application/json", "application/ld+json")


def capture_limit() -> int:
    """Most events one capture document may hold (GS1-EPCIS-Capture-Limit)."""
    return int(getattr(settings, "EPCIS_CAPTURE_LIMIT", 10_000))


def capture_max_bytes() -> int:
    """Largest capture body in bytes (GS1-EPCIS-Capture-File-Size-Limit)."""
    return int(getattr(settings, "EPCIS_CAPTURE_MAX_BYTES", 10 * 1024 * 1024))


def _json(data, status: int = 200, headers: dict | None = None, content_type: str = "application/ld+json"):
    response = JsonResponse(data, status=status, content_type=content_type, safe=False,
                            json_dumps_params={"ensure_ascii": False})
    for key, value in {**GS1_HEADERS, **(headers or {})}.items():
        response[key] = value
    return response


def problem(status: int, kind: str, title: str, detail: str = "", errors=None, instance: str = ""):
    """An RFC 7807 problem; ``errors`` lists ``{"path", "detail"}`` for each failing member."""
    body = {"type": f"epcisException:{kind}", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"path": p, "detail": str(m)} for p, m in errors]
        body.setdefault("detail", "; ".join(f"{p}: {m}" for p, m in errors[:5]))
    return _json(body, status=status, content_type="application/problem+json")


def validation_problem(exc: EPCISValidationError):
    return problem(400, "ValidationException", exc.title, errors=exc.errors)


class EPCISThrottle(UserRateThrottle):
    """Machine-to-machine traffic: a partner system captures hundreds of events a second, far
    above the interactive API's per-user rate; still one shared counter per user (DESIGN §8)."""

    scope = "epcis"

    def get_rate(self) -> str:
        return getattr(settings, "EPCIS_THROTTLE_RATE", "60000/min")


class EPCISView(APIView):
    """Authenticated by DRF (token or session); errors as RFC 7807 problems."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [EPCISThrottle]
    parser_classes: list = []

    def handle_exception(self, exc):
        from rest_framework import exceptions

        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = problem(401, "SecurityException", _("Authentication required"), str(exc.detail))
            response["WWW-Authenticate"] = "Token"
            return response
        if isinstance(exc, exceptions.PermissionDenied):
            return problem(403, "SecurityException", _("Not allowed"), str(exc.detail))
        if isinstance(exc, exceptions.MethodNotAllowed):
            return problem(405, "ImplementationException", _("Method not allowed"), str(exc.detail))
        if isinstance(exc, exceptions.Throttled):
            return problem(429, "ImplementationException", _("Too many requests"), str(exc.detail))
        return super().handle_exception(exc)

    def read_body(self, request):
        """The JSON body, or a problem response (413 too large, 415 wrong type, 400 malformed)."""
        limit = capture_max_bytes()
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit:
            return None, self.too_large(int(declared), limit)
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type not in JSON_TYPES:
            return None, problem(415, "ImplementationException", _("Unsupported media type"),
                                 _("send application/json or application/ld+json, not %(t)s") % {"t": content_type or "-"})
        try:
            body = request.body
        except RequestDataTooBig:
            return None, self.too_large(None, limit)
        if len(body) > limit:
            return None, self.too_large(len(body), limit)
        try:
            return parse_json(body), None
        except EPCISValidationError as exc:
            return None, validation_problem(exc)

    @staticmethod
    def too_large(size, limit):
        detail = _("the body is larger than the %(limit)d bytes this server accepts") % {"limit": limit}
        if size:
            detail = _("the body has %(size)d bytes; this server accepts at most %(limit)d") % {"size": size, "limit": limit}
        return problem(413, "CapturePayloadTooLarge", _("Payload too large"), detail)

    def require_writer(self, request):
        if not services.user_may_capture(request.user):
            return problem(403, "SecurityException", _("Not allowed"),
                           _("your organisation may read events but not capture them"))
        return None


def capture_jobs_visible_to(user):
    """Capture jobs of the caller's organisation (its own ones for a user without one); all for readers."""
    jobs = Job.objects.filter(kind=services.JOB_KIND)
    if user.reads_everything:
        return jobs
    if user.organization_id:
        return jobs.filter(organization_id=user.organization_id)
    return jobs.filter(created_by=user)


def capture_job_document(job: Job) -> dict:
    """A capture job as the binding shows it (captureID, running, success, errors)."""
    body = {
        "captureID": str(job.pk),
        "createdAt": job.created_at.isoformat(),
        "running": job.status in (Job.Status.QUEUED, Job.Status.RUNNING),
        "success": job.status != Job.Status.FAILED,
        "captureErrorBehaviour": job.params.get("captureErrorBehaviour", "rollback"),
        "errors": job.errors or [],
        "total": job.total,
        "done": job.done,
        "status": job.status,
    }
    if job.finished_at:
        body["finishedAt"] = job.finished_at.isoformat()
    if job.result:
        body["result"] = {k: v for k, v in job.result.items() if k != "eventIDs"}
        body["result"]["eventIDs"] = job.result.get("eventIDs", [])
    return body


@extend_schema(exclude=True)  # GS1 publishes this binding's OpenAPI; not part of /api/schema/
class CaptureView(EPCISView):
    """``POST /epcis/capture``: 202 + capture job; ``GET``: the caller's capture jobs."""

    def options(self, request, *args, **kwargs):
        response = _json(None, status=204, headers={
            "GS1-EPCIS-Capture-Limit": str(capture_limit()),
            "GS1-EPCIS-Capture-File-Size-Limit": str(capture_max_bytes()),
            "GS1-Capture-Error-Behaviour": "rollback",
            "Allow": "OPTIONS, GET, POST",
        })
        response.content = b""
        return response

    def get(self, request):
        jobs = capture_jobs_visible_to(request.user).order_by("-pk").defer("params")[:100]
        return _json([capture_job_document(j) for j in jobs], content_type="application/json")

    def post(self, request):
        denied = self.require_writer(request)
        if denied:
            return denied
        behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip().lower()
        if behaviour != "rollback":
            return problem(400, "ValidationException", _("Unsupported capture error behaviour"),
                           _("this server captures all-or-nothing: GS1-Capture-Error-Behaviour must be rollback"))
        document, error = self.read_body(request)
        if error:
            return error
        try:
            events = validate_capture_document(document)
        except EPCISValidationError as exc:
            return validation_problem(exc)
        if len(events) > capture_limit():
            return problem(413, "CapturePayloadTooLarge", _("Too many events"),
                           _("the document has %(n)d events; this server accepts at most %(limit)d per capture")
                           % {"n": len(events), "limit": capture_limit()})
        job = services.epcis_capture_job_create(document, actor=request.user, behaviour=behaviour)
        location = reverse("epcis:capture-job", args=[job.pk])
        return _json({"captureID": str(job.pk)}, status=202, headers={"Location": location},
                     content_type="application/json")


@extend_schema(exclude=True)  # GS1 publishes this binding's OpenAPI; not part of /api/schema/
class CaptureJobView(EPCISView):
    """``GET /epcis/capture/<id>``: one capture job of the caller's organisation."""

    def get(self, request, capture_id: int):
        job = get_object_or_404(capture_jobs_visible_to(request.user).defer("params"), pk=capture_id)
        return _json(capture_job_document(job), content_type="application/json")

    def handle_exception(self, exc):
        from django.http import Http404

        if isinstance(exc, Http404):
            return problem(404, "NoSuchResourceException", _("No such capture job"))
        return super().handle_exception(exc)


def query_document(events: list[dict]) -> dict:
    """An EPCISQueryDocument (JSON-LD) around ``events``; their namespaces join the @context."""
    context: list = [EPCIS_CONTEXT]
    extra: dict = {}
    served = []
    for event in events:
        own = event.get("@context")
        if own:
            for item in own if isinstance(own, list) else [own]:
                if isinstance(item, dict):
                    extra.update(item)
            event = {k: v for k, v in event.items() if k != "@context"}
        served.append(event)
    if extra:
        context.append(extra)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": served}}},
    }


@extend_schema(exclude=True)  # GS1 publishes this binding's OpenAPI; not part of /api/schema/
class EventsView(EPCISView):
    """``GET /epcis/events`` (query) and ``POST /epcis/events`` (single event, 201 / 409)."""

    def get(self, request):
        try:
            events, token = selectors.events_page(request.user, request.GET)
        except selectors.QueryParameterError as exc:
            return problem(400, "QueryParameterException", _("Invalid query parameter"), str(exc),
                           errors=[(exc.parameter, str(exc))])
        headers = {}
        if token:
            params = request.GET.copy()
            params["nextPageToken"] = token
            url = request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.lists()), doseq=True)
            headers["Link"] = f'<{url}>; rel="next"'
            headers["GS1-Next-Page-Token-Expires"] = (
                timezone.now() + datetime.timedelta(seconds=selectors.TOKEN_MAX_AGE)).isoformat(timespec="seconds")
        return _json(query_document(events), headers=headers)

    def post(self, request):
        denied = self.require_writer(request)
        if denied:
            return denied
        event, error = self.read_body(request)
        if error:
            return error
        try:
            validate_single_event(event)
            stored = services.epcis_capture_single(event, actor=request.user)
        except EPCISValidationError as exc:
            return validation_problem(exc)
        except services.EventAlreadyExists as exc:
            return problem(409, "ResourceAlreadyExistsException", _("Event already captured"),
                           _("an event with eventID %(id)s is stored already") % {"id": exc.event_id},
                           instance=reverse("epcis:event", args=[exc.event_id]))
        location = reverse("epcis:event", args=[stored.event_id])
        return _json({"eventID": stored.event_id}, status=201, headers={"Location": location},
                     content_type="application/json")


@extend_schema(exclude=True)  # GS1 publishes this binding's OpenAPI; not part of /api/schema/
class EventView(EPCISView):
    """``GET /epcis/events/<eventID>``: one event as an EPCISQueryDocument; 404 unknown or not visible."""

    def get(self, request, event_id: str):
        # An unencoded "?ver=CBV2.0" of a hash eventID arrives as a query string: put it back.
        if event_id.startswith("ni:") and "?" not in event_id and "ver" in request.GET:
            event_id = f"{event_id}?ver={request.GET['ver']}"
        event = selectors.event_get(request.user, event_id)
        if event is None:
            return problem(404, "NoSuchResourceException", _("No such event"),
                           _("no event with eventID %(id)s that you may see") % {"id": event_id})
        return _json(query_document([event.document]))
