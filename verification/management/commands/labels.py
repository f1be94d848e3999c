"""Start, resume or watch the label job of a batch (QR codes and A4 label sheets)."""

from __future__ import annotations

import json
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from products.models import Batch
from traceability.models import Job
from verification import services


class Command(BaseCommand):
    help = "Queue the label job of a batch (--batch), or resume an unfinished one (--resume); --wait follows it."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--batch", type=int, help="batch id")
        group.add_argument("--resume", type=int, metavar="JOB", help="label job id to resume")
        parser.add_argument("--layout", default="{}", help='JSON, e.g. {"columns": 3, "rows": 8}')
        parser.add_argument("--copies", type=int, help="labels of a consumables batch without units")
        parser.add_argument("--wait", action="store_true", help="print progress until the job ends")

    def handle(self, *args, batch, resume, layout, copies, wait, **options):
        try:
            if resume:
                job = services.label_job_resume(job=Job.objects.get(pk=resume, kind=services.LABEL_JOB_KIND))
            else:
                job = services.label_job_start(batch=Batch.objects.get(pk=batch), layout=json.loads(layout),
                                               copies=copies)
        except (Job.DoesNotExist, Batch.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        job.refresh_from_db()  # with eager tasks (embedded, tests) the job has already run
        self.stdout.write(f"label job {job.pk}: {job.status} {job.done}/{job.total}")
        while wait and job.status in (Job.Status.QUEUED, Job.Status.RUNNING):
            time.sleep(1)
            job.refresh_from_db()
            self.stdout.write(f"label job {job.pk}: {job.status} {job.done}/{job.total} ({job.percent}%)")
        if job.status == Job.Status.SUCCEEDED:
            self.stdout.write(json.dumps(job.result))
        elif job.status == Job.Status.FAILED:
            raise CommandError(f"label job {job.pk} failed: {job.errors}")
