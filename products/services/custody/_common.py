"""What every custody command shares: vocabulary, event builders, fast event IDs, unit checks.

The custody commands write EPCIS 2.0 ObjectEvents / AggregationEvents in the CBV vocabulary; where
the CBV has no term (issuing to a worker, releasing from quarantine, ...) they use the PPE
extension vocabulary under ``PPE_NS``. EPCs are the canonical GS1 Digital Link URIs of
``traceability.gs1``.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Batch, Event, Unit, UnitStatus
from products.services.chain import events_append
from products.services.errors import ConflictError, CustodyError, NotAllowed
from traceability.gs1 import gln_to_sgln, party_uri, sgtin_epc
from traceability.models import Organization, Site

PPE_NS = "urn:ppe-trace:"
EPC_CHUNK = 1000  # EPCs per event: one event per thousand units, never one per unit
ID_CHUNK = 5000  # ids per IN (...) list, under SQLite's variable limit

log = logging.getLogger(__name__)


def ppe(kind: str, term: str) -> str:
    """A PPE extension vocabulary URI, e.g. ``ppe("bizstep", "issuing")``."""
    return f"{PPE_NS}{kind}:{term}"


class Step:
    COMMISSIONING = "commissioning"
    PACKING = "packing"
    UNPACKING = "unpacking"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    REJECTING = ppe("bizstep", "rejecting")
    ISSUING = ppe("bizstep", "issuing")
    RETURNING = ppe("bizstep", "returning")
    INSPECTING = "inspecting"
    HOLDING = "holding"
    RELEASING = ppe("bizstep", "releasing")
    DECOMMISSIONING = "decommissioning"
    DESTROYING = "destroying"
    CONSUMING = ppe("bizstep", "consuming")


class Disp:
    ACTIVE = "active"
    IN_TRANSIT = "in_transit"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    CONFORMANT = "conformant"
    NON_CONFORMANT = "non_conformant"
    CONTAINER_CLOSED = "container_closed"
    CONTAINER_OPEN = "container_open"
    NON_SELLABLE = "non_sellable_other"
    INACTIVE = "inactive"
    DESTROYED = "destroyed"
    RECALLED = "recalled"
    IN_USE = ppe("disp", "in_use")
    CONSUMED = ppe("disp", "consumed")


HELD = (UnitStatus.COMMISSIONED, UnitStatus.IN_STOCK)
STATUS_CODES = {
    UnitStatus.IN_TRANSIT: "in_transit", UnitStatus.ISSUED: "issued", UnitStatus.QUARANTINED: "quarantined",
    UnitStatus.RETIRED: "retired", UnitStatus.DESTROYED: "destroyed", UnitStatus.COMMISSIONED: "commissioned",
    UnitStatus.IN_STOCK: "in_stock",
}


def now_local() -> datetime.datetime:
    return timezone.localtime(timezone.now())


def event_time(when: datetime.datetime | None = None) -> tuple[str, str]:
    """``eventTime`` with its offset and ``eventTimeZoneOffset`` in the platform's time zone."""
    when = timezone.localtime(when or timezone.now())
    stamp = when.isoformat(timespec="milliseconds")
    return stamp, stamp[-6:]


def location_uri(site: Site | None, org: Organization | None = None) -> str | None:
    if site is not None:
        return site.location_uri
    if org is not None and org.gln:
        return gln_to_sgln(org.gln)
    return None


def worker_uri(pseudonym: str) -> str:
    return f"{settings.SITE_URL}/id/worker/{pseudonym}"


def party_list(kind: str, org: Organization) -> list[dict]:
    uri = party_uri(org)
    return [{"type": "owning_party", kind: uri}, {"type": "possessing_party", kind: uri}]


