"""EPCIS capture and the event chain (DESIGN §7), each beside its floor in the same run.

    SQLITE_PATH=/tmp/bench-epcis.sqlite3 .venv/bin/python bench/epcis.py
    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_epcis .venv/bin/python bench/epcis.py

The database named there is emptied and migrated first: never point it at real data.
Measures (medians of several rounds):
- capture of a 500-event EPCISDocument through the capture-job path (JSON parse, GS1 schema,
  business rules, identifiers, eventIDs, idempotency check, chain append, EPCIS index), with
  eventIDs supplied by the client and with eventIDs computed by the server (CBV 2.0 hash);
  floor: a bare ``bulk_create`` of the same Event and EventEPC rows;
- single events through ``POST /epcis/events`` (Django test client, token auth, no network);
  floor: an authenticated ``OPTIONS /epcis/capture`` through the same middleware and DRF stack;
- the chain's share of capture time (hashing each event into the chain);
- chain verification, timed on ``--verify-events`` events and scaled to 1,000,000.

``--cpu`` (SQLite only) times by this process's CPU seconds: the cost on an idle core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceability.settings")
os.environ.setdefault("SQLITE_PATH", "/tmp/bench-epcis.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
# Wall-clock by default; ``--cpu`` counts this process's CPU seconds instead, which on SQLite
# (the database runs in-process) is the cost on an idle core whatever else loads the machine.
clock = time.perf_counter
GTIN = "09521234543213"


def make_events(n: int, *, tag: str, with_ids: bool) -> list[dict]:
    """``n`` realistic ObjectEvents (one SGTIN each, read point, location, business transaction)."""
    events = []
    for i in range(n):
        event = {
            "type": "ObjectEvent",
            "eventTime": f"2024-05-01T08:{(i // 60) % 60:02d}:{i % 60:02d}.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{tag}{i}"],
            "readPoint": {"id": "urn:epc:id:sgln:9521234.00001.0"},
            "bizLocation": {"id": "https://id.gs1.org/414/9521234000013"},
            "bizTransactionList": [{"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:9521234000013:{tag}"}],
        }
        if with_ids:
            event["eventID"] = f"urn:uuid:{uuid.uuid4()}"
        events.append(event)
    return events


def document(events: list[dict]) -> dict:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2024-05-01T08:00:00Z", "epcisBody": {"eventList": events}}


def reset_database() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    else:
        connection.close()
        path = Path(connection.settings_dict["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def median_rate(samples: list[float], count: int) -> float:
    return count / statistics.median(samples)


def bench_capture(rounds: int, size: int, *, with_ids: bool, actor) -> list[float]:
    from products.epcis.services import epcis_capture
    from products.epcis.validation import parse_json, validate_capture_document

    times = []
    for r in range(rounds):
        body = json.dumps(document(make_events(size, tag=f"C{int(with_ids)}R{r}N", with_ids=with_ids))).encode()
        start = clock()
        doc = parse_json(body)
        events = validate_capture_document(doc)
        result = epcis_capture(events, actor=actor, context=doc["@context"])
        times.append(clock() - start)
        assert len(result.captured) == size
    return times


def bench_floor(rounds: int, size: int) -> list[float]:
    """The same rows written by a bare bulk_create (no validation, no hashing, no chain)."""
    from products.models import Event, EventEPC

    times = []
    base = 10_000_000
    for r in range(rounds):
        events = make_events(size, tag=f"F{r}N", with_ids=True)
        now = timezone.now()
        start = clock()
        with transaction.atomic():
            rows = [Event(seq=base + r * size + i + 1, event_id=e["eventID"], event_type=e["type"], action=e["action"],
                          biz_step=e["bizStep"], disposition=e["disposition"], event_time=now,
                          record_time=now, read_point=e["readPoint"]["id"], biz_location=e["bizLocation"]["id"],
                          document=e, prev_hash="0" * 64, chain_hash="0" * 64, foreign=True)
                    for i, e in enumerate(events)]
            Event.objects.bulk_create(rows, batch_size=2000)
            saved = dict(Event.objects.filter(seq__gt=base + r * size, seq__lte=base + (r + 1) * size)
                         .values_list("seq", "pk"))
            EventEPC.objects.bulk_create([EventEPC(event_id=saved[row.seq], epc=row.document["epcList"][0], role="epc")
                                          for row in rows], batch_size=5000)
        times.append(clock() - start)
    with transaction.atomic():
        EventEPC.objects.filter(event__seq__gt=base).delete()
        Event.objects.filter(seq__gt=base).delete()
    return times


def bench_chain_share(size: int) -> float:
    """Seconds per event spent computing chain hashes (the chaining cost inside a capture)."""
    from products.services.chain import chain_hash

    events = make_events(size, tag="H", with_ids=True)
    for e in events:
        e["recordTime"] = "2024-05-01T08:00:00.000Z"
    start = clock()
    prev = "0" * 64
    for seq, e in enumerate(events, 1):
        prev = chain_hash(seq, prev, e["eventID"], e)
    return (clock() - start) / size


def bench_single(count: int, user) -> tuple[float, float, float]:
    """Rate and median latency of POST /epcis/events; floor: an authenticated OPTIONS of the same stack."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    start = clock()
    for _ in range(count):
        assert client.options("/epcis/capture").status_code == 204
    floor = count / (clock() - start)
    events = make_events(count, tag="S", with_ids=False)
    bodies = [json.dumps({"@context": CONTEXT, **e}) for e in events]
    latencies = []
    start = clock()
    for body in bodies:
        t = clock()
        response = client.post("/epcis/events", body, content_type="application/json")
        latencies.append(clock() - t)
        assert response.status_code == 201, response.content
    total = clock() - start
    return count / total, statistics.median(latencies), floor


