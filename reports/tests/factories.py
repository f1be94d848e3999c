"""Factories for laboratories, product models, batches and reports (GB 2811-2019 helmets by default)."""

from __future__ import annotations

import datetime

import factory

from products.models import Batch, Certificate, ProductCategory, ProductModel
from reports.models import Laboratory, Standard
from traceability.demo import demo_uscc
from traceability.models import Organization, Role, User
from traceability.validators import gs1_check_digit


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"报告测试单位{n}")
    uscc = factory.Sequence(lambda n: demo_uscc(f"reports-{n}", "110100"))
    region = "110100"
    is_manufacturer = True


class LabOrgFactory(OrgFactory):
    is_manufacturer = False
    is_laboratory = True


class RegulatorOrgFactory(OrgFactory):
    is_manufacturer = False
    is_regulator = True


class LaboratoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Laboratory
        skip_postgeneration_save = True

    organization = factory.SubFactory(LabOrgFactory)
    cma_number = factory.Sequence(lambda n: f"{210000000000 + n:012d}")
    cma_valid_until = datetime.date(2030, 12, 31)
    cnas_number = factory.Sequence(lambda n: f"CNAS L{1000 + n}")
    cnas_valid_until = datetime.date(2030, 12, 31)

    @factory.post_generation
    def scope(obj, create, extracted, **kwargs):
        if create:
            obj.scope.set(extracted if extracted is not None else Standard.objects.all())


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "helmet"
    name = "安全帽"
    la_code = "101"
    shelf_life_months = 36


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    manufacturer = factory.SubFactory(OrgFactory)
    category = factory.SubFactory(CategoryFactory)
    name = "ABS 安全帽"
    model_number = factory.Sequence(lambda n: f"RT-{n:03d}")
    gtin = factory.Sequence(lambda n: f"0690999{n:06d}" + gs1_check_digit(f"0690999{n:06d}"))
    standard = "GB 2811-2019"
    declared_claims = factory.LazyFunction(lambda: {"class": "普通型"})


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    product_model = factory.SubFactory(ProductModelFactory)
    lot = factory.Sequence(lambda n: f"L{n:05d}")
    production_date = datetime.date(2025, 6, 1)
    expiry_date = datetime.date(2028, 6, 1)
    quantity = 1000


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    kind = Certificate.Kind.PRODUCTION_LICENCE
    number = factory.Sequence(lambda n: f"XK16-T-{n:05d}")
    manufacturer = factory.SubFactory(OrgFactory)
    issuer = "省市场监督管理局"
    valid_from = datetime.date(2024, 1, 1)
    valid_until = datetime.date(2028, 12, 31)

    @factory.post_generation
    def models(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.product_models.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reports-user{n}")
    role = Role.STAFF
    organization = None
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def helmet_results(**overrides) -> list[dict]:
    """Passing results of every required GB 2811-2019 item of an ordinary helmet; ``overrides``
    replace an item's value (or observation) by item code."""
    base = {
        "impact_hot": "3550", "impact_cold": "4670", "impact_wet": "4140", "impact_uv": "4560",
        "impact_fragments": True, "penetration": True, "chin_strap": "188", "mass": "395",
        "wearing_height": "86", "vertical_clearance": "32", "horizontal_clearance": "11",
    }
    base.update(overrides)
    rows = []
    for code, value in base.items():
        if isinstance(value, bool):
            rows.append({"item_code": code, "observed_pass": value})
        else:
            rows.append({"item_code": code, "value": value})
    return rows


def make_report(*, lab=None, batch=None, kind="factory", number=None, results=None, standard="GB 2811-2019",
                dates=None, user=None, **kwargs):
    """A report through the service, with sensible dates after the batch's production."""
    from reports.services import report_create

    batch = batch or BatchFactory()
    lab = lab or LaboratoryFactory()
    received, start, end, issued = dates or (datetime.date(2025, 6, 5), datetime.date(2025, 6, 6),
                                             datetime.date(2025, 6, 8), datetime.date(2025, 6, 10))
    make_report.counter += 1
    return report_create(
        laboratory=lab, kind=kind, number=number or f"RPT-{make_report.counter:05d}",
        product_model=batch.product_model, batch=batch, standard=Standard.objects.get(designation=standard),
        sample_received_on=received, tested_from=start, tested_until=end, issued_on=issued,
        results=results if results is not None else helmet_results(), user=user, **kwargs)


make_report.counter = 0