def object_event(*, action: str, biz_step: str, disposition: str | None = None, epcs: Sequence[str] = (),
                 quantities: Sequence[dict] = (), when: datetime.datetime | None = None,
                 read_point: str | None = None, biz_location: str | None = None,
                 sources: list[dict] | None = None, destinations: list[dict] | None = None,
                 biz_transactions: list[dict] | None = None, ilmd: dict | None = None,
                 persistent: dict | None = None, extra: dict | None = None,
                 event_type: str = "ObjectEvent", parent: str | None = None) -> dict:
    """One EPCIS 2.0 event object in the platform's canonical shape."""
    stamp, offset = event_time(when)
    doc: dict = {"type": event_type, "eventTime": stamp, "eventTimeZoneOffset": offset}
    if parent:
        doc["parentID"] = parent
    if epcs or event_type == "ObjectEvent":
        doc["childEPCs" if event_type == "AggregationEvent" else "epcList"] = list(epcs)
    if quantities:
        doc["childQuantityList" if event_type == "AggregationEvent" else "quantityList"] = list(quantities)
    doc["action"] = action
    doc["bizStep"] = biz_step
    if disposition:
        doc["disposition"] = disposition
    if persistent:
        doc["persistentDisposition"] = persistent
    if read_point:
        doc["readPoint"] = {"id": read_point}
    if biz_location:
        doc["bizLocation"] = {"id": biz_location}
    if biz_transactions:
        doc["bizTransactionList"] = biz_transactions
    if sources:
        doc["sourceList"] = sources
    if destinations:
        doc["destinationList"] = destinations
    if ilmd:
        doc["ilmd"] = ilmd
    if extra:
        doc.update(extra)
    return doc


def chunked_events(epcs: Sequence[str], **kwargs) -> list[dict]:
    """One event per ``EPC_CHUNK`` EPCs (at least one event, e.g. for quantity-only moves)."""
    if not epcs:
        return [object_event(**kwargs)]
    return [object_event(epcs=epcs[i:i + EPC_CHUNK], **kwargs) for i in range(0, len(epcs), EPC_CHUNK)]


def biz_transaction(kind: str, number: str) -> dict:
    return {"type": kind, "bizTransaction": f"{settings.SITE_URL}/id/{kind}/{number}"}


def lot_ilmd(batch: Batch) -> dict:
    ilmd = {"cbvmda:lotNumber": batch.lot, "cbvmda:productionDate": batch.production_date.isoformat()}
    if batch.expiry_date:
        ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    return ilmd


# --- event IDs -------------------------------------------------------------------------------

def _cache_jsonld_contexts() -> None:
    """Let pyld keep the resolved EPCIS context between hash computations.

    pyld keeps a resolved remote context in its shared cache only when the loader marks the
    document ``static``; the packaged-file loader does not, so every hash re-resolved and
    re-canonicalised the whole EPCIS context (about 25 ms a call). The context files never change
    at run time, so wrapping the installed loader to mark them static gives the same IDs ~5x faster.
    """
    from pyld import jsonld

    import products.services.eventid  # noqa: F401 - installs the packaged-file loader first

    inner = jsonld.get_document_loader()
    if getattr(inner, "static_contexts", False):
        return
    loaded: dict[str, dict] = {}

    def loader(url, options=None):
        if url not in loaded:
            loaded[url] = {**inner(url, options or {}), "tag": "static"}
        return loaded[url]

    loader.static_contexts = True
    jsonld.set_document_loader(loader)


_cache_jsonld_contexts()

_CANONICAL_EPC = re.compile(r"^https://id\.gs1\.org/01/[0-9]{14}/21/[0-9A-Za-z]{1,20}$")
_SENTINEL = "https://id.gs1.org/01/00000000000000/21/SENTINEL"


