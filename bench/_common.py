"""Shared set-up of the custody benchmarks (commission, ship, trace).

The database is chosen as in production: ``DATABASE_URL`` for PostgreSQL, else ``SQLITE_PATH``.
It is migrated and emptied first: never point a benchmark at real data.
"""

from __future__ import annotations

import datetime
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceability.settings")


def setup(default_sqlite: str, *, flush: bool = True) -> None:
    os.environ.setdefault("SQLITE_PATH", default_sqlite)
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # the CBV hash library logs each event whole at INFO
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if flush:
        call_command("flush", verbosity=0, interactive=False)


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def world(tag: str = "bench"):
    """A manufacturer, a distributor, an enterprise, one product model; returns them and a batch factory."""
    from products.models import Batch, ProductCategory, ProductModel
    from traceability.demo import demo_gln, demo_uscc
    from traceability.models import Organization
    from traceability.validators import gs1_check_digit

    maker = Organization.objects.create(name=f"{tag} maker", uscc=demo_uscc(f"{tag}-m", "320500"), region="320500",
                                        is_manufacturer=True, gln=demo_gln(7001))
    distributor = Organization.objects.create(name=f"{tag} distributor", uscc=demo_uscc(f"{tag}-d", "310100"),
                                              region="310100", is_distributor=True, gln=demo_gln(7002))
    enterprise = Organization.objects.create(name=f"{tag} enterprise", uscc=demo_uscc(f"{tag}-e", "130900"),
                                             region="130900", is_enterprise=True, gln=demo_gln(7003))
    category = ProductCategory.objects.create(code=f"{tag}-helmet", name="安全帽")
    payload = "0690888000001"
    model = ProductModel.objects.create(manufacturer=maker, category=category, name="ABS 安全帽", model_number=f"{tag}-1",
                                        gtin=payload + gs1_check_digit(payload), standard="GB 2811-2019")
    counter = iter(range(1, 10_000))

    def batch() -> Batch:
        today = datetime.date.today()
        return Batch.objects.create(product_model=model, lot=f"B{next(counter):05d}",
                                    production_date=today - datetime.timedelta(days=10),
                                    expiry_date=today + datetime.timedelta(days=1000))

    return maker, distributor, enterprise, batch
