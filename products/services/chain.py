"""Appending to and verifying the hash-chained event log (DESIGN §3.4, §3.5).

``events_append`` is the only way events enter the log. It takes the chain head's row lock
once per call, however many events it appends, so a command or a capture document costs one
lock. The chain hash of an event covers its position, the previous hash, its eventID and the
canonical JSON of its document, so editing, deleting or inserting any row breaks the chain at
that row, and deleting the newest rows breaks it against the head.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from products.canonical import canonical_json, parse_json
from products.models import ChainHead, Event, EventEPC

from .eventid import event_ids_for

GENESIS_HASH = "0" * 64
EPC_ROLES = (
    ("epcList", EventEPC.Role.EPC),
    ("childEPCs", EventEPC.Role.CHILD),
    ("inputEPCList", EventEPC.Role.INPUT),
    ("outputEPCList", EventEPC.Role.OUTPUT),
)
QUANTITY_ROLES = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


class DuplicateEvent(Exception):
    """An event with this eventID is already stored (capture is idempotent)."""

    def __init__(self, event_ids: list[str]):
        self.event_ids = event_ids
        super().__init__(f"already captured: {', '.join(event_ids)}")


def chain_hash(seq: int, prev_hash: str, event_id: str, document: dict | str) -> str:
    """The hash linking an event to the one before; ``document`` as a dict or its stored canonical text."""
    text = document if isinstance(document, str) else canonical_json(document)
    return hashlib.sha256(f"{seq}|{prev_hash}|{event_id}|{text}".encode()).hexdigest()


def parse_event_time(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"eventTime {value!r} has no time-zone offset")
    return parsed


def _epc_rows(document: dict) -> Iterable[tuple[str, str]]:
    for key, role in EPC_ROLES:
        for epc in document.get(key) or ():
            yield epc, role
    if document.get("parentID"):
        yield document["parentID"], EventEPC.Role.PARENT
    for key in QUANTITY_ROLES:
        for q in document.get(key) or ():
            if q.get("epcClass"):
                yield q["epcClass"], EventEPC.Role.CLASS


def _ensure_head() -> ChainHead:
    try:
        return ChainHead.objects.select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:
        try:
            with transaction.atomic():
                ChainHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another writer created it first
        return ChainHead.objects.select_for_update().get(pk=1)


@transaction.atomic
def events_append(documents: list[dict], *, foreign: bool = False, index_epcs: bool = True,
                  recorded_by=None) -> list[Event]:
    """Append EPCIS 2.0 event objects to the log, in order, under one chain lock.

    Each document gets ``eventID`` (CBV 2.0 hash) when it has none and ``recordTime``.
    Raises ``DuplicateEvent`` naming every eventID already stored; nothing is written then.
    Must run inside the caller's transaction so the events commit with the state they record.
    ``index_epcs=False`` leaves the EventEPC rows to the caller (bulk commissioning writes them by COPY);
    ``recorded_by`` is the organisation whose command wrote the events.
    """
    if not documents:
        return []
    missing = [i for i, d in enumerate(documents) if not d.get("eventID")]
    if missing:
        for i, event_id in zip(missing, event_ids_for([documents[i] for i in missing]), strict=True):
            documents[i]["eventID"] = event_id
    ids = [d["eventID"] for d in documents]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        raise DuplicateEvent(sorted({i for i in ids if i in seen or seen.add(i)}))
    now = timezone.now()
    record_time = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    head = _ensure_head()
    existing = list(Event.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
    if existing:
        raise DuplicateEvent(existing)
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for document in documents:
        document["recordTime"] = record_time
        seq += 1
        digest = chain_hash(seq, prev, document["eventID"], document)
        error = document.get("errorDeclaration")
        rows.append(Event(
            seq=seq, event_id=document["eventID"], event_type=document["type"],
            action=document.get("action", ""), biz_step=document.get("bizStep", ""),
            disposition=document.get("disposition", ""), event_time=parse_event_time(document["eventTime"]),
            event_time_zone_offset=document.get("eventTimeZoneOffset", "+00:00"), record_time=now,
            read_point=(document.get("readPoint") or {}).get("id", ""),
            biz_location=(document.get("bizLocation") or {}).get("id", ""),
            has_error_declaration=bool(error), foreign=foreign, document=document, recorded_by=recorded_by,
            prev_hash=prev, chain_hash=digest,
        ))
        prev = digest
    Event.objects.bulk_create(rows, batch_size=2000)
    if index_epcs:
        saved = dict(Event.objects.filter(seq__gt=head.last_seq, seq__lte=seq).values_list("seq", "pk"))
        EventEPC.objects.bulk_create(
            [EventEPC(event_id=saved[row.seq], epc=epc, role=role) for row in rows for epc, role in _epc_rows(row.document)],
            batch_size=5000,
        )
    ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return rows


# Columns copied out of the document for queries: verification checks them against the document,
# so an UPDATE of a query column alone (which the hash does not cover) is caught too.
INDEX_COLUMNS = ("event_type", "action", "biz_step", "disposition", "event_time", "read_point", "biz_location",
                 "has_error_declaration")


def _index_columns(document: dict) -> tuple:
    return (document.get("type"), document.get("action", ""), document.get("bizStep", ""),
            document.get("disposition", ""), parse_event_time(document["eventTime"]),
            (document.get("readPoint") or {}).get("id", ""), (document.get("bizLocation") or {}).get("id", ""),
            bool(document.get("errorDeclaration")))


@dataclass
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    first_broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "head_seq": self.head_seq,
                "first_broken_seq": self.first_broken_seq, "reason": self.reason}


def _column_time(value) -> datetime.datetime:
    """An event_time read by a raw cursor: a datetime (PostgreSQL) or UTC text (SQLite)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def chain_verify(*, chunk: int = 10_000) -> ChainReport:
    """Recompute the chain from the first event; report the first row where it breaks.

    Catches an edited row (its hash no longer matches), a deleted row (a gap in positions or a
    previous hash that does not match), an inserted row (a position or link that does not
    fit), and a deleted tail (the head names a later position than the last row). It hashes
    the stored canonical text as read, so only the query columns need a parse of the document.
    """
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    last_id = 0
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in
                        ("id", "seq", "event_id", "document", "prev_hash", "chain_hash", *INDEX_COLUMNS))
    sql = f"SELECT {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT {int(chunk)}"
    sha256 = hashlib.sha256
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last_id])
            batch = cursor.fetchall()
        if not batch:
            break
        for pk, seq, event_id, text, prev_hash, digest, *index in batch:
            last_id = pk
            if seq != expected_seq:
                return ChainReport(False, checked, head_seq, seq,
                                   f"position {seq} found where {expected_seq} was expected (row deleted or inserted)")
            if prev_hash != prev:
                return ChainReport(False, checked, head_seq, seq, "link to the previous event does not match")
            if sha256(f"{seq}|{prev_hash}|{event_id}|{text}".encode()).hexdigest() != digest:
                return ChainReport(False, checked, head_seq, seq, "content does not match its hash (row edited)")
            index[4] = _column_time(index[4])
            index[7] = bool(index[7])
            if tuple(index) != _index_columns(parse_json(text)):
                return ChainReport(False, checked, head_seq, seq,
                                   "a query column no longer matches the hashed document (row edited)")
            prev = digest
            expected_seq += 1
            checked += 1
    if checked != head_seq or prev != head_hash:
        return ChainReport(False, checked, head_seq, checked + 1 if checked < head_seq else checked,
                           "the chain head does not match the last event (rows deleted or appended outside the application)")
    return ChainReport(True, checked, head_seq)