def fast_event_ids(documents: list[dict]) -> None:
    """Give every document its CBV 2.0 hash eventID, cheaply for events with long EPC lists.

    The CBV 2.0 pre-hash string lists an event's EPCs sorted, each as ``epc=<canonical URI>``.
    For an event whose EPCs are already canonical Digital Link SGTINs, the library hashes a copy with
    one placeholder EPC, and the placeholder is replaced by the sorted list: the same eventID the
    library computes for the full event (tested), at a fraction of the cost of normalising each
    EPC through JSON-LD. Other documents go through the library as they are.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)  # the library logs every event, whole, at INFO level
    try:
        _fast_event_ids(documents)
    finally:
        logging.disable(previous)


def _fast_event_ids(documents: list[dict]) -> None:
    from epcis_event_hash_generator import json_to_py
    from epcis_event_hash_generator.hash_generator import derive_prehashes_from_events

    from products.services.eventid import EPCIS_CONTEXT, event_ids_for, in_gs1_member_order

    fast, slow = [], []
    for doc in documents:
        if doc.get("eventID"):
            continue
        epcs = doc.get("epcList") or doc.get("childEPCs") or ()
        if len(epcs) > 4 and all(_CANONICAL_EPC.match(e) for e in epcs):
            fast.append(doc)
        else:
            slow.append(doc)
    if slow:
        # deep copies: the hash library rewrites nested values (bare CBV terms) in place
        for doc, event_id in zip(slow, event_ids_for(copy.deepcopy(slow)), strict=True):
            doc["eventID"] = event_id
    if not fast:
        return
    templates = []
    for doc in fast:
        key = "epcList" if doc.get("epcList") else "childEPCs"
        template = {**{k: v for k, v in doc.items() if k not in ("eventID", key)}, key: [_SENTINEL]}
        templates.append(copy.deepcopy(in_gs1_member_order(template)))
    wrapped = {"@context": [EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
               "creationDate": "2000-01-01T00:00:00Z", "epcisBody": {"eventList": templates}}
    prehashes = derive_prehashes_from_events(json_to_py.event_list_from_epcis_document_json(wrapped))
    marker = "epc=" + _SENTINEL
    for doc, prehash in zip(fast, prehashes, strict=True):
        epcs = doc.get("epcList") or doc.get("childEPCs")
        assert prehash.count(marker) == 1
        full = prehash.replace(marker, "".join("epc=" + e for e in sorted(epcs)))
        doc["eventID"] = "ni:///sha-256;" + hashlib.sha256(full.encode()).hexdigest() + "?ver=CBV2.0"


def copy_rows(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Write rows by COPY on PostgreSQL, by executemany elsewhere (values are tab- and newline-free)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
                buffer.write("\n")
            buffer.seek(0)
            with connection.wrap_database_errors:  # driver errors become Django's IntegrityError etc.
                cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def append(documents: list[dict], *, actor: Organization, index_epcs: bool = True) -> list[Event]:
    """Append a command's events under one chain lock (eventIDs computed first, outside the lock).

    The EPC index rows go in by COPY (SQLite: executemany), not as model instances: a shipment of
    10,000 units writes 10,000 of them.
    """
    from products.models import EventEPC
    from products.services.chain import _epc_rows

    fast_event_ids(documents)
    events = events_append(documents, recorded_by=actor, index_epcs=False)
    if index_epcs and events:
        if any(e.pk is None for e in events):
            pks = dict(Event.objects.filter(seq__gte=events[0].seq, seq__lte=events[-1].seq).values_list("seq", "pk"))
            for event in events:
                event.pk = pks[event.seq]
        rows = [(event.pk, epc, str(role)) for event in events for epc, role in _epc_rows(event.document)]
        if rows:
            copy_rows(EventEPC._meta.db_table, ("event_id", "epc", "role"), rows)
    return events


# --- unit checks ------------------------------------------------------------------------------

@dataclass
class UnitRow:
    id: int
    gtin: str
    serial: str
    status: str
    recalled: bool
    holder_id: int | None
    destination_id: int | None
    worker_id: int | None
    container_id: int | None
    batch_id: int
    release_state: str
    expiry_date: datetime.date | None

    @property
    def epc(self) -> str:
        return sgtin_epc(self.gtin, self.serial)

    @property
    def label(self) -> str:
        return f"{self.gtin}/{self.serial}"


def ids_of(objects: Iterable[Model | int]) -> list[int]:
    """Primary keys of model instances or ints, de-duplicated, order kept."""
    seen: dict[int, None] = {}
    for obj in objects:
        seen[obj if isinstance(obj, int) else obj.pk] = None
    return list(seen)


def chunks(seq: Sequence, size: int = ID_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def load_units(ids: Sequence[int], *, base=None) -> list[UnitRow]:
    """The state of ``ids`` with their batch's release state and expiry, in bounded-size queries.

    ``base``: a queryset selecting exactly these units by a subquery (e.g. a shipment's lines),
    read in one query instead of lists of ids.
    """
    rows: list[UnitRow] = []
    fields = ("id", "gtin", "serial", "status", "recalled", "holder_id", "destination_id", "worker_id",
              "container_id", "batch_id", "batch__release_state", "batch__expiry_date")
    if base is not None:
        rows.extend(UnitRow(*values) for values in base.values_list(*fields))
    else:
        for part in chunks(ids):
            rows.extend(UnitRow(*values) for values in Unit.objects.filter(pk__in=part).values_list(*fields))
    if len(rows) != len(ids):
        missing = sorted(set(ids) - {r.id for r in rows})
        raise CustodyError(_("Unknown units: %(ids)s.") % {"ids": ", ".join(map(str, missing[:5]))},
                           code="unknown_unit", field="units")
    return rows


def _sample(rows: list[UnitRow]) -> str:
    more = len(rows) - 5
    text = ", ".join(r.label for r in rows[:5])
    return text + (_(" and %(n)d more") % {"n": more} if more > 0 else "")


def check_units(rows: list[UnitRow], *, actor: Organization, allowed: Sequence[str], verb: str,
                usable: bool = False, holder: bool = True) -> None:
    """Refuse the command, naming the units and why, unless every unit may undergo it.

    ``holder``: the actor must hold every unit (DESIGN §3 inv. 1). ``usable``: recalled, expired and
    quarantined / retired units are refused with that reason (inv. 3), for shipping and issuing.
    """
    if not rows:
        raise CustodyError(_("Name at least one unit."), code="empty", field="units")
    if holder:
        foreign = [r for r in rows if r.holder_id != actor.pk]
        if foreign:
            raise NotAllowed(_("%(org)s does not hold %(units)s, so it may not %(verb)s them.")
                             % {"org": actor, "units": _sample(foreign), "verb": verb}, code="not_holder", field="units")
    if usable:
        today = timezone.localdate()
        recalled = [r for r in rows if r.recalled or r.release_state == Batch.ReleaseState.RECALLED]
        if recalled:
            raise CustodyError(_("Recalled units cannot be %(verb)s: %(units)s.") % {"verb": verb, "units": _sample(recalled)},
                               code="recalled", field="units")
        quarantined = [r for r in rows if r.status == UnitStatus.QUARANTINED
                       or r.release_state == Batch.ReleaseState.QUARANTINED]
        if quarantined:
            raise CustodyError(_("Quarantined units cannot be %(verb)s: %(units)s.")
                               % {"verb": verb, "units": _sample(quarantined)}, code="quarantined", field="units")
        expired = [r for r in rows if r.expiry_date and r.expiry_date < today]
        if expired:
            raise CustodyError(_("Expired units cannot be %(verb)s: %(units)s.") % {"verb": verb, "units": _sample(expired)},
                               code="expired", field="units")
    wrong = [r for r in rows if r.status not in allowed]
    if wrong:
        status = wrong[0].status
        raise CustodyError(
            _("Units that are %(status)s cannot be %(verb)s: %(units)s.")
            % {"status": UnitStatus(status).label, "verb": verb, "units": _sample(wrong)},
            code=STATUS_CODES.get(status, "wrong_state"), field="units")


def guarded_update(ids: Sequence[int], *, expect: dict, changes: dict, base=None) -> None:
    """Change ``ids`` only where they are still as checked; a lost race raises ``ConflictError``.

    The WHERE clause repeats what the checks saw, so a concurrent command that got there first
    (PostgreSQL re-evaluates the condition after the row lock is released) leaves fewer rows
    matched, and the whole command rolls back.
    """
    changed = 0
    if base is not None:
        changed = base.filter(**expect).update(**changes)
    else:
        for part in chunks(ids):
            changed += Unit.objects.filter(pk__in=part, **expect).update(**changes)
    if changed != len(ids):
        raise ConflictError(_("%(n)d of the units changed while this command ran; nothing was done. Try again.")
                            % {"n": len(ids) - changed}, code="conflict", field="units")


def upsert_add(model, keys: dict, counters: dict, extra: dict | None = None) -> None:
    """INSERT ... ON CONFLICT DO UPDATE adding ``counters``: a race-free counter upsert (SQLite and PostgreSQL)."""
    table = model._meta.db_table
    cols = {**keys, **counters, **(extra or {})}
    names = [model._meta.get_field(k).column for k in cols]
    key_cols = [model._meta.get_field(k).column for k in keys]
    sets = [f"{c} = {table}.{c} + excluded.{c}" for c in (model._meta.get_field(k).column for k in counters)]
    sets += [f"{c} = excluded.{c}" for c in (model._meta.get_field(k).column for k in (extra or {}))
             if c not in ("first_at",)]
    sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) "
           f"ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {', '.join(sets)}")
    values = [model._meta.get_field(k).get_db_prep_value(v, connection) for k, v in cols.items()]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def flow_add(batch_id: int, source_id: int, destination_id: int, units: int, when: datetime.datetime) -> None:
    """Record that ``units`` of a batch went from ``source`` to ``destination`` (the trace's edges)."""
    from products.models import BatchFlow

    upsert_add(BatchFlow, {"batch": batch_id, "source": source_id, "destination": destination_id},
               {"units": units}, {"first_at": when, "last_at": when})
