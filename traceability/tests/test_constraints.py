"""Database constraints hold even when code skips validation (DRF never calls full_clean)."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from products.models import Batch, Certificate, Container, ProductCategory, ProductModel, Unit, Worker
from traceability.models import Organization, Site, User

from .factories import ManufacturerFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def assert_rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_organization_constraints():
    org = OrganizationFactory(gln="6901234000009")
    assert_rejected(lambda: Organization.objects.create(name="x", uscc=org.uscc, region="320500", is_enterprise=True))
    assert_rejected(lambda: Organization.objects.create(name="x", uscc="91350100M000100y43", region="320500", is_enterprise=True))
    assert_rejected(lambda: Organization.objects.create(name="x", uscc="914403001922038216", region="3205", is_enterprise=True))
    assert_rejected(lambda: Organization.objects.create(name="x", uscc="914403001922038216", region="320500"))  # no kind
    assert_rejected(lambda: Organization.objects.create(name="x", uscc="914403001922038216", region="320500",
                                                        is_enterprise=True, gln="6901234000009"))  # GLN taken
    # Blank GLNs do not collide with each other.
    OrganizationFactory(gln="")
    OrganizationFactory(gln="")


def test_site_name_unique_per_organization():
    org = OrganizationFactory()
    Site.objects.create(organization=org, name="仓库")
    assert_rejected(lambda: Site.objects.create(organization=org, name="仓库"))
    Site.objects.create(organization=OrganizationFactory(), name="仓库")


def test_user_needs_organization_for_organisation_roles():
    assert_rejected(lambda: User.objects.create(username="d", role="distributor"))
    User.objects.create(username="a", role="auditor")
    User.objects.create(username="n", role="")


@pytest.fixture
def model():
    category = ProductCategory.objects.create(code="helmet", name="安全帽")
    return ProductModel.objects.create(manufacturer=ManufacturerFactory(), category=category, name="安全帽",
                                       model_number="H1", gtin="06901234567892", standard="GB 2811-2019")


def test_product_model_gtin_unique_and_format(model):
    assert_rejected(lambda: ProductModel.objects.create(manufacturer=model.manufacturer, category=model.category,
                                                        name="x", model_number="H2", gtin=model.gtin, standard="x"))
    assert_rejected(lambda: ProductModel.objects.create(manufacturer=model.manufacturer, category=model.category,
                                                        name="x", model_number="H3", gtin="6901234567892", standard="x"))


def test_certificate_la_mark_format_and_dates(model):
    ok = dict(manufacturer=model.manufacturer, issuer="i", valid_from=datetime.date(2024, 1, 1),
              valid_until=datetime.date(2027, 12, 31))
    Certificate.objects.create(kind="la_mark", number="24-32-101001", **ok)
    assert_rejected(lambda: Certificate.objects.create(kind="la_mark", number="24-32-999001", **ok))
    assert_rejected(lambda: Certificate.objects.create(kind="la_mark", number="24-32-101001", **ok))  # duplicate
    Certificate.objects.create(kind="production_licence", number="XK16-001", **ok)  # free format for others
    assert_rejected(lambda: Certificate.objects.create(kind="third_party", number="T1", manufacturer=model.manufacturer,
                                                       issuer="i", valid_from=datetime.date(2025, 1, 1),
                                                       valid_until=datetime.date(2024, 1, 1)))


def test_batch_constraints(model):
    Batch.objects.create(product_model=model, lot="L1", production_date=datetime.date(2025, 1, 1),
                         expiry_date=datetime.date(2028, 1, 1))
    assert_rejected(lambda: Batch.objects.create(product_model=model, lot="L1", production_date=datetime.date(2025, 2, 1)))
    assert_rejected(lambda: Batch.objects.create(product_model=model, lot="L2", production_date=datetime.date(2025, 1, 1),
                                                 expiry_date=datetime.date(2024, 1, 1)))
    assert_rejected(lambda: Batch.objects.create(product_model=model, lot="批次 1", production_date=datetime.date(2025, 1, 1)))


def test_unit_constraints(model):
    batch = Batch.objects.create(product_model=model, lot="L1", production_date=datetime.date(2025, 1, 1))
    Unit.objects.create(batch=batch, gtin=model.gtin, serial="ABCDEFGH2345")
    assert_rejected(lambda: Unit.objects.create(batch=batch, gtin=model.gtin, serial="ABCDEFGH2345"))
    assert_rejected(lambda: Unit.objects.create(batch=batch, gtin=model.gtin, serial="序列号"))
    assert_rejected(lambda: Unit.objects.create(batch=batch, gtin=model.gtin, serial="X1", status="issued"))
    assert_rejected(lambda: Unit.objects.create(batch=batch, gtin=model.gtin, serial="X2", status="in_transit"))
    # The same serial under another GTIN is a different item.
    Unit.objects.create(batch=batch, gtin="09506000134352", serial="ABCDEFGH2345")


def test_container_sscc_format():
    holder = OrganizationFactory()
    Container.objects.create(sscc="106141411234567897", holder=holder)
    assert_rejected(lambda: Container.objects.create(sscc="106141411234567897", holder=holder))
    assert_rejected(lambda: Container.objects.create(sscc="10614141123456789", holder=holder))


def test_worker_number_unique_per_enterprise_and_pseudonym():
    enterprise = OrganizationFactory()
    w = Worker.objects.create(enterprise=enterprise, employee_number="001", name="张三")
    assert w.pseudonym.startswith("W") and len(w.pseudonym) == 25
    assert_rejected(lambda: Worker.objects.create(enterprise=enterprise, employee_number="001", name="李四"))
    other = Worker.objects.create(enterprise=OrganizationFactory(), employee_number="001", name="李四")
    assert other.pseudonym != w.pseudonym
