"""Verify the event log's hash chain; exit 1 and name the first broken event if it is broken."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from products.services.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident event chain."

    def handle(self, *args, **options):
        report = chain_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {report.checked} events, head at {report.head_seq}"))
            return
        self.stderr.write(f"BROKEN at event #{report.first_broken_seq}: {report.reason} "
                          f"({report.checked} events verified before it)")
        raise SystemExit(1)
