"""Signing in to the API (token and session), throttling, the schema and Swagger UI, and the
token command."""

from __future__ import annotations

import io

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from products.tests.test_api_world import World, world_fixture  # noqa: F401 (fixture)
from traceability.admin import UserAdmin
from traceability.api.tokens import create_api_tokens
from traceability.models import User


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_token_endpoint_exchanges_a_password_for_the_token(world: World, fast_passwords):
    auditor = world.users["auditor"]
    auditor.set_password("s3cret-pass")
    auditor.save()

    response = APIClient().post("/api/v1/auth/token/", {"username": auditor.username, "password": "s3cret-pass"},
                                format="json")

    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=auditor).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/units/").json()["count"] == 8


def test_token_endpoint_refuses_a_wrong_password(world: World, fast_passwords):
    response = APIClient().post("/api/v1/auth/token/", {"username": "api-auditor", "password": "nope"},
                                format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Token.objects.count() == 0


def test_a_bad_token_is_401(world: World):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    response = client.get("/api/v1/units/")

    assert response.status_code == 401
    assert response.json()["type"].endswith("/api/problems/not-authenticated")


def test_session_authentication_reads_and_needs_csrf_to_write(world: World, fast_passwords):
    user = world.users["enterprise"]
    user.set_password("s3cret-pass")
    user.save()
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=user.username, password="s3cret-pass")

    assert client.get("/api/v1/workers/").status_code == 200
    response = client.post("/api/v1/workers/", {"employee_number": "E1-9", "name": "赵六"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert world.orgs["E1"].workers.count() == 1


def test_anonymous_calls_are_throttled_through_the_cache(world: World, monkeypatch):
    """Password guessing at the token endpoint: the anonymous rate, counted in the shared cache."""
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    client = APIClient()
    attempt = {"username": "api-auditor", "password": "guess"}

    statuses = [client.post("/api/v1/auth/token/", attempt, format="json").status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]
    assert cache.get("throttle_anon_127.0.0.1") is not None
    response = client.post("/api/v1/auth/token/", attempt, format="json")
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert int(response["Retry-After"]) > 0


def test_signed_in_calls_are_throttled_per_user(world: World, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)

    statuses = [world.client("auditor").get("/api/v1/organizations/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert world.client("distributor").get("/api/v1/organizations/").status_code == 200


# --- schema and docs -----------------------------------------------------------------------
def test_schema_documents_every_command_with_request_response_and_example(world: World):
    response = world.client("auditor").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    commands = {
        ("/api/v1/units/ship/", "post"), ("/api/v1/units/issue/", "post"), ("/api/v1/units/return/", "post"),
        ("/api/v1/units/inspect/", "post"), ("/api/v1/units/quarantine/", "post"),
        ("/api/v1/units/retire/", "post"), ("/api/v1/units/destroy/", "post"),
        ("/api/v1/batches/{id}/commission/", "post"), ("/api/v1/shipments/{id}/receive/", "post"),
        ("/api/v1/events/{seq}/correct/", "post"),
    }
    for path, method in commands:
        operation = schema["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]
        assert "$ref" in body["schema"], path
        assert body["examples"], path
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert "$ref" in operation["responses"][success]["content"]["application/json"]["schema"], path
        assert "application/problem+json" in operation["responses"]["400"]["content"], path
    assert "/api/v1/batches/{id}/trace/" in schema["paths"]
    assert "/api/v1/units/{id}/history/" in schema["paths"]
    assert "/api/v1/audit/verify/" in schema["paths"]


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


# --- tokens for auditors ---------------------------------------------------------------------
def test_create_api_token_prints_the_same_token_twice(world: World):
    out1, out2 = io.StringIO(), io.StringIO()

    call_command("create_api_token", "api-auditor", stdout=out1)
    call_command("create_api_token", "api-auditor", stdout=out2)

    key = Token.objects.get(user=world.users["auditor"]).key
    assert out1.getvalue().strip() == out2.getvalue().strip() == key
    assert len(key) == 40


def test_create_api_token_rotates_on_request(world: World):
    out = io.StringIO()
    call_command("create_api_token", "api-auditor", stdout=out)

    call_command("create_api_token", "api-auditor", "--rotate", stdout=io.StringIO())

    assert Token.objects.get(user=world.users["auditor"]).key != out.getvalue().strip()


def test_create_api_token_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_admin_action_gives_each_selected_user_a_token(world: World):
    request = RequestFactory().post("/admin/traceability/user/")
    request.user = world.users["staff"]
    request.session = {}
    request._messages = FallbackStorage(request)
    Token.objects.create(user=world.users["auditor"])

    create_api_tokens(UserAdmin(User, AdminSite()), request,
                      User.objects.filter(pk__in=[world.users["auditor"].pk, world.users["regulator"].pk]))

    assert Token.objects.filter(user__in=[world.users["auditor"], world.users["regulator"]]).count() == 2
    assert [str(m) for m in request._messages] == ["1 new API token(s); 2 selected user(s) now have one."]
