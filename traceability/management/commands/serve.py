"""Serve the platform with its background worker: what `make run` starts.

The web server is gunicorn; the worker is a Celery worker with beat, on whatever broker the
settings name (the embedded filesystem broker by default, Redis in production). Ctrl-C stops both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and a Celery worker (with beat) together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--web-workers", default="2")

    def handle(self, *args, host, port, web_workers, **options):
        bindir = os.path.dirname(sys.executable)
        beat_schedule = str(settings.VAR_DIR / "celerybeat-schedule")
        worker = subprocess.Popen([
            os.path.join(bindir, "celery"), "-A", "traceability", "worker", "-B", "-s", beat_schedule,
            "--loglevel", "INFO", "--concurrency", str(os.cpu_count() or 2),
        ])
        web = subprocess.Popen([
            os.path.join(bindir, "gunicorn"), "traceability.wsgi", "--bind", f"{host}:{port}",
            "--workers", web_workers, "--threads", "4", "--access-logfile", "-",
        ])
        self._banner(host, port)
        try:
            while True:
                for proc in (worker, web):
                    if proc.poll() is not None:
                        raise SystemExit(proc.returncode)
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for proc in (web, worker):
                if proc.poll() is None:
                    proc.terminate()
            for proc in (web, worker):
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _banner(self, host, port):
        from traceability.demo import DEMO_PASSWORD, DEMO_USERS

        base = f"http://{host}:{port}"
        lines = [
            "",
            "PPE traceability platform is running (Ctrl-C stops the web server and the worker)",
            f"  Home / verification   {base}/   {base}/verify/",
            f"  Back office           {base}/admin/",
            f"  Portal                {base}/portal/",
            f"  API docs              {base}/api/docs/",
            f"  EPCIS 2.0             {base}/epcis/events",
            f"  Health                {base}/healthz",
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        lines += [f"  {u['username']:<16} {u['role_label']}" for u in DEMO_USERS]
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()
