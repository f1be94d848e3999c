"""seed_demo is idempotent, and every admin page of every registered model opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from traceability.demo import DEMO_PASSWORD, DEMO_USERS
from traceability.models import Industry, Organization, User

pytestmark = pytest.mark.django_db


def model_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label in {"traceability", "products", "reports", "news", "verification"}}


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint of it, as Django's setUpTestData does."""
    from django.conf import settings as django_settings

    hashers = django_settings.PASSWORD_HASHERS
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", units=60, verbosity=0)
        yield
        transaction.set_rollback(True)
    django_settings.PASSWORD_HASHERS = hashers


def test_seed_demo_twice_gives_the_same_counts(demo_world):
    first = model_counts()
    assert first["products.Unit"] == 60
    call_command("seed_demo", units=60, verbosity=0)
    assert model_counts() == first


def test_seed_demo_world_shape(demo_world):
    assert Organization.objects.manufacturers().count() >= 5
    assert Organization.objects.distributors().count() >= 10
    enterprises = Organization.objects.enterprises()
    assert enterprises.count() >= 20
    industries = set(enterprises.values_list("industry", flat=True))
    assert {Industry.PETROLEUM, Industry.CHEMICAL, Industry.COAL, Industry.ELECTRIC_POWER,
            Industry.METALLURGY, Industry.MACHINERY} <= industries
    from products.models import Certificate, ProductModel

    standards = set(ProductModel.objects.values_list("standard", flat=True))
    assert {"GB 2811-2019", "GB 2626-2019", "GB 6095-2021", "GB 21148-2020"} <= standards
    assert ProductModel.objects.filter(category__code="insulating_gloves").exists()
    import datetime

    today = datetime.date.today()
    assert Certificate.objects.filter(valid_until__lt=today).exists()
    assert Certificate.objects.filter(valid_until__gte=today).exists()


def test_every_demo_login_works(demo_world, client):
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec["username"])
        assert user.role == spec["role"]
        assert client.login(username=spec["username"], password=DEMO_PASSWORD), spec["username"]
        client.logout()


def test_every_admin_page_opens_for_a_superuser(demo_world, client):
    client.force_login(User.objects.get(username="admin"))
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, f"{model._meta.label} changelist: {changelist.status_code}"
        opened += 1
        if model_admin.has_add_permission(changelist.wsgi_request):
            add = client.get(reverse("admin:{}_{}_add".format(*info)))
            assert add.status_code == 200, f"{model._meta.label} add: {add.status_code}"
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            try:
                url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            except NoReverseMatch:
                continue
            change = client.get(url)
            assert change.status_code == 200, f"{model._meta.label} change: {change.status_code}"
    assert opened >= 12


def test_admin_speaks_chinese_and_english(demo_world, client):
    client.force_login(User.objects.get(username="admin"))
    zh = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "站点管理" in zh.content.decode()
    en = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Site administration" in en.content.decode()


def test_healthz_reports_each_service(client):
    response = client.get("/healthz")
    body = response.json()
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert response.status_code == 200
