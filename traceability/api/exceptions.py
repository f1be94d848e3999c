"""One exception handler for the whole API: RFC 7807 problem details with field errors.

Every error the API returns has the same shape, ``application/problem+json``::

    {"type": "https://.../problems/validation", "title": "Invalid input", "status": 400,
     "detail": "...", "instance": "/api/v1/units/12/ship/",
     "errors": {"destination": ["This field is required."]}}

Django's ``ValidationError`` (raised by the services, including ``CustodyError``) becomes 400 with
its field errors; a domain ``ConflictError`` (two commands on the same thing, an event already
captured) becomes 409. Anything else keeps DRF's status code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: _("Invalid input"),
    401: _("Authentication required"),
    403: _("Permission denied"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    413: _("Request body too large"),
    415: _("Unsupported media type"),
    429: _("Too many requests"),
}
SLUGS = {400: "validation", 401: "not-authenticated", 403: "permission-denied", 404: "not-found",
         405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 413: "too-large",
         415: "unsupported-media-type", 429: "throttled"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state; reload and try again.")
    default_code = "conflict"


def problem_type(status_code: int) -> str:
    return f"{settings.SITE_URL}/api/problems/{SLUGS.get(status_code, 'error')}"


def _conflict_classes() -> tuple[type[BaseException], ...]:
    """The domain's conflict errors, when the apps that define them are installed."""
    classes: list[type[BaseException]] = []
    try:
        from products.services.errors import ConflictError
    except ImportError:  # the custody services are optional for this module
        pass
    else:
        classes.append(ConflictError)
    try:
        from products.services.chain import DuplicateEvent
    except ImportError:
        pass
    else:
        classes.append(DuplicateEvent)
    return tuple(classes)


def _translate(exc: Exception) -> Exception:
    """Turn domain and Django errors into DRF exceptions with the right status and details."""
    conflicts = _conflict_classes()
    if conflicts and isinstance(exc, conflicts):
        messages = getattr(exc, "messages", None) or [str(exc)]
        return Conflict(detail=" ".join(str(m) for m in messages))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, OverflowError):
        # Only a client-supplied number (an id, a year, a filter) overflows a database integer.
        return exceptions.ValidationError(detail=[_("A number in the request is out of range.")])
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(detail) -> tuple[str, dict]:
    """A one-line summary and the field errors of a DRF error detail."""
    if isinstance(detail, dict):
        errors = {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                  if not isinstance(value, dict) else value for key, value in detail.items()}
        general = errors.pop("non_field_errors", None) or errors.pop("__all__", None)
        if general:
            summary = " ".join(str(m) for m in general)
            if errors:
                errors["non_field_errors"] = general
        else:
            first_field = next(iter(errors), None)
            summary = (f"{first_field}: {errors[first_field][0]}" if first_field and isinstance(errors[first_field], list)
                       and errors[first_field] else str(_("The request has invalid fields.")))
        return summary, errors
    if isinstance(detail, list):
        messages = [str(m) for m in detail]
        return " ".join(messages), ({"non_field_errors": messages} if len(messages) > 1 else {})
    return str(detail), {}


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: RFC 7807 bodies for every error, with field errors when any."""
    domain_code = getattr(exc, "code", None) if isinstance(exc, DjangoValidationError) else None
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500 the server logs
    status_code = response.status_code
    detail, errors = _flatten(response.data if isinstance(exc, exceptions.ValidationError)
                              else getattr(exc, "detail", response.data))
    request = context.get("request")
    body = {
        "type": problem_type(status_code),
        "title": str(TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": detail,
        "instance": request.path if request is not None else "",
    }
    if errors:
        body["errors"] = errors
    code = domain_code or getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", None)
    if code:
        body["code"] = str(code)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
