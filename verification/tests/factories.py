"""Factories for the scan page and label tests: units are rows with a status, made directly."""

from __future__ import annotations

import datetime

import factory

from products.models import Batch, Certificate, ProductCategory, ProductModel, Unit, Worker
from traceability.tests.factories import ManufacturerFactory, OrganizationFactory
from traceability.validators import gs1_check_digit, new_serial


def gtin_for(n: int) -> str:
    payload = f"0690777{n:06d}"
    return payload + gs1_check_digit(payload)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "helmet"
    name = "安全帽"
    name_en = "Safety helmet"
    la_code = "101"
    service_life_months = 30
    shelf_life_months = 36
    inspection_interval_days = 90


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    category = factory.SubFactory(CategoryFactory)
    name = "ABS 安全帽"
    model_number = factory.Sequence(lambda n: f"AD-H{n:04d}")
    gtin = factory.Sequence(gtin_for)
    standard = "GB 2811-2019"
    instructions_url = "https://maker.example.com/manual.pdf"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    kind = Certificate.Kind.LA_MARK
    number = factory.Sequence(lambda n: f"24-32-101{n % 1000:03d}")
    manufacturer = factory.SubFactory(ManufacturerFactory)
    issuer = "安全标志管理中心"
    valid_from = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))

    @factory.post_generation
    def models(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.product_models.add(*extracted)


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    product_model = factory.SubFactory(ProductModelFactory)
    lot = factory.Sequence(lambda n: f"2509{n:04d}")
    production_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    expiry_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=900))
    release_state = Batch.ReleaseState.RELEASED


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    batch = factory.SubFactory(BatchFactory)
    gtin = factory.LazyAttribute(lambda o: o.batch.product_model.gtin)
    serial = factory.LazyFunction(new_serial)
    status = "in_stock"
    retire_reason = factory.LazyAttribute(lambda o: "end_of_life" if o.status == "retired" else "")


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    enterprise = factory.SubFactory(OrganizationFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    name = "王秀英"
    post = "电工"


def certified_batch(**kwargs) -> Batch:
    """A released batch whose model has a valid LA certificate."""
    batch = BatchFactory(**kwargs)
    CertificateFactory(manufacturer=batch.product_model.manufacturer, models=[batch.product_model])
    return batch


def units_of(batch: Batch, count: int, **kwargs) -> list[Unit]:
    """``count`` units of ``batch`` in one INSERT."""
    from traceability.validators import new_serials

    return Unit.objects.bulk_create([Unit(batch=batch, gtin=batch.product_model.gtin, serial=serial,
                                          status=kwargs.get("status", "in_stock")) for serial in new_serials(count)])


class ProductCategoryConsumable(CategoryFactory):
    code = "respirator"
    name = "防颗粒物口罩"
    la_code = "201"
    consumable = True
    service_life_months = None
    inspection_interval_days = None
