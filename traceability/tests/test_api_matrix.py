"""The role matrix: every /api/v1/ endpoint x every role x (own object, foreign object, anonymous).

Endpoints are discovered from the URL conf, so routes other apps add under /api/v1/ are covered
as soon as they land. For each call the test asserts the status and that nothing in the database
changed (the database's own count of written rows, before and after):

* anonymous: 401 everywhere except explicitly public reads;
* an object outside the caller's scope: 404, whatever the method;
* an object in scope, an operation the role may not perform: 403;
* a permitted operation with an empty body: never 401/403/404 and never a server error;
* a list: exactly the rows the independent visibility oracle below says the role may see.

Visibility is decided here by plain rules written from DESIGN §1 (not by the viewsets' scopes),
so a scope that shows too much or too little fails. Routes this file does not know fall back to
the view's own scope for "foreign" and still get every other assertion.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIRequestFactory

from products.models import BatchFlow, Holding, Unit
from products.tests.test_api_world import ROLES, World, build_world
from traceability.api.permissions import POLICY, READ_EVERYTHING, STANDARD_ACTIONS, user_role

API_PREFIX = "api/v1/"
SKIP_NAMES = {"api-token"}  # exchanges credentials: anonymous by design, tested in test_api_auth
FINGERPRINT_APPS = ("traceability", "products", "reports", "news", "verification")


@dataclass(frozen=True)
class Endpoint:
    name: str
    view: type
    methods: dict  # HTTP method -> action name (viewsets) or the method itself (APIViews)
    lookup: str | None  # URL kwarg of the object, for detail routes

    @property
    def is_viewset(self) -> bool:
        return hasattr(self.view, "get_extra_actions")


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").replace("\\/", "/")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def discover() -> list[Endpoint]:
    """Every named route under /api/v1/, once (format-suffix duplicates dropped)."""
    found: dict[str, Endpoint] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX) or not pattern.name or pattern.name in SKIP_NAMES:
            continue
        if "format" in pattern.pattern.regex.groupindex or pattern.name in found:
            continue
        callback = pattern.callback
        kwargs = [k for k in pattern.pattern.regex.groupindex if k != "format"]
        if getattr(callback, "actions", None):
            view, methods = callback.cls, dict(callback.actions)
        elif getattr(callback, "view_class", None):
            view = callback.view_class
            methods = {m: m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        else:
            continue
        found[pattern.name] = Endpoint(pattern.name, view, methods, kwargs[0] if kwargs else None)
    return sorted(found.values(), key=lambda e: e.name)


ENDPOINTS = discover()


# --- the independent visibility oracle (DESIGN §1) ----------------------------------------------
def visible(resource: str, user, obj) -> bool | None:
    """Whether ``user`` may see ``obj``; None for resources this oracle does not know."""
    role = user_role(user)
    org = user.organization
    reads = POLICY.get(resource, {}).get("read", frozenset())
    if resource not in {"organization", "site", "product_category", "product_model", "certificate", "batch", "unit",
                        "container", "worker", "event", "shipment", "holding"}:
        return None
    if role not in reads:
        return False
    if role in READ_EVERYTHING:
        return True
    if org is None:
        return False
    if resource in {"organization", "product_category", "product_model", "certificate"}:
        return True
    if resource == "site":
        return obj.organization_id == org.pk
    if resource in {"unit", "container"}:
        return org.pk in (obj.holder_id, obj.destination_id)
    if resource == "holding":
        return obj.holder_id == org.pk
    if resource == "worker":
        return obj.enterprise_id == org.pk
    if resource == "shipment":
        return org.pk in (obj.sender_id, obj.receiver_id)
    if resource == "event":
        places = {site.location_uri for site in org.sites.all()}
        return obj.recorded_by_id == org.pk or obj.biz_location in places or obj.read_point in places
    if resource == "batch":
        return (obj.product_model.manufacturer_id == org.pk
                or Unit.objects.filter(Q(holder=org) | Q(destination=org), batch=obj).exists()
                or Holding.objects.filter(batch=obj, holder=org).exists()
                or BatchFlow.objects.filter(batch=obj, destination=org).exists())
    return None


def scoped_visible(endpoint: Endpoint, user, obj) -> bool:
    """Fallback for unknown resources: the view's own scope (consistency, not correctness)."""
    request = APIRequestFactory().get("/")
    request.user = user
    view = endpoint.view(request=request, format_kwarg=None, kwargs={}, action="list", args=())
    from rest_framework.request import Request

    view.request = Request(request)
    view.request.user = user
    return view.get_queryset().filter(pk=obj.pk).exists()


def fingerprint_tables() -> list[str]:
    tables = []
    for config in FINGERPRINT_APPS:
        try:
            models = apps.get_app_config(config).get_models(include_auto_created=True)
        except LookupError:
            continue
        tables.extend(model._meta.db_table for model in models if model._meta.managed)
    return sorted(set(tables))


