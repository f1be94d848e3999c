"""A small supply chain for the custody tests: a maker, a distributor, an enterprise, one batch."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from products.models import Batch, Unit, Worker
from products.services.custody import unit_commission
from traceability.demo import demo_gln
from traceability.models import Organization, Site
from traceability.tests.factories import DistributorFactory, ManufacturerFactory, OrganizationFactory, SiteFactory

from .factories import BatchFactory, ProductModelFactory, WorkerFactory


@dataclass
class Chain:
    maker: Organization
    distributor: Organization
    enterprise: Organization
    other: Organization
    store: Site
    batch: Batch
    worker: Worker

    def units(self, **filters) -> list[Unit]:
        return list(Unit.objects.filter(batch=self.batch, **filters).order_by("pk"))


@pytest.fixture
def chain(db) -> Chain:
    maker = ManufacturerFactory(name="安盾", gln=demo_gln(901))
    distributor = DistributorFactory(name="华东劳保", gln=demo_gln(902))
    enterprise = OrganizationFactory(name="华北油田", gln=demo_gln(903))
    other = OrganizationFactory(name="别的企业")
    store = SiteFactory(organization=enterprise, name="劳保库房")
    batch = BatchFactory(product_model=ProductModelFactory(manufacturer=maker))
    worker = WorkerFactory(enterprise=enterprise, name="李强", post="电工")
    return Chain(maker, distributor, enterprise, other, store, batch, worker)


@pytest.fixture
def commissioned(chain) -> Chain:
    unit_commission(batch=chain.batch, count=20, actor=chain.maker)
    return chain
