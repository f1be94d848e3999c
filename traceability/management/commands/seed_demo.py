"""Load the demo world: organisations, logins, catalogue, batches, units, reports, news.

Idempotent: every step upserts by natural key, so running it twice gives the same counts.
Each app contributes ``<app>/demo.py: seed(world, *, units)``; they run in this order.
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from traceability import demo

APP_STEPS = ["products", "reports", "news"]


class Command(BaseCommand):
    help = "Create or refresh the demo world (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=10_000, help="serialized units to commission (default 10000)")
        parser.add_argument("--once", action="store_true", help="do nothing if the demo world is already there")

    def handle(self, *args, units: int, once: bool, **options):
        if units < 0:
            self.stderr.write("--units must be 0 or more")
            raise SystemExit(2)
        from traceability.models import Organization

        if once and Organization.objects.filter(uscc=demo.demo_uscc("M1", demo.MANUFACTURERS[0][2])).exists():
            self.stdout.write("demo data already loaded")
            return
        with transaction.atomic():
            world = demo.seed_organizations()
            demo.seed_users(world)
        for app in APP_STEPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(world, units=units)
            self.stdout.write(f"seeded {app}")
        self.stdout.write(self.style.SUCCESS("demo data ready"))
