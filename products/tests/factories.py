"""Factories for the catalogue, batches, units and workers."""

from __future__ import annotations

import datetime

import factory

from products.models import Batch, ProductCategory, ProductModel, Worker
from traceability.tests.factories import ManufacturerFactory, OrganizationFactory
from traceability.validators import gs1_check_digit


def _gtin(n: int) -> str:
    payload = f"0690999{n:06d}"
    return payload + gs1_check_digit(payload)


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "helmet"
    name = "安全帽"
    service_life_months = 30


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    category = factory.SubFactory(ProductCategoryFactory)
    name = "ABS 安全帽"
    model_number = factory.Sequence(lambda n: f"H-{n:04d}")
    gtin = factory.Sequence(_gtin)
    standard = "GB 2811-2019"


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    product_model = factory.SubFactory(ProductModelFactory)
    lot = factory.Sequence(lambda n: f"L{n:05d}")
    production_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    expiry_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=900))


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    enterprise = factory.SubFactory(OrganizationFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    name = "张伟"
    post = "电工"
