"""Helpers for the test suites of every app."""

from __future__ import annotations

import threading

from django.db import connection


def race(*calls, timeout: float = 30) -> list:
    """Run ``calls`` at the same moment, each in its own thread and database connection.

    Returns each call's result, or the exception it raised, in order: a race test asserts that
    exactly one won and what the other was told.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
