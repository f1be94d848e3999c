"""Label jobs on Celery: a dispatcher fans the chunks out as a group, so every worker process
takes chunks (prefetch 1, acks late: a chunk whose worker dies is delivered again), and the
chunk that completes the job triggers the join. No result backend is needed: completion is
counted in the database (``LabelChunk.done``), not by a chord."""

from __future__ import annotations

from celery import group, shared_task

from traceability.jobs import job_claim
from traceability.models import Job

from . import services
from .models import LabelChunk


@shared_task(acks_late=True)
def labels_dispatch_task(job_id: int) -> int:
    """Claim the job (a running one too: this is how a job resumes) and send one task per chunk
    not yet done; with none left, join the sheets. Returns how many chunk tasks were sent."""
    if not job_claim(job_id, allow_resume=True):
        return 0
    pending = list(LabelChunk.objects.filter(job_id=job_id, done=False).order_by("index")
                   .values_list("index", flat=True))
    if not pending:
        labels_finalize_task.delay(job_id)
        return 0
    group(labels_chunk_task.si(job_id, index) for index in pending).apply_async()
    return len(pending)


@shared_task(acks_late=True)
def labels_chunk_task(job_id: int, index: int) -> None:
    """Render one chunk (skipped if already done); the chunk that completes the job joins it."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists():
        return
    try:
        all_done = services.label_chunk_render(job_id=job_id, index=index)
    except Exception as exc:
        services.label_job_fail(job_id=job_id, error=f"chunk {index}: {exc.__class__.__name__}: {exc}")
        raise
    if all_done:
        labels_finalize_task.delay(job_id)


@shared_task(acks_late=True)
def labels_finalize_task(job_id: int) -> None:
    """Join the chunk PDFs into the batch's label sheet and finish the job (idempotent)."""
    try:
        services.label_job_finalize(job_id=job_id)
    except Exception as exc:
        services.label_job_fail(job_id=job_id, error=f"join: {exc.__class__.__name__}: {exc}")
        raise
