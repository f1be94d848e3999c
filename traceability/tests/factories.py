"""Factories for organisations, sites and users."""

from __future__ import annotations

import factory

from traceability.demo import demo_uscc
from traceability.models import Organization, Role, Site, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    uscc = factory.Sequence(lambda n: demo_uscc(f"factory-{n}", "320500"))
    region = "320500"
    is_enterprise = True


class ManufacturerFactory(OrganizationFactory):
    is_enterprise = False
    is_manufacturer = True


class DistributorFactory(OrganizationFactory):
    is_enterprise = False
    is_distributor = True


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"仓库{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ENTERPRISE
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