def bench_verify(total: int) -> tuple[float, int]:
    """Fill the chain to ``total`` events (appends of 5,000 with client eventIDs), time chain_verify."""
    from products.models import Event
    from products.services.chain import chain_verify, events_append

    have = Event.objects.count()
    while have < total:
        chunk = make_events(min(5000, total - have), tag=f"V{have}N", with_ids=True)
        with transaction.atomic():
            events_append(chunk, foreign=True)
        have += len(chunk)
    start = clock()
    report = chain_verify()
    elapsed = clock() - start
    assert report.ok, report.as_dict()
    return elapsed, report.checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--no-reset", action="store_true", help="keep the database (it must be migrated)")
    parser.add_argument("--cpu", action="store_true", help="time by this process's CPU seconds (SQLite only)")
    args = parser.parse_args()
    global clock
    if args.cpu:
        if connection.vendor != "sqlite":
            parser.error("--cpu measures only this process: use it with SQLite")
        clock = time.process_time

    if not args.no_reset:
        reset_database()
    from traceability.demo import demo_uscc
    from traceability.models import Organization, Role, User

    org = Organization.objects.create(name="Bench maker", uscc=demo_uscc("bench-epcis", "320500"), region="320500",
                                      is_manufacturer=True)
    user = User.objects.create(username="bench-epcis", role=Role.MANUFACTURER, organization=org)

    db = connection.vendor
    print(f"# EPCIS bench on {db}, {args.rounds} rounds of {args.size} events, "
          f"{'CPU seconds of this process' if args.cpu else 'wall clock'}")
    floor = bench_floor(args.rounds, args.size)
    supplied = bench_capture(args.rounds, args.size, with_ids=True, actor=user)
    computed = bench_capture(args.rounds, args.size, with_ids=False, actor=user)
    floor_rate = median_rate(floor, args.size)
    supplied_rate = median_rate(supplied, args.size)
    computed_rate = median_rate(computed, args.size)
    print(f"floor: bare bulk_create of the same rows   {floor_rate:9.0f} events/s")
    print(f"capture, client eventIDs                  {supplied_rate:9.0f} events/s  ({floor_rate / supplied_rate:.1f}x floor)")
    print(f"capture, server CBV 2.0 hash eventIDs     {computed_rate:9.0f} events/s  ({floor_rate / computed_rate:.1f}x floor)")
    per_event_chain = bench_chain_share(args.size)
    capture_per_event = statistics.median(supplied) / args.size
    print(f"chaining: {per_event_chain * 1e6:.1f} us/event = {100 * per_event_chain / capture_per_event:.1f}% "
          f"of capture time (client eventIDs)")
    rate, latency, floor = bench_single(args.single, user)
    print(f"floor: authenticated OPTIONS /epcis/capture {floor:8.0f} requests/s")
    print(f"single events POST /epcis/events           {rate:9.0f} events/s  (median {latency * 1000:.1f} ms, "
          f"{floor / rate:.1f}x floor)")
    elapsed, checked = bench_verify(args.verify_events)
    per_million = elapsed / checked * 1_000_000
    print(f"chain_verify: {checked} events in {elapsed:.2f} s = {checked / elapsed:.0f} events/s; "
          f"1,000,000 events ~ {per_million:.1f} s (scaled from {checked})")


if __name__ == "__main__":
    main()
