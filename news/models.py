"""Articles: industry news, safety knowledge and accident cases (with structured case fields).

An article is public when its status is published or scheduled and its publication time has
passed (``Article.objects.public()``), so a scheduled article appears on time without any job.
``body_html`` always holds the sanitized rendering of ``body_markdown`` (see ``news.rendering``);
pages and the API sanitize it once more before they use it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from traceability.models import Industry

#: Slugs the public URLs use for their own pages; an article may not take them.
RESERVED_SLUGS = frozenset({"feed", "analysis", "category", "preview"})


class Tag(models.Model):
    """A free label on articles (e.g. 高处作业, 有限空间)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def public(self, now=None):
        """Articles a visitor may see: published, or scheduled whose time has come."""
        now = now or timezone.now()
        return self.filter(status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
                           published_at__lte=now)


class Article(models.Model):
    """One article in one language; an accident case carries an ``AccidentCase`` row."""

    class Kind(models.TextChoices):
        NEWS = "news", _("Industry news")
        KNOWLEDGE = "knowledge", _("Safety knowledge")
        CASE = "case", _("Accident case")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=False,
                            help_text=_("The address of the article: /news/slug/."))
    summary = models.CharField(_("summary"), max_length=400, blank=True,
                               help_text=_("One or two sentences for lists, feeds and link previews."))
    body_markdown = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (sanitized HTML)"), blank=True, editable=False)
    cover = models.ImageField(_("cover image"), upload_to="news/covers/%Y/", blank=True)
    cover_alt = models.CharField(_("cover description"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    published_at = models.DateTimeField(_("publication time"), null=True, blank=True, db_index=True,
                                        help_text=_("For a scheduled article, the moment it appears."))
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True,
                                db_index=True, help_text=_("Empty: concerns every industry."))
    categories = models.ManyToManyField("products.ProductCategory", blank=True, related_name="articles",
                                        verbose_name=_("product categories"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="articles", verbose_name=_("author"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="news_article_public_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["news", "knowledge", "case"]), name="news_article_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "scheduled", "published"]),
                                   name="news_article_status_valid"),
            models.CheckConstraint(condition=Q(language__in=["zh-hans", "en"]), name="news_article_language_valid"),
            # A scheduled or published article always knows when it appears.
            models.CheckConstraint(condition=Q(status="draft") | Q(published_at__isnull=False),
                                   name="news_article_published_at_set"),
            models.CheckConstraint(condition=~Q(slug__in=sorted(RESERVED_SLUGS)), name="news_article_slug_not_reserved"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("news:article", kwargs={"slug": self.slug})

    @property
    def cover_url(self) -> str:
        """Where pages and the API point for the cover ("" without one); versioned by the update time."""
        if not self.cover:
            return ""
        from django.urls import reverse

        return f"{reverse('news:cover', kwargs={'slug': self.slug})}?v={int(self.updated_at.timestamp())}"

    @property
    def is_public(self) -> bool:
        return (self.status != self.Status.DRAFT and self.published_at is not None
                and self.published_at <= timezone.now())


class AccidentType(models.TextChoices):
    """What happened to the worker (the categories of GB 6441, shortened)."""

    FALL_FROM_HEIGHT = "fall_from_height", _("Fall from height")
    STRUCK_BY_OBJECT = "struck_by_object", _("Struck by object")
    ELECTRIC_SHOCK = "electric_shock", _("Electric shock")
    POISONING_ASPHYXIATION = "poisoning_asphyxiation", _("Poisoning and asphyxiation")
    BURNS = "burns", _("Burns and scalds")
    MECHANICAL_INJURY = "mechanical_injury", _("Mechanical injury")
    FIRE_EXPLOSION = "fire_explosion", _("Fire and explosion")
    OTHER = "other", _("Other")


class PpeRole(models.TextChoices):
    """The part protective equipment played in an accident."""

    NOT_WORN = "not_worn", _("Not worn")
    WORN_WRONGLY = "worn_wrongly", _("Worn or used wrongly")
    WRONG_TYPE = "wrong_type", _("Wrong type for the hazard")
    FAILED = "failed", _("Failed in use")
    EXPIRED = "expired", _("Expired or overdue for test")
    COUNTERFEIT = "counterfeit", _("Counterfeit or substandard")
    PROTECTED = "protected", _("Worn correctly and protected")


class AccidentCase(models.Model):
    """The structured facts of an accident case article (one per case article)."""

    AccidentType = AccidentType
    PpeRole = PpeRole

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="case",
                                   verbose_name=_("article"))
    occurred_on = models.DateField(_("date of the accident"))
    region = models.CharField(_("region"), max_length=60, help_text=_("Province or city, e.g. 江苏省苏州市."))
    accident_type = models.CharField(_("accident type"), max_length=30, choices=AccidentType.choices, db_index=True)
    fatalities = models.PositiveIntegerField(_("deaths"), default=0)
    injuries = models.PositiveIntegerField(_("injuries"), default=0)
    direct_cause = models.TextField(_("direct cause"))
    ppe_involved = models.CharField(_("PPE involved"), max_length=200, blank=True,
                                    help_text=_("The equipment concerned, e.g. 全身式安全带."))
    ppe_role = models.CharField(_("part the PPE played"), max_length=20, choices=PpeRole.choices, db_index=True)
    lessons = models.TextField(_("lessons"))
    standards = models.JSONField(_("standards"), default=list, blank=True,
                                 help_text=_("Standard codes with edition, e.g. [\"GB 6095-2021\"]."))

    class Meta:
        verbose_name = _("accident case")
        verbose_name_plural = _("accident cases")
        ordering = ["-occurred_on"]
        constraints = [
            models.CheckConstraint(condition=Q(accident_type__in=[c.value for c in AccidentType]),
                                   name="news_accidentcase_type_valid"),
            models.CheckConstraint(condition=Q(ppe_role__in=[c.value for c in PpeRole]),
                                   name="news_accidentcase_ppe_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.region} {self.get_accident_type_display()}"
