"""QR codes and label sheets (DESIGN §7, §8), each figure beside its floor in the same run.

    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_qr CELERY_BROKER_URL=redis://localhost:6379/5 \\
        .venv/bin/python bench/qr.py --units 100000 [--kill]

The database named there is emptied and migrated first: never point it at real data. The
media folder is a fresh temporary directory. Measures:
- floor: the plain library call, ``qrcode.make(uri).save(png)``, per code on one process, and
  what 100,000 of them cost on one and on two processes;
- the label job of a batch of ``--units`` units run by a real Celery worker with 2 processes
  (prefetch 1, acks late) on the broker named: wall time from queueing to the finished sheet;
- with ``--kill``: one worker process is killed with SIGKILL mid-job; afterwards every unit
  has exactly one PNG and one SVG and the job counts each code once;
- every PNG decoded back with ZXing-C++ and compared with its URI (2 processes);
- the label-sheet PDF of 1,000 labels (matrices and PDF, one process).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceability.settings")
os.environ.setdefault("SQLITE_PATH", "/tmp/bench-qr.sqlite3")
MEDIA = tempfile.mkdtemp(prefix="bench-qr-media-")
os.environ["MEDIA_ROOT"] = MEDIA
os.environ.setdefault("SITE_URL", "https://ppe.example.org")

import django  # noqa: E402

django.setup()

import qrcode  # noqa: E402
import zxingcpp  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

from traceability.gs1 import site_digital_link  # noqa: E402


def world(units: int):
    """An emptied, migrated database with one manufacturer, one model, one batch of ``units``."""
    import datetime

    from products.models import Batch, Certificate, ProductCategory, ProductModel, Unit
    from traceability.demo import demo_uscc
    from traceability.models import Organization
    from traceability.validators import gs1_check_digit, new_serials

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    maker = Organization.objects.create(name="基准防护用品有限公司", uscc=demo_uscc("bench-qr", "320500"),
                                        region="320500", is_manufacturer=True)
    category = ProductCategory.objects.create(code="helmet", name="安全帽", la_code="101", service_life_months=30)
    gtin = "0690555000001"
    model = ProductModel.objects.create(manufacturer=maker, category=category, name="ABS 安全帽", model_number="B-1",
                                        gtin=gtin + gs1_check_digit(gtin), standard="GB 2811-2019")
    today = datetime.date.today()
    cert = Certificate.objects.create(kind="la_mark", number="24-32-101001", manufacturer=maker, issuer="LA",
                                      valid_from=today.replace(year=today.year - 1), valid_until=today.replace(year=today.year + 3))
    cert.product_models.add(model)
    batch = Batch.objects.create(product_model=model, lot="B2609", production_date=today,
                                 expiry_date=today.replace(year=today.year + 3), quantity=units, release_state="released")
    small = Batch.objects.create(product_model=model, lot="S2609", production_date=today,
                                 expiry_date=today.replace(year=today.year + 3), quantity=1000, release_state="released")
    for target, count in ((batch, units), (small, 1000)):
        serials = new_serials(count)
        for start in range(0, count, 10000):
            Unit.objects.bulk_create([Unit(batch=target, gtin=model.gtin, serial=s)
                                      for s in serials[start:start + 10000]], batch_size=5000)
    return batch, small


def plain_floor(uris: list[str]) -> float:
    """ms per code of the plain library call (default settings: best fit, best mask)."""
    started = time.perf_counter()
    for uri in uris:
        qrcode.make(uri).save(io.BytesIO())
    return (time.perf_counter() - started) * 1000 / len(uris)


def own_pipeline(uris: list[str]) -> dict:
    """ms per code of each step of a chunk, in this process."""
    from verification import rendering

    t0 = time.perf_counter()
    matrices = [rendering.qr_matrix(uri) for uri in uris]
    t1 = time.perf_counter()
    for matrix in matrices:
        rendering.png_bytes(matrix)
    t2 = time.perf_counter()
    for matrix, uri in zip(matrices, uris, strict=True):
        rendering.svg_text(matrix, uri)
    t3 = time.perf_counter()
    labels = [rendering.Label(m, (("ABS 安全帽", "title"), ("型号 B-1", "text"), ("批号 B2609", "text"),
                                  ("序列号 ABCDEFGHJKLM", "mono"), ("生产日期 2026-09-01", "text"),
                                  ("有效期至 2029-09-01", "text"), ("LA 24-32-101001", "text"))) for m in matrices]
    rendering.labels_pdf(labels, rendering.LabelLayout())
    t4 = time.perf_counter()
    n = len(uris) / 1000
    return {"matrix": (t1 - t0) / n, "png": (t2 - t1) / n, "svg": (t3 - t2) / n, "pdf": (t4 - t3) / n}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_job(batch, *, kill: bool, timeout: int = 3600) -> dict:
    """Queue the batch's label job and let a 2-process Celery worker do it; optionally SIGKILL
    one of its processes mid-job."""
    from django.db import transaction

    from traceability.models import Job
    from verification import services

    env = {**os.environ, "MEDIA_ROOT": MEDIA}
    worker = subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "traceability", "worker",
                               "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                               "-n", f"benchqr{os.getpid()}@%h"], cwd=ROOT, env=env)
    killed = None
    try:
        time.sleep(6)  # the worker's start-up is not part of the job
        started = time.perf_counter()
        with transaction.atomic():
            job = services.label_job_start(batch=batch)
        while True:
            time.sleep(0.5)
            job.refresh_from_db()
            if kill and killed is None and job.done >= job.total * 0.4:
                children = _children(worker.pid)
                if children:
                    killed = children[0]
                    os.kill(killed, signal.SIGKILL)
                    print(f"  SIGKILL to worker process {killed} at {job.done}/{job.total}", flush=True)
            if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
                break
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"label job did not finish in {timeout} s (resume it: manage.py labels --resume)")
        elapsed = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    return {"job": job, "seconds": elapsed, "killed": killed}


def _decode_one(item: tuple[str, str]) -> bool:
    path, uri = item
    # QR only: a full scan of all formats now and then also "finds" a short linear code inside
    # the QR pattern (seen twice in 100,000), beside the right QR reading
    results = zxingcpp.read_barcodes(Image.open(path), formats=zxingcpp.BarcodeFormat.QRCode)
    return len(results) == 1 and results[0].text == uri


def decode_all(batch) -> dict:
    from verification import services

    folder = services.labels_dir(batch) / "png"
    serials = list(batch.units.values_list("serial", flat=True))
    items = [(str(folder / f"{quote(s, safe='')}.png"),
              site_digital_link(batch.product_model.gtin, batch.lot, s, batch.expiry_date)) for s in serials]
    files = {p.name for p in folder.iterdir() if p.suffix == ".png"}
    svgs = {p.name for p in (folder.parent / "svg").iterdir() if p.suffix == ".svg"}
    started = time.perf_counter()
    with multiprocessing.Pool(2) as pool:
        ok = sum(pool.imap_unordered(_decode_one, items, chunksize=200))
    return {"units": len(serials), "png_files": len(files), "svg_files": len(svgs), "decoded_ok": ok,
            "decode_seconds": time.perf_counter() - started}


def sheet_1000(small) -> dict:
    """Seconds for the label PDF of 1,000 labels: matrices and sheet, one process (median of 3)."""
    from verification import rendering, services

    texts = services._label_texts(small)
    serials = list(small.units.values_list("serial", flat=True))
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        labels = [rendering.Label(rendering.qr_matrix(site_digital_link(small.product_model.gtin, small.lot, s,
                                                                          small.expiry_date)),
                                  ((texts["title"], "title"), (texts["model"], "text"), (texts["lot"], "text"),
                                   (f"S/N {s}", "mono"), (texts["produced"], "text"), (texts["expiry"], "text"),
                                   (texts["cert"], "text"))) for s in serials]
        pdf = rendering.labels_pdf(labels, rendering.LabelLayout())
        runs.append(time.perf_counter() - started)
    return {"seconds": statistics.median(runs), "bytes": len(pdf), "labels": len(serials)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500, help="codes timed for the per-code figures")
    parser.add_argument("--kill", action="store_true", help="SIGKILL a worker process at 40%% of the job")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the job")
    args = parser.parse_args()
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://") or settings.CELERY_TASK_ALWAYS_EAGER:
        print("note: set CELERY_BROKER_URL=redis://... for a real broker", file=sys.stderr)
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, units: {args.units}", flush=True)
    batch, small = world(args.units)
    sample = [site_digital_link(batch.product_model.gtin, batch.lot, s, batch.expiry_date)
              for s in batch.units.values_list("serial", flat=True)[:args.sample]]
    floor_ms = statistics.median(plain_floor(sample) for _ in range(3))
    steps = own_pipeline(sample)
    print(f"plain qrcode.make(...).save(png): {floor_ms:.2f} ms/code -> {args.units} codes "
          f"{floor_ms * args.units / 1000:.0f} s on 1 process, {floor_ms * args.units / 2000:.0f} s on 2", flush=True)
    print("own chunk pipeline ms/code: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
          + f" (total {sum(steps.values()):.2f})", flush=True)
    sheet = sheet_1000(small)
    print(f"label sheet of {sheet['labels']} labels: {sheet['seconds']:.2f} s ({sheet['bytes'] / 1e6:.1f} MB)",
          flush=True)
    outcome = run_job(batch, kill=args.kill, timeout=args.timeout)
    job = outcome["job"]
    chunks = job.label_chunks.count()
    print(f"label job of {job.total} codes on a 2-process worker: {outcome['seconds']:.1f} s "
          f"({job.total / outcome['seconds']:.0f} codes/s), status {job.status}, done {job.done}/{job.total}, "
          f"{chunks} chunks of {job.params['chunk_size']}, {job.result.get('pages')} pages", flush=True)
    check = decode_all(batch)
    print(f"decode: {check['decoded_ok']}/{check['units']} PNGs decode to their URI; files: "
          f"{check['png_files']} PNG, {check['svg_files']} SVG ({check['decode_seconds']:.0f} s)", flush=True)
    summary = {"units": args.units, "plain_ms_per_code": floor_ms, "plain_seconds_1proc": floor_ms * args.units / 1000,
               "plain_seconds_2proc": floor_ms * args.units / 2000, "pipeline_ms": steps,
               "job_seconds": outcome["seconds"], "job_status": job.status, "job_done": job.done,
               "killed_process": outcome["killed"], "sheet_1000_seconds": sheet["seconds"], **check}
    print(json.dumps(summary, default=str))


if __name__ == "__main__":
    main()