def fingerprint() -> str:
    """Something that changes whenever a row is written in this transaction.

    SQLite and PostgreSQL count written rows themselves, for the price of one query (a
    statement that writes and is then rolled back still counts: stricter, never laxer);
    elsewhere, a digest of every row of the project's tables.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
            return str(cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables")
            return str(cursor.fetchone()[0])
        digest = hashlib.sha256()
        for table in fingerprint_tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            digest.update(table.encode())
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
        return digest.hexdigest()


def model_of(endpoint: Endpoint):
    queryset = getattr(endpoint.view, "queryset", None)
    return queryset.model if queryset is not None else None


def lookup_value(endpoint: Endpoint, obj) -> str:
    field = getattr(endpoint.view, "lookup_field", "pk")
    return str(getattr(obj, field))


def operation(endpoint: Endpoint, method: str) -> str:
    action = endpoint.methods[method]
    mapping = getattr(endpoint.view, "policy_operations", {}) or {}
    if action in mapping:
        return mapping[action]
    if action in STANDARD_ACTIONS:
        return STANDARD_ACTIONS[action]
    if action in ("get", "post", "put", "patch", "delete"):
        return "read" if action == "get" else "write"
    return action


def call(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, {}, format="json")


def check_endpoint(world: World, endpoint: Endpoint, role: str | None) -> list[str]:
    """All calls of one endpoint for one role (None: anonymous); returns the failures."""
    failures: list[str] = []
    user = world.users[role] if role else None
    client = world.client(role)
    resource = getattr(endpoint.view, "policy_resource", None)
    public = getattr(endpoint.view, "public_read", False)
    model = model_of(endpoint)

    def expect(method, url, allowed_statuses, label):
        before = fingerprint()
        response = call(client, method, url)
        changed = fingerprint() != before
        ok = response.status_code in allowed_statuses if isinstance(allowed_statuses, set) \
            else allowed_statuses(response.status_code)
        if not ok:
            failures.append(f"{role or 'anonymous'} {method.upper()} {url} ({label}): {response.status_code} "
                            f"{getattr(response, 'content', b'')[:160]!r}")
        if changed and not (200 <= response.status_code < 300):
            failures.append(f"{role or 'anonymous'} {method.upper()} {url} ({label}): database changed "
                            f"on a {response.status_code}")
        return response

    def permitted(status: int) -> bool:
        return status not in (401, 403, 404) and status < 500

    targets: list[tuple[str, object | None]] = [("collection", None)]
    if endpoint.lookup:
        objects = list(model._base_manager.order_by("pk")) if model is not None else []
        if user is None:
            targets = [("object", objects[0])] if objects else []
        else:
            def sees(obj):
                known = visible(resource, user, obj) if resource else None
                return scoped_visible(endpoint, user, obj) if known is None else known
            own = next((o for o in objects if sees(o)), None)
            foreign = next((o for o in objects if not sees(o)), None)
            targets = [(label, obj) for label, obj in (("own", own), ("foreign", foreign)) if obj is not None]

    for label, obj in targets:
        url = reverse(endpoint.name, kwargs={endpoint.lookup: lookup_value(endpoint, obj)} if obj is not None else {})
        for method in endpoint.methods:
            op = operation(endpoint, method)
            if user is None:
                if resource is None and method == "get":
                    # A route outside the shared policy may be public (news): no promise but no 5xx.
                    expect(method, url, lambda status: status < 500, label)
                elif public and method == "get":
                    expect(method, url, lambda status: status in (200, 404), label)
                else:
                    expect(method, url, {401} if resource else {401, 403, 405}, label)
                continue
            if resource is None:
                # Not under the shared role policy: only the universal promises.
                expect(method, url, lambda status: status < 500 and (label != "foreign" or status in (403, 404, 405)),
                       label)
                continue
            allowed = user_role(user) in POLICY.get(resource, {}).get(op, frozenset()) and (
                user_role(user) in READ_EVERYTHING or user.organization_id is not None)
            if label == "foreign":
                expect(method, url, {404}, label)
            elif allowed:
                response = expect(method, url, permitted, label)
                if method == "get" and label == "collection" and model is not None and response.status_code == 200:
                    check_list(world, endpoint, resource, user, client, url, failures)
            else:
                expect(method, url, {403}, label)
    return failures


def check_list(world, endpoint, resource, user, client, url, failures) -> None:
    model = model_of(endpoint)
    if endpoint.methods.get("get") != "list":
        return
    expected = set()
    for obj in model._base_manager.all():
        seen = visible(resource, user, obj)
        if seen is None:
            return
        if seen:
            expected.add(lookup_value(endpoint, obj))
    body = client.get(url, {"page_size": 500}).json()
    field = getattr(endpoint.view, "lookup_field", "pk")
    got = {str(row["id" if field == "pk" else field]) for row in body["results"]}
    if got != expected:
        failures.append(f"{user.username} GET {url}: sees {sorted(got)}, expected {sorted(expected)}")


def test_the_matrix_covers_every_resource_and_command():
    names = {e.name for e in ENDPOINTS}
    for expected in ["organization-list", "site-detail", "product-category-list", "product-model-detail",
                     "certificate-list", "batch-list", "batch-commission", "unit-list", "unit-ship", "unit-issue",
                     "unit-return", "unit-inspect", "unit-quarantine", "unit-retire", "unit-destroy",
                     "unit-release-quarantine", "unit-history", "unit-trace", "batch-trace", "batch-release",
                     "batch-recall", "container-list", "container-pack", "container-unpack", "holding-list",
                     "shipment-receive", "worker-list", "worker-detail", "event-list",
                     "event-correct", "api-audit-verify"]:
        assert expected in names, expected


@pytest.mark.parametrize("role", [None, *ROLES], ids=lambda r: r or "anonymous")
def test_role_matrix(db, role):
    world = build_world()
    failures: list[str] = []
    for endpoint in ENDPOINTS:
        failures.extend(check_endpoint(world, endpoint, role))
    assert failures == []
