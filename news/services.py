"""Writes on articles: create, update, publish, schedule, unpublish, and the cover upload.

Every write renders the Markdown body to sanitized HTML in the same transaction that stores
it, so ``body_html`` never holds anything the sanitizer did not pass. Status changes are
conditional updates whose row count is checked, so two editors pressing "publish" at once
cannot both win or publish something the other just withdrew.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from products.models import ProductCategory

from .models import RESERVED_SLUGS, AccidentCase, Article, Tag
from .rendering import markdown_render

COVER_MAX_SIZE = (1600, 900)
COVER_MAX_BYTES = 10 * 1024 * 1024
COVER_MAX_PIXELS = 40_000_000
COVER_FORMATS = {"JPEG", "PNG", "WEBP"}

ARTICLE_FIELDS = {"kind", "language", "title", "slug", "summary", "body_markdown", "cover_alt", "status",
                  "published_at", "industry", "source"}
CASE_FIELDS = {"occurred_on", "region", "accident_type", "fatalities", "injuries", "direct_cause",
               "ppe_involved", "ppe_role", "lessons", "standards"}

# status now -> statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    Article.Status.DRAFT: {Article.Status.SCHEDULED, Article.Status.PUBLISHED},
    Article.Status.SCHEDULED: {Article.Status.DRAFT, Article.Status.PUBLISHED, Article.Status.SCHEDULED},
    Article.Status.PUBLISHED: {Article.Status.DRAFT},
}


def cover_process(upload: UploadedFile, *, name: str = "cover") -> ContentFile:
    """Check that ``upload`` is a JPEG, PNG or WebP image and return it as a JPEG within 1600x900.

    The image is re-encoded (which drops EXIF, GPS and anything hidden after the pixels) and
    turned upright from its EXIF orientation. Raises ``ValidationError`` for anything else.
    """
    if upload.size is not None and upload.size > COVER_MAX_BYTES:
        raise ValidationError({"cover": _("The cover image is larger than 10 MB.")}, code="too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
        if kind not in COVER_FORMATS:
            raise ValidationError({"cover": _("The cover must be a JPEG, PNG or WebP image.")}, code="format")
        if width * height > COVER_MAX_PIXELS:
            raise ValidationError({"cover": _("The cover image has too many pixels.")}, code="too_many_pixels")
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (255, 255, 255))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            image.thumbnail(COVER_MAX_SIZE, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError({"cover": _("The cover is not a readable image.")}, code="unreadable") from exc
    return ContentFile(out.getvalue(), name=f"{slugify(name) or 'cover'}.jpg")


def _validate(article: Article) -> None:
    errors: dict[str, Any] = {}
    if article.slug in RESERVED_SLUGS:
        errors["slug"] = _("This address is reserved for a page of the news section.")
    if article.status == Article.Status.SCHEDULED and article.published_at is None:
        errors["published_at"] = _("A scheduled article needs its publication time.")
    if errors:
        raise ValidationError(errors)


def _prepare(article: Article) -> None:
    """Render the body and fill what the status implies, before the row is written."""
    article.body_html = markdown_render(article.body_markdown)
    if not article.slug:
        article.slug = slugify(article.title)[:120]
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    _validate(article)


def _tag_create(name: str) -> Tag:
    base = slugify(name, allow_unicode=True)[:50] or "tag"
    slug, n = base, 2
    while Tag.objects.filter(slug=slug).exists():  # two names may slugify alike
        slug, n = f"{base}-{n}", n + 1
    return Tag.objects.create(name=name, slug=slug)


def _set_relations(article: Article, *, category_codes: Iterable[str] | None,
                   tag_names: Iterable[str] | None) -> None:
    if category_codes is not None:
        codes = sorted(set(category_codes))
        categories = list(ProductCategory.objects.filter(code__in=codes))
        missing = set(codes) - {c.code for c in categories}
        if missing:
            raise ValidationError({"categories": _("Unknown product category: %(codes)s")
                                   % {"codes": ", ".join(sorted(missing))}})
        article.categories.set(categories)
    if tag_names is not None:
        tags = []
        for name in sorted({n.strip() for n in tag_names if n.strip()}):
            tags.append(Tag.objects.filter(name=name[:50]).first() or _tag_create(name[:50]))
        article.tags.set(tags)


def _set_case(article: Article, case: dict[str, Any] | None) -> None:
    if case is None:
        return
    if article.kind != Article.Kind.CASE:
        raise ValidationError({"case": _("Only an accident case carries case facts.")})
    unknown = set(case) - CASE_FIELDS
    if unknown:
        raise ValidationError({"case": _("Unknown case fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    row = AccidentCase(article=article, **case)
    row.full_clean(exclude=["article"])
    AccidentCase.objects.update_or_create(article=article, defaults=case)


def article_save(*, article: Article, cover_upload: UploadedFile | None = None) -> Article:
    """Store ``article`` (new or changed) with its body rendered to sanitized HTML.

    The admin calls this for the row; many-to-many fields and the case inline are saved by the
    admin afterwards. A new cover upload is validated and resized first.
    """
    if cover_upload is not None:
        article.cover = cover_process(cover_upload, name=article.slug or article.title)
    _prepare(article)
    with transaction.atomic():
        article.save()
    return article


def article_create(*, author=None, categories: Iterable[str] = (), tags: Iterable[str] = (),
                   case: dict[str, Any] | None = None, cover_upload: UploadedFile | None = None,
                   **fields: Any) -> Article:
    """Create an article with its categories (by code), tags (by name) and, for a case, its facts.

    Raises ``ValidationError`` (and writes nothing) for an unknown field, category or reserved slug.
    """
    unknown = set(fields) - ARTICLE_FIELDS
    if unknown:
        raise ValidationError({"fields": _("Unknown article fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    article = Article(author=author, **fields)
    if article.kind == Article.Kind.CASE and case is None and article.status != Article.Status.DRAFT:
        raise ValidationError({"case": _("An accident case needs its case facts before it is published.")})
    if cover_upload is not None:
        article.cover = cover_process(cover_upload, name=article.slug or article.title)
    _prepare(article)
    with transaction.atomic():
        article.save()
        _set_relations(article, category_codes=categories, tag_names=tags)
        _set_case(article, case)
    return article


def article_update(*, article: Article, categories: Iterable[str] | None = None,
                   tags: Iterable[str] | None = None, case: dict[str, Any] | None = None,
                   **fields: Any) -> Article:
    """Change fields of ``article``; the body is rendered again. Status rules apply as on create."""
    unknown = set(fields) - ARTICLE_FIELDS
    if unknown:
        raise ValidationError({"fields": _("Unknown article fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    new_status = fields.get("status", article.status)
    if new_status != article.status and new_status not in TRANSITIONS[article.status]:
        raise ValidationError({"status": _("An article cannot go from %(old)s to %(new)s.")
                               % {"old": article.status, "new": new_status}})
    for name, value in fields.items():
        setattr(article, name, value)
    _prepare(article)
    with transaction.atomic():
        article.save()
        _set_relations(article, category_codes=categories, tag_names=tags)
        _set_case(article, case)
    return article


def article_publish(*, article: Article, at: datetime.datetime | None = None) -> Article:
    """Publish ``article`` now, or schedule it for ``at`` when ``at`` lies in the future.

    Race-safe: the change applies only if the status is still the one read; otherwise a
    ``ValidationError`` says the article changed meanwhile.
    """
    now = timezone.now()
    target = Article.Status.SCHEDULED if at is not None and at > now else Article.Status.PUBLISHED
    when = at or now
    if target not in TRANSITIONS[article.status]:
        raise ValidationError({"status": _("The article is already published.")}, code="already_published")
    if article.kind == Article.Kind.CASE and not AccidentCase.objects.filter(article=article).exists():
        raise ValidationError({"case": _("An accident case needs its case facts before it is published.")})
    with transaction.atomic():
        changed = Article.objects.filter(pk=article.pk, status=article.status).update(
            status=target, published_at=when, updated_at=now)
        if changed != 1:
            raise ValidationError({"status": _("The article was changed meanwhile; reload it.")}, code="conflict")
    article.refresh_from_db()
    return article


def article_unpublish(*, article: Article) -> Article:
    """Take ``article`` back to draft (from scheduled or published); race-safe like publishing."""
    if article.status == Article.Status.DRAFT:
        raise ValidationError({"status": _("The article is a draft already.")}, code="already_draft")
    with transaction.atomic():
        changed = Article.objects.filter(pk=article.pk, status=article.status).update(
            status=Article.Status.DRAFT, updated_at=timezone.now())
        if changed != 1:
            raise ValidationError({"status": _("The article was changed meanwhile; reload it.")}, code="conflict")
    article.refresh_from_db()
    return article


def articles_publish_due(*, now: datetime.datetime | None = None) -> int:
    """Mark scheduled articles whose time has come as published; returns how many.

    Optional housekeeping (visibility never waits for it: public queries compare the time).
    One UPDATE, so two runs at once do not double-count.
    """
    now = now or timezone.now()
    return Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now).update(
        status=Article.Status.PUBLISHED, updated_at=now)
