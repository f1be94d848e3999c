"""Optional housekeeping: record scheduled articles whose time has come as published.

Visibility never depends on it (public queries compare the publication time with now); a beat
entry such as ``{"task": "news.tasks.articles_publish_due_task", "schedule": 300}`` keeps the
stored status tidy for the admin's list filter.
"""

from __future__ import annotations

from celery import shared_task

from .services import articles_publish_due


@shared_task(name="news.tasks.articles_publish_due_task")
def articles_publish_due_task() -> int:
    """Mark due scheduled articles as published; one UPDATE, so overlapping runs are harmless."""
    return articles_publish_due()
