"""Template helpers: the render-time sanitizer and "safety knowledge for this equipment"."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from news.rendering import html_sanitize
from news.selectors import knowledge_for_category

register = template.Library()


@register.filter(name="sanitized")
def sanitized(html: str | None) -> SafeString:
    """Sanitize stored HTML again before it is marked safe (trust nothing from the table)."""
    return mark_safe(html_sanitize(html or ""))  # noqa: S308 - the sanitizer output is the safe part


@register.inclusion_tag("news/_knowledge_for_category.html")
def category_knowledge(category, limit: int = 3) -> dict:
    """``{% category_knowledge unit.batch.product_model.category %}``: a short list of articles."""
    code = category if isinstance(category, str) else getattr(category, "code", "")
    articles = list(knowledge_for_category(code, limit=limit)) if code else []
    return {"articles": articles, "category_code": code}
