"""Categories, product models (款号) and their certificates."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traceability.models import Organization
from traceability.validators import LA_MARK_DB_REGEX, validate_gtin14


class ProductCategory(models.Model):
    """A kind of PPE with its default life-cycle figures."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    la_code = models.CharField(_("LA product code"), max_length=3, blank=True,
                               help_text=_("The CCC part of an LA mark number, e.g. 101 for helmets."))
    consumable = models.BooleanField(_("consumable"), default=False,
                                     help_text=_("Moves as batch quantities in cartons instead of serialized units."))
    service_life_months = models.PositiveIntegerField(_("default service life (months)"), null=True, blank=True)
    shelf_life_months = models.PositiveIntegerField(_("default shelf life (months)"), null=True, blank=True)
    inspection_interval_days = models.PositiveIntegerField(_("inspection interval (days)"), null=True, blank=True)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    """A product model (款号) of one manufacturer, identified by its GTIN-14."""

    manufacturer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="product_models",
                                     limit_choices_to={"is_manufacturer": True}, verbose_name=_("manufacturer"))
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="product_models",
                                 verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=200)
    model_number = models.CharField(_("model number"), max_length=60)
    specification = models.CharField(_("specification"), max_length=300, blank=True)
    gtin = models.CharField(_("GTIN-14"), max_length=14, unique=True, validators=[validate_gtin14])
    standard = models.CharField(_("applicable standard"), max_length=60,
                                help_text=_("Standard code with edition, e.g. GB 2811-2019."))
    declared_claims = models.JSONField(_("declared claims"), default=dict, blank=True,
                                       help_text=_("Class and performance the maker declares, e.g. {\"class\": \"KN95\"}."))
    service_life_months = models.PositiveIntegerField(_("service life override (months)"), null=True, blank=True)
    instructions_url = models.URLField(_("instructions URL"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["manufacturer__name", "model_number"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model_number"],
                                    name="products_productmodel_maker_number_unique"),
            models.CheckConstraint(condition=Q(gtin__regex=r"^[0-9]{14}$"), name="products_productmodel_gtin_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.model_number}"

    @property
    def effective_service_life_months(self) -> int | None:
        return self.service_life_months or self.category.service_life_months


class Certificate(models.Model):
    """A certificate covering product models: LA mark, production licence, EU type-examination..."""

    class Kind(models.TextChoices):
        LA_MARK = "la_mark", _("LA safety mark")
        PRODUCTION_LICENCE = "production_licence", _("Production licence")
        EU_TYPE_EXAM = "eu_type_exam", _("EU type-examination certificate")
        THIRD_PARTY = "third_party", _("Third-party certificate")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=60)
    manufacturer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="certificates",
                                     limit_choices_to={"is_manufacturer": True}, verbose_name=_("manufacturer"))
    product_models = models.ManyToManyField(ProductModel, related_name="certificates", blank=True,
                                            verbose_name=_("product models"))
    issuer = models.CharField(_("issuer"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    scope = models.TextField(_("scope"), blank=True)
    suspended = models.BooleanField(_("suspended"), default=False)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-valid_until"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="products_certificate_kind_number_unique"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")),
                                   name="products_certificate_valid_range"),
            models.CheckConstraint(condition=~Q(kind="la_mark") | Q(number__regex=LA_MARK_DB_REGEX),
                                   name="products_certificate_la_mark_format"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from traceability.validators import validate_la_mark

        if self.kind == self.Kind.LA_MARK and self.number:
            try:
                validate_la_mark(self.number)
            except ValidationError as exc:
                raise ValidationError({"number": exc.messages}) from exc

    def is_valid_on(self, day: datetime.date) -> bool:
        """Valid on ``day``: inside its dates and neither suspended nor withdrawn."""
        return not self.suspended and not self.withdrawn and self.valid_from <= day <= self.valid_until
