"""Helpers for background jobs recorded in ``Job`` rows (DESIGN §5).

A service creates the row and queues its task with ``transaction.on_commit`` (never before the
commit); the task calls ``job_claim`` first, so a redelivered or duplicated message does nothing
to a job that is already running or finished, and reports progress with ``job_progress``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Job


def job_create(*, kind: str, params: dict, total: int = 0, task=None, organization=None, created_by=None) -> Job:
    """Create a queued job and, after the surrounding transaction commits, send ``task(job.pk)``."""
    job = Job.objects.create(kind=kind, params=params, total=total, organization=organization, created_by=created_by)
    if task is not None:
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_claim(job_id: int, *, allow_resume: bool = True) -> bool:
    """Move a queued job to running. With ``allow_resume``, a running job (its worker died with
    the message unacknowledged and the broker redelivered it) may be picked up again; the task
    must then continue from what is already done. Returns False when there is nothing to do."""
    statuses = [Job.Status.QUEUED, Job.Status.RUNNING] if allow_resume else [Job.Status.QUEUED]
    return bool(Job.objects.filter(pk=job_id, status__in=statuses)
                .update(status=Job.Status.RUNNING, started_at=timezone.now()))


def job_progress(job_id: int, *, done: int | None = None, add: int | None = None, total: int | None = None) -> None:
    fields: dict = {}
    if total is not None:
        fields["total"] = total
    if done is not None:
        fields["done"] = done
    if add is not None:
        fields["done"] = F("done") + add
    if fields:
        Job.objects.filter(pk=job_id).update(**fields)


def job_finish(job_id: int, *, result: dict | None = None, errors: list | None = None) -> None:
    status = Job.Status.FAILED if errors else Job.Status.SUCCEEDED
    Job.objects.filter(pk=job_id).update(status=status, result=result or {}, errors=errors or [],
                                         finished_at=timezone.now())
