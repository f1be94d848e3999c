"""Who may use the portal, and the one-time key that makes every form safe to send twice."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from traceability.models import Role

PORTAL_ROLES = {Role.DISTRIBUTOR, Role.ENTERPRISE, Role.STAFF}
IDEMPOTENCY_FIELD = "idempotency_key"
IDEMPOTENCY_TTL = 24 * 3600
_KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def may_use_portal(user) -> bool:
    return user.is_superuser or user.role in PORTAL_ROLES


def is_enterprise_user(user) -> bool:
    """Enterprise work (workers, issue, inspect, retire): the enterprise role, or staff acting for one."""
    org = user.organization
    if org is None or not org.is_enterprise:
        return False
    return user.role == Role.ENTERPRISE or user.is_superuser or user.role == Role.STAFF


def portal_view(*, enterprise_only: bool = False, needs_org: bool = True) -> Callable:
    """Login required; distributors, enterprises and staff only (403 for other roles).

    ``needs_org``: the page acts for an organisation (staff without one get 403);
    ``enterprise_only``: workers, issuing, inspecting and retiring are enterprise work.
    Sets ``request.org``.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not may_use_portal(user):
                raise PermissionDenied(_("The portal is for distributors and user enterprises."))
            if needs_org and user.organization is None:
                raise PermissionDenied(_("Your account acts for no organisation."))
            if enterprise_only and not is_enterprise_user(user):
                raise PermissionDenied(_("Only user enterprises do this."))
            request.org = user.organization
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def new_key() -> str:
    """A fresh idempotency key for one rendering of a form."""
    return uuid.uuid4().hex


def _fingerprint(request: HttpRequest) -> str:
    items = sorted((k, v) for k, values in request.POST.lists() for v in values
                   if k not in ("csrfmiddlewaretoken", IDEMPOTENCY_FIELD))
    return hashlib.sha256(repr(items).encode()).hexdigest()


def _problem(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    return render(request, "portal/problem.html", {"title": title, "detail": detail}, status=status)


def run_once(request: HttpRequest, handler: Callable[[], HttpResponse]) -> HttpResponse:
    """Run a POST ``handler`` once per idempotency key (the rules of the IETF Idempotency-Key draft).

    First time: run it; a redirect (success) is remembered for a day. The same key again after
    success: redirect to the same place, nothing done twice. While the first is still running: 409.
    The same key with a different form: 422. No key or a malformed one: 400. A handler that
    answers with a form error forgets the key, so the corrected form can be sent again.
    """
    key = request.POST.get(IDEMPOTENCY_FIELD, "")
    if not _KEY_RE.match(key):
        return _problem(request, 400, _("This form is out of date"), _("Reload the page and try again."))
    cache_key = f"portal:idem:{request.user.pk}:{key}"
    fingerprint = _fingerprint(request)
    if not cache.add(cache_key, {"state": "running", "fp": fingerprint}, IDEMPOTENCY_TTL):
        stored = cache.get(cache_key) or {"state": "running", "fp": fingerprint}
        if stored["fp"] != fingerprint:
            return _problem(request, 422, _("This form was already sent with other values"),
                            _("Reload the page to start again."))
        if stored["state"] == "running":
            return _problem(request, 409, _("Already being sent"), _("Wait a moment, then reload the page."))
        messages.info(request, _("This was already done; it was not done twice."))
        return HttpResponseRedirect(stored["location"])
    try:
        response = handler()
    except BaseException:
        cache.delete(cache_key)
        raise
    if response.status_code in (301, 302, 303):
        cache.set(cache_key, {"state": "done", "fp": fingerprint, "location": response["Location"]}, IDEMPOTENCY_TTL)
    else:
        cache.delete(cache_key)
    return response


_HEADER_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def run_once_json(request: HttpRequest, payload: dict, handler: Callable[[], tuple[int, dict]]) -> HttpResponse:
    """The JSON twin of ``run_once`` for queued (offline) commands, keyed by the ``Idempotency-Key`` header.

    Follows the IETF Idempotency-Key draft: no or malformed key 400; same key with another payload
    422; same key while the first is still running 409; same key after it finished: the stored
    answer again, success or refusal alike, with ``Idempotent-Replayed: true``.
    """
    key = request.headers.get("Idempotency-Key", "").strip().strip('"')
    if not _HEADER_KEY_RE.match(key):
        return JsonResponse({"status": "error", "message": _("An Idempotency-Key header is required.")}, status=400)
    cache_key = f"portal:cmd:{request.user.pk}:{key}"
    fingerprint = hashlib.sha256(repr(sorted(payload.items())).encode()).hexdigest()
    if not cache.add(cache_key, {"state": "running", "fp": fingerprint}, IDEMPOTENCY_TTL):
        stored = cache.get(cache_key) or {"state": "running", "fp": fingerprint}
        if stored["fp"] != fingerprint:
            return JsonResponse({"status": "error", "message": _("This key was used for another command.")},
                                status=422)
        if stored["state"] == "running":
            return JsonResponse({"status": "error", "message": _("Already being sent.")}, status=409)
        response = JsonResponse(stored["body"], status=stored["status"])
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        status, body = handler()
    except BaseException:
        cache.delete(cache_key)
        raise
    if status >= 500:
        cache.delete(cache_key)
    else:
        cache.set(cache_key, {"state": "done", "fp": fingerprint, "status": status, "body": body}, IDEMPOTENCY_TTL)
    return JsonResponse(body, status=status)
