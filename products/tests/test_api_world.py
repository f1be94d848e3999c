"""A small two-of-everything world for the API tests, and an API client per role.

Two manufacturers, two distributors, two enterprises, a laboratory and a regulator, each with a
site; one user per role (plus an auditor without organisation and platform staff). Stock is laid
out so every organisation holds something and has something in transit, so every scope has an
own and a foreign object.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from products.models import (
    Batch,
    Certificate,
    Container,
    Event,
    Holding,
    ProductCategory,
    ProductModel,
    Shipment,
    ShipmentLine,
    Unit,
    Worker,
)
from products.services.chain import events_append
from traceability.demo import demo_gln, demo_uscc
from traceability.gs1 import sgtin_epc
from traceability.models import Organization, Role, Site, User
from traceability.validators import gs1_check_digit

ROLES = ["staff", "manufacturer", "distributor", "enterprise", "laboratory", "regulator", "auditor"]
ORG_OF_ROLE = {"manufacturer": "M1", "distributor": "D1", "enterprise": "E1", "laboratory": "L1",
               "regulator": "R1"}


def gtin(n: int) -> str:
    payload = f"0690999900{n:03d}"
    return payload + gs1_check_digit(payload)


def sscc(n: int) -> str:
    payload = f"06909999{n:09d}"
    return payload + gs1_check_digit(payload)


@dataclass
class World:
    orgs: dict[str, Organization] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    models: dict[str, ProductModel] = field(default_factory=dict)
    batches: dict[str, Batch] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    workers: dict[str, Worker] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)

    def client(self, role: str | None, *, token: bool = True) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # exact messages in tests; the default is Chinese
        if role is not None:
            user = self.users[role]
            if token:
                key, _ = Token.objects.get_or_create(user=user)
                client.credentials(HTTP_AUTHORIZATION=f"Token {key.key}")
            else:
                client.force_authenticate(user)
        return client


def build_world(*, extra_units: int = 0) -> World:
    """Create the world; ``extra_units`` more units held by D1 (for page-size tests)."""
    w = World()
    kinds = {"M": "is_manufacturer", "D": "is_distributor", "E": "is_enterprise", "L": "is_laboratory",
             "R": "is_regulator"}
    for n, key in enumerate(["M1", "M2", "D1", "D2", "E1", "E2", "L1", "R1"], start=1):
        w.orgs[key] = Organization.objects.create(
            name=f"{key} 测试单位", uscc=demo_uscc(f"api-{key}", "320500"), region="320500",
            gln=demo_gln(900 + n), **{kinds[key[0]]: True})
        w.sites[key] = Site.objects.create(organization=w.orgs[key], name=f"{key} 仓库", gln=demo_gln(950 + n))
    for role in ROLES:
        org = w.orgs.get(ORG_OF_ROLE.get(role, ""))
        # No password: hashing one costs most of a second; API tests sign in with tokens.
        w.users[role] = User.objects.create_user(
            username=f"api-{role}", password=None, role=role, organization=org,
            is_staff=role == Role.STAFF, is_superuser=role == Role.STAFF)
    category = ProductCategory.objects.create(code="helmet", name="安全帽", service_life_months=30)
    today = datetime.date.today()
    for n, maker in enumerate(["M1", "M2"], start=1):
        model = ProductModel.objects.create(manufacturer=w.orgs[maker], category=category, name=f"安全帽 {maker}",
                                            model_number=f"H-{maker}", gtin=gtin(n), standard="GB 2811-2019")
        w.models[maker] = model
        cert = Certificate.objects.create(kind=Certificate.Kind.PRODUCTION_LICENCE, number=f"XK-{maker}",
                                          manufacturer=w.orgs[maker], issuer="SAMR",
                                          valid_from=today.replace(year=today.year - 1),
                                          valid_until=today.replace(year=today.year + 2))
        cert.product_models.add(model)
        w.batches[maker] = Batch.objects.create(product_model=model, lot=f"L{maker}", quantity=10,
                                                production_date=today - datetime.timedelta(days=30),
                                                release_state=Batch.ReleaseState.RELEASED)
    for key in ("E1", "E2"):
        w.workers[key] = Worker.objects.create(enterprise=w.orgs[key], employee_number=f"{key}-001",
                                               name=f"{key} 张工", post="巡检", department="一车间")
    serial = iter(range(1000, 10_000_000))

    def unit(batch_key: str, holder: str | None, **extra) -> Unit:
        batch = w.batches[batch_key]
        return Unit.objects.create(batch=batch, gtin=batch.product_model.gtin, serial=f"S{next(serial)}",
                                   status=extra.pop("status", "in_stock"),
                                   holder=w.orgs[holder] if holder else None,
                                   site=w.sites[holder] if holder else None, **extra)

    for key in ("M1", "M2"):
        w.units[key] = unit(key, key)
    w.units["D1"] = unit("M1", "D1")
    w.units["D2"] = unit("M2", "D2")
    w.units["E1"] = unit("M1", "E1", status="issued", worker=w.workers["E1"])
    w.units["E2"] = unit("M2", "E2")
    w.units["M1->D1"] = unit("M1", "M1", status="in_transit", destination=w.orgs["D1"])
    w.units["M2->D2"] = unit("M2", "M2", status="in_transit", destination=w.orgs["D2"])
    for key in ("D1", "D2"):
        w.containers[key] = Container.objects.create(sscc=sscc(len(w.containers) + 1), holder=w.orgs[key],
                                                     site=w.sites[key])
    for sender, receiver in (("M1", "D1"), ("M2", "D2")):
        shipment = Shipment.objects.create(sender=w.orgs[sender], receiver=w.orgs[receiver],
                                           state=Shipment.State.SHIPPED, shipped_at=timezone.now())
        ShipmentLine.objects.create(shipment=shipment, unit=w.units[f"{sender}->{receiver}"],
                                    state=ShipmentLine.State.IN_TRANSIT)
        w.shipments[f"{sender}->{receiver}"] = shipment
    for key in ("D1", "D2"):
        Holding.objects.create(batch=w.batches["M1" if key == "D1" else "M2"], holder=w.orgs[key], quantity=100)
    if extra_units:
        batch = w.batches["M1"]
        Unit.objects.bulk_create([
            Unit(batch=batch, gtin=batch.product_model.gtin, serial=f"X{i}", status="in_stock",
                 holder=w.orgs["D1"], site=w.sites["D1"], container=w.containers["D1"]) for i in range(extra_units)])
    for key in ("M1", "M2", "D1", "D2"):
        u = w.units[key]
        [event] = events_append([{
            "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-01-05T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "epcList": [sgtin_epc(u.gtin, u.serial)],
            "bizStep": "https://ref.gs1.org/cbv/BizStep-inspecting",
            "bizLocation": {"id": w.sites[key].location_uri}, "readPoint": {"id": w.sites[key].location_uri},
        }], recorded_by=w.orgs[key])
        w.events[key] = Event.objects.get(pk=event.pk) if event.pk else Event.objects.get(event_id=event.event_id)
    return w


@pytest.fixture(name="world")
def world_fixture(db) -> World:
    return build_world()


def test_world_has_an_own_and_a_foreign_unit_for_every_holder(world):
    assert Unit.objects.count() == 8
    assert Event.objects.count() == 4
    assert {u.holder.name[:2] for u in Unit.objects.select_related("holder")} == {"M1", "M2", "D1", "D2", "E1", "E2"}
