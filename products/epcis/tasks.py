"""Celery tasks of the EPCIS binding: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def epcis_capture_task(job_id: int) -> None:
    """Run capture job ``job_id``; a second delivery of the message does nothing (job_claim guard)."""
    from .services import epcis_capture_job_run

    epcis_capture_job_run(job_id)
