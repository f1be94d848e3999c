"""Who may do what through /api/v1/: the role rules of DESIGN §1 in one table.

Two layers, and every endpoint goes through both:

1. ``POLICY`` says which roles may perform an *operation* on a *resource* ("read", "write"
   or a command name such as "ship"). ``RolePermission`` enforces it.
2. ``ScopedViewSetMixin`` (in ``traceability.api.views``) restricts every queryset to what the
   caller's organisation may see. An object outside that scope answers 404, so a foreign object is
   indistinguishable from a missing one.

The order is chosen so that the answers do not leak: on a detail route the object is looked up in
the caller's scope first (foreign -> 404), and only then is the operation checked against the role
(visible but not permitted -> 403). On a collection route (list, create, bulk commands) the role
is checked straight away. Nothing is written in either case.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from traceability.models import Role

STAFF, MANUFACTURER, DISTRIBUTOR, ENTERPRISE, LABORATORY, REGULATOR, AUDITOR = (
    Role.STAFF, Role.MANUFACTURER, Role.DISTRIBUTOR, Role.ENTERPRISE, Role.LABORATORY, Role.REGULATOR, Role.AUDITOR,
)
ANY_ROLE = frozenset(Role.values)
READ_EVERYTHING = frozenset({STAFF, REGULATOR, AUDITOR})
HOLDERS = frozenset({MANUFACTURER, DISTRIBUTOR, ENTERPRISE})

#: resource -> operation -> roles allowed. An operation missing here is denied to everyone.
#: "read" covers list, retrieve and read-only extra routes (history, trace, CSV export); which
#: rows a role then sees is the scope's business. Auditors never appear outside "read".
POLICY: dict[str, dict[str, frozenset[str]]] = {
    "organization": {"read": ANY_ROLE, "write": frozenset({STAFF})},
    "site": {"read": ANY_ROLE, "write": frozenset({STAFF})},
    "product_category": {"read": ANY_ROLE, "write": frozenset({STAFF})},
    "product_model": {"read": ANY_ROLE, "write": frozenset({STAFF})},
    "certificate": {"read": ANY_ROLE, "write": frozenset({STAFF})},
    "batch": {
        "read": ANY_ROLE,
        "trace": ANY_ROLE,  # upstream; downstream shows others' stock:
        "trace_downstream": READ_EVERYTHING | {MANUFACTURER},  # and only the batch's own maker
        "commission": frozenset({MANUFACTURER}),
        "release": frozenset({MANUFACTURER}),
        "recall": frozenset({MANUFACTURER, REGULATOR}),  # the maker its own batches; a regulator any
    },
    "unit": {
        "read": ANY_ROLE,
        "history": ANY_ROLE,
        "trace": ANY_ROLE,
        "ship": HOLDERS,
        "issue": frozenset({ENTERPRISE}),
        "return": frozenset({ENTERPRISE}),
        "inspect": frozenset({ENTERPRISE}),
        "quarantine": HOLDERS,
        "release_quarantine": HOLDERS,
        "retire": frozenset({ENTERPRISE}),
        "destroy": HOLDERS,
        "correct": HOLDERS,
    },
    "container": {"read": ANY_ROLE, "pack": HOLDERS, "unpack": HOLDERS},
    "holding": {"read": ANY_ROLE},
    "shipment": {"read": ANY_ROLE, "receive": HOLDERS},
    # Personal data stays inside the enterprise: others with read-everything rights see only
    # pseudonyms (the serializer decides which fields); other organisations see nothing.
    "worker": {"read": READ_EVERYTHING | {ENTERPRISE}, "write": frozenset({ENTERPRISE})},
    "event": {"read": ANY_ROLE, "correct": HOLDERS},
    "audit": {"read": READ_EVERYTHING},
}

#: DRF's standard action names and the operation they are.
STANDARD_ACTIONS = {
    "list": "read", "retrieve": "read", "metadata": "read",
    "create": "write", "update": "write", "partial_update": "write", "destroy": "write",
}


def user_role(user) -> str:
    """The role the rules apply to: a superuser counts as staff whatever its role field says."""
    if not user or not user.is_authenticated:
        return ""
    if user.is_superuser:
        return STAFF
    return user.role or ""


def role_allows(user, resource: str, operation: str) -> bool:
    """Whether ``user``'s role may perform ``operation`` on ``resource`` (no object involved)."""
    role = user_role(user)
    if not role:
        return False
    # Roles acting for an organisation must have one; staff, regulators and auditors need not.
    if role not in READ_EVERYTHING and getattr(user, "organization_id", None) is None:
        return False
    return role in POLICY.get(resource, {}).get(operation, frozenset())


def reads_everything(user) -> bool:
    return user_role(user) in READ_EVERYTHING


def operation_of(view) -> str:
    """The policy operation a view call is: its ``policy_operation`` map, the standard actions,
    else its action name (read-only extra actions declare themselves as "read")."""
    action = getattr(view, "action", None) or ""
    mapping = getattr(view, "policy_operations", {}) or {}
    if action in mapping:
        return mapping[action]
    if action in STANDARD_ACTIONS:
        return STANDARD_ACTIONS[action]
    if not action:
        return "read" if view.request.method in SAFE_METHODS else "write"
    return action


class RolePermission(BasePermission):
    """Applies ``POLICY`` to the view's ``policy_resource`` (see the module docstring)."""

    message = _("Your role may not perform this operation.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return bool(getattr(view, "public_read", False) and request.method in SAFE_METHODS)
        if getattr(view, "detail", False):
            # Decided in has_object_permission, after the scoped lookup: a role that may not
            # read the resource has an empty scope, so it gets 404 like any foreign object.
            return bool(user_role(request.user))
        return role_allows(request.user, view.policy_resource, operation_of(view))

    def has_object_permission(self, request, view, obj) -> bool:
        if not request.user or not request.user.is_authenticated:
            return bool(getattr(view, "public_read", False) and request.method in SAFE_METHODS)
        return role_allows(request.user, view.policy_resource, operation_of(view))
