"""Property-based run of the OpenAPI schema against the app itself (WSGI, no network).

Schemathesis loads /api/schema/ from the application, generates requests for every /api/v1/
operation and sends them signed in as an auditor and as a distributor, against the small world of
``test_api_world``. Every response must not be a server error, and must match the schema: its
status code documented, its content type documented, its body valid against the schema. Detail
routes run twice: with generated ids (mostly 404 problems) and with an id the caller may see.
Bounded to a few examples per operation so the whole run takes about a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from products.tests.test_api_world import World, world_fixture  # noqa: F401 (fixture)

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def visible_ids(world: World, role: str) -> dict[str, dict[str, object]]:
    """Path parameters of one object of each resource the role may see, by path prefix."""
    org = world.users[role].organization
    own_unit = next(u for u in world.units.values() if role == "auditor" or u.holder_id == org.pk)
    own_batch = own_unit.batch
    shipment = next(s for s in world.shipments.values() if role == "auditor" or s.receiver_id == org.pk)
    site = world.sites["D1"]
    event = world.events["D1"]
    return {
        "/api/v1/units/": {"id": own_unit.pk}, "/api/v1/batches/": {"id": own_batch.pk},
        "/api/v1/shipments/": {"id": shipment.pk}, "/api/v1/sites/": {"id": site.pk},
        "/api/v1/events/": {"seq": event.seq}, "/api/v1/organizations/": {"id": org.pk if org else site.organization_id},
        "/api/v1/product-models/": {"id": world.models["M1"].pk}, "/api/v1/workers/": {"id": world.workers["E1"].pk},
        "/api/v1/containers/": {"id": world.containers["D1"].pk},
    }


def run_operation(operation, headers: dict, path_parameters: dict | None, failures: list[str]) -> None:
    strategy = operation.as_strategy(path_parameters=path_parameters) if path_parameters else operation.as_strategy()

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except BaseException as exc:  # noqa: BLE001 (hypothesis raises exception groups): collect, fail once
        if isinstance(exc, KeyboardInterrupt):
            raise
        detail = "; ".join(str(e) for e in getattr(exc, "exceptions", [exc]))
        failures.append(f"{operation.method.upper()} {operation.path} {path_parameters or ''}: {detail}"[:3000])


@pytest.fixture
def keep_test_connection():
    """The app is called through WSGI, not Django's test client, so do what the client does:
    keep the request signals from closing the test's database connection (and its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("keep_test_connection")
@pytest.mark.parametrize("role", ["auditor", "distributor"])
def test_schemathesis_against_the_schema(world: World, role, settings):
    # The seeded world is small; throttling would turn generated bursts into 429s.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    token = world.client(role)._credentials["HTTP_AUTHORIZATION"]
    headers = {"Authorization": token}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    schema = schema.include(path_regex=r"^/api/v1/")
    known = visible_ids(world, role)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        run_operation(operation, headers, None, failures)
        if "{" in operation.path:
            prefix = next((p for p in known if operation.path.startswith(p)), None)
            if prefix:
                run_operation(operation, headers, known[prefix], failures)
    assert operations >= 30
    assert failures == [], "\n".join(failures)
