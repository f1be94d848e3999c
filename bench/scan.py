"""Public scan page (DESIGN §7): requests/s and p99 under gunicorn, beside a bare lookup of the
same row served by the same server.

    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_scan CACHE_URL=redis://localhost:6379/9 \\
        .venv/bin/python bench/scan.py

The database named there is emptied and migrated first: never point it at real data.
gunicorn runs 2 sync workers with ``bench/scan_settings.py`` (the platform's settings plus the
floor view ``/bench/bare/<gtin>/<serial>``: one indexed lookup of the unit, as JSON). Measures,
medians of ``--rounds`` alternating rounds:
- throughput (wrk, 1 thread, 8 connections, keep-alive) of the scan page of a genuine unit
  (HTML as a phone gets it, and the JSON linkset) and of the bare lookup;
- latency at a fixed 200 requests/s (open loop: each request's latency counts from the moment
  it was due, so a stall is not hidden), p50 / p99; and again at half the throughput the scan
  page reached in this run, for both, which tells the page's own latency on a machine too busy
  to serve 200 requests/s at all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceability.settings")
os.environ.setdefault("SQLITE_PATH", "/tmp/bench-scan.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def world() -> str:
    """Emptied, migrated database with one certified model, a released batch and 1,000 units;
    returns the path of one unit's Digital Link."""
    import datetime

    from products.models import Batch, Certificate, ProductCategory, ProductModel, Unit
    from traceability.demo import demo_uscc
    from traceability.models import Organization
    from traceability.validators import gs1_check_digit, new_serials

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    maker = Organization.objects.create(name="基准防护用品有限公司", uscc=demo_uscc("bench-scan", "320500"),
                                        region="320500", is_manufacturer=True)
    category = ProductCategory.objects.create(code="helmet", name="安全帽", la_code="101", service_life_months=30,
                                              inspection_interval_days=90)
    gtin = "0690555000002"
    model = ProductModel.objects.create(manufacturer=maker, category=category, name="ABS 安全帽", model_number="B-2",
                                        gtin=gtin + gs1_check_digit(gtin), standard="GB 2811-2019",
                                        instructions_url="https://maker.example.com/manual.pdf")
    today = datetime.date.today()
    cert = Certificate.objects.create(kind="la_mark", number="24-32-101002", manufacturer=maker, issuer="LA",
                                      valid_from=today.replace(year=today.year - 1),
                                      valid_until=today.replace(year=today.year + 3))
    cert.product_models.add(model)
    batch = Batch.objects.create(product_model=model, lot="B2610", production_date=today,
                                 expiry_date=today.replace(year=today.year + 3), quantity=1000,
                                 release_state="released")
    Unit.objects.bulk_create([Unit(batch=batch, gtin=model.gtin, serial=s, status="in_stock")
                              for s in new_serials(1000)])
    unit = Unit.objects.filter(batch=batch).order_by("id")[500]
    return unit.gtin, batch.lot, unit.serial


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str) -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {path}")


def wrk(port: int, path: str, seconds: int, headers: dict | None = None) -> dict:
    """Closed-loop throughput with wrk: requests/s and wrk's own latency percentiles."""
    cmd = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "errors": int(non2xx.group(1)) if non2xx else 0}


def fixed_rate(port: int, path: str, rate: int, seconds: int, headers: dict | None = None) -> dict:
    """Open-loop load at ``rate`` requests/s from a few keep-alive connections; latency counts
    from each request's due time."""
    total = rate * seconds
    interval = 1.0 / rate
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            done = time.perf_counter()
            with lock:
                latencies.append(done - due)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {"p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "requests": len(latencies), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian package wrk)")
    from django.conf import settings

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}", flush=True)
    gtin, lot, serial = world()
    scan = f"/01/{gtin}/10/{lot}/21/{serial}"
    bare = f"/bench/bare/{gtin}/{serial}"
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scan_settings", "DEBUG": "0"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "traceability.wsgi",
                               "--pythonpath", str(ROOT / "bench"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_ready(port, bare)
        wait_ready(port, scan)
        wrk(port, scan, 2)  # warm both workers (connections, caches)
        wrk(port, bare, 2)
        rounds: dict[str, list] = {"scan_html": [], "scan_json": [], "bare": []}
        for _ in range(args.rounds):
            rounds["scan_html"].append(wrk(port, scan, args.seconds))
            rounds["scan_json"].append(wrk(port, scan, args.seconds, {"Accept": "application/json"}))
            rounds["bare"].append(wrk(port, bare, args.seconds))
        latency = [fixed_rate(port, scan, args.rate, args.seconds) for _ in range(args.rounds)]
        bare_latency = fixed_rate(port, bare, args.rate, args.seconds)
        # On a machine too busy to serve the target rate at all, latency at that rate only
        # measures the queue: also measure both at half of what the scan page sustained.
        half = max(5, int(statistics.median(r["rps"] for r in rounds["scan_html"]) / 2))
        latency_half = [fixed_rate(port, scan, half, args.seconds) for _ in range(args.rounds)]
        bare_half = fixed_rate(port, bare, half, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    med = {name: statistics.median(r["rps"] for r in runs) for name, runs in rounds.items()}
    errors = {name: sum(r["errors"] for r in runs) for name, runs in rounds.items()}
    p99 = statistics.median(r["p99_ms"] for r in latency)
    p50 = statistics.median(r["p50_ms"] for r in latency)
    print(f"scan page (HTML): {med['scan_html']:.0f} req/s; JSON linkset: {med['scan_json']:.0f} req/s; "
          f"bare lookup: {med['bare']:.0f} req/s; ratio HTML/bare {med['scan_html'] / med['bare']:.2f}, "
          f"JSON/bare {med['scan_json'] / med['bare']:.2f}; non-2xx {errors}")
    rounds_p99 = ", ".join(format(r["p99_ms"], ".1f") for r in latency)
    print(f"at {args.rate} req/s: scan page p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(rounds: {rounds_p99}); bare p99 {bare_latency['p99_ms']:.1f} ms")
    print(f"at {half} req/s (half the scan page's throughput): scan page p50 "
          f"{statistics.median(r['p50_ms'] for r in latency_half):.1f} ms, p99 "
          f"{statistics.median(r['p99_ms'] for r in latency_half):.1f} ms; bare p99 {bare_half['p99_ms']:.1f} ms")
    print(json.dumps({"rps": med, "rounds": rounds, "latency": latency, "bare_latency": bare_latency,
                      "half_rate": half, "latency_half": latency_half, "bare_half": bare_half}))


if __name__ == "__main__":
    main()
