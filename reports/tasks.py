"""Celery tasks of the reports app: ids in, a guard, then a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def comparison_run_task(self, comparison_id: int) -> str:
    """Run one comparison job. A finished comparison is left alone (the service's claim is the guard)."""
    from .services.compare import comparison_run

    result = comparison_run(comparison_id)
    return "skipped" if result is None else result.outcome
