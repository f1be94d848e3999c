"""EPCIS capture: the only writes of the /epcis/ binding (DESIGN §3.5-6, §4).

``epcis_capture`` stores a list of events all-or-nothing under one chain lock: it fills missing
eventIDs with the CBV 2.0 event hash, applies the business rules, rewrites identifiers to their
canonical Digital Link form, skips events already stored (capture is idempotent), hands events
about products the platform manages to the custody engine, and appends the rest as foreign
events that change nothing. ``epcis_capture_job_create`` / ``epcis_capture_job_run`` wrap it in a
capture job (``traceability.models.Job`` of kind ``epcis_capture``) for ``POST /capture``.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from products.models import ChainHead, Container, Event, ProductModel
from products.services.chain import DuplicateEvent, events_append
from products.services.eventid import event_ids_for
from traceability.jobs import job_claim, job_create, job_finish
from traceability.models import Job, Organization, Role

from .identifiers import CANONICAL_HOST, EPC_LISTS, QUANTITY_LISTS
from .validation import EPCISValidationError, check_events, document_events, event_path, events_base_path

logger = logging.getLogger(__name__)

JOB_KIND = "epcis_capture"
WRITER_ROLES = {Role.STAFF, Role.MANUFACTURER, Role.DISTRIBUTOR, Role.ENTERPRISE, Role.LABORATORY}


class EventAlreadyExists(Exception):
    """``POST /events`` of an event whose eventID is stored already (409)."""

    def __init__(self, event_id: str):
        self.event_id = event_id
        super().__init__(event_id)


@dataclass
class CaptureResult:
    captured: list[Event] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    foreign: int = 0

    def as_dict(self) -> dict:
        return {
            "captured": len(self.captured),
            "duplicates": len(self.duplicates),
            "foreign": self.foreign,
            "first_seq": self.captured[0].seq if self.captured else None,
            "last_seq": self.captured[-1].seq if self.captured else None,
            "eventIDs": [e.event_id for e in self.captured][:1000],
        }


def user_may_capture(user) -> bool:
    """Parties that hold or handle goods write events; auditors, regulators and the public do not."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.role in WRITER_ROLES and (user.role == Role.STAFF or user.organization_id is not None)


def _extension_context(context) -> list:
    """The namespace definitions of a document's ``@context`` (the GS1 context URL itself omitted)."""
    if isinstance(context, dict):
        return [context]
    if isinstance(context, list):
        return [c for c in context if isinstance(c, dict)]
    return []


def _keys_named(event: dict) -> tuple[set[str], set[str]]:
    """GTINs and SSCCs that a (canonical) event names."""
    gtins: set[str] = set()
    ssccs: set[str] = set()

    def look(uri):
        if not isinstance(uri, str) or not uri.startswith(CANONICAL_HOST):
            return
        parts = uri[len(CANONICAL_HOST):].split("/")
        if len(parts) >= 3 and parts[1] == "01":
            gtins.add(parts[2])
        elif len(parts) >= 3 and parts[1] == "00":
            ssccs.add(parts[2])

    for key in EPC_LISTS:
        for uri in event.get(key) or ():
            look(uri)
    look(event.get("parentID"))
    for key in QUANTITY_LISTS:
        for element in event.get(key) or ():
            look(element.get("epcClass") if isinstance(element, dict) else None)
    return gtins, ssccs


def _custody_hook():
    """The custody engine's EPCIS entry point, when the platform has one."""
    try:
        from products.services import custody
    except ImportError:
        return None
    return getattr(custody, "custody_apply_epcis", None)


def _prepare(events: list[dict], context, base_path: str) -> list[dict]:
    """eventIDs, business rules and canonical identifiers; raises with every problem found."""
    missing = [i for i, e in enumerate(events) if not e.get("eventID")]
    if missing:
        # Hash the events as submitted (before canonical rewriting): the CBV 2.0 algorithm
        # normalises identifiers itself, so the ID is the one any conforming system computes.
        ids = event_ids_for([events[i] for i in missing], context=context)
        for i, event_id in zip(missing, ids, strict=True):
            events[i]["eventID"] = event_id
    errors = check_events(events, base_path)
    seen: dict[str, int] = {}
    for i, event in enumerate(events):
        first = seen.setdefault(event["eventID"], i)
        if first != i and bool(events[first].get("errorDeclaration")) != bool(event.get("errorDeclaration")):
            errors.append((f"{event_path(base_path, i)}.eventID",
                           _("an error declaration for an event in the same document is not supported")))
    if errors:
        raise EPCISValidationError(errors)
    extension = _extension_context(context)
    if extension:
        for event in events:
            event.setdefault("@context", extension)
    return events


@transaction.atomic
def epcis_capture(events: list[dict], *, actor, context=None, base_path: str = "$.epcisBody.eventList",
                  single: bool = False) -> CaptureResult:
    """Store EPCIS events all-or-nothing (rollback behaviour); idempotent on eventID.

    Raises ``EPCISValidationError`` (every failing event's path and message; nothing stored),
    ``EventAlreadyExists`` when ``single`` and the eventID is known.
    """
    events = _prepare(events, context, base_path)
    result = CaptureResult()
    # Same eventID twice in one document: stored once.
    unique: dict[str, dict] = {}
    for event in events:
        if event["eventID"] in unique:
            result.duplicates.append(event["eventID"])
        else:
            unique[event["eventID"]] = event
    # Take the chain's lock before looking for stored eventIDs: no other append can slip in
    # between the check and the write, so the check is final (one lock per capture, DESIGN §3.4).
    list(ChainHead.objects.select_for_update().filter(pk=1).values_list("pk", flat=True))
    stored = dict(Event.objects.filter(event_id__in=list(unique)).values_list("event_id", "has_error_declaration"))
    if single and stored:
        raise EventAlreadyExists(next(iter(stored)))
    errors = [
        (f"{event_path(base_path, i)}.eventID",
         _("%(id)s is stored already without an error declaration; declaring an error on it "
           "with the same eventID is not supported") % {"id": e["eventID"]})
        for i, e in enumerate(events)
        if e["eventID"] in stored and e.get("errorDeclaration") and not stored[e["eventID"]]
    ]
    if errors:
        raise EPCISValidationError(errors)
    fresh = [e for i, e in unique.items() if i not in stored]
    try:
        result.captured, result.foreign = _store(fresh, actor=actor, base_path=base_path, events=events)
    except DuplicateEvent as exc:  # only when the very first events of the chain race each other
        raise EPCISValidationError([(base_path, _("%(ids)s were captured concurrently; send the document again")
                                     % {"ids": ", ".join(exc.event_ids[:5])})]) from exc
    result.duplicates.extend(stored)
    return result


def _organization_ref(actor) -> Organization | None:
    """The actor's organisation as a reference for ``recorded_by`` (its key only: no query)."""
    org_id = getattr(actor, "organization_id", None)
    return Organization(pk=org_id) if org_id else None


def _store(fresh: list[dict], *, actor, base_path: str, events: list[dict]) -> tuple[list[Event], int]:
    """Apply events about managed units to custody, then append every event in document order.

    An ObjectEvent whose epcList names a GTIN the platform manages goes through the custody
    engine first (every check of the matching command; its refusal rejects the capture), then
    is stored as a platform event; events naming no managed product are stored as foreign.
    """
    if not fresh:
        return [], 0
    org = _organization_ref(actor)
    named = [_keys_named(e) for e in fresh]
    all_gtins = set().union(*(g for g, _s in named))
    all_ssccs = set().union(*(s for _g, s in named))
    known_gtins = set(ProductModel.objects.filter(gtin__in=all_gtins).order_by()
                      .values_list("gtin", flat=True)) if all_gtins else set()
    known_ssccs = set(Container.objects.filter(sscc__in=all_ssccs).order_by()
                      .values_list("sscc", flat=True)) if all_ssccs else set()
    hook = _custody_hook()
    index = {id(e): i for i, e in enumerate(events)}
    captured: list[Event] = []
    run: list[dict] = []
    run_foreign = True
    foreign = 0

    def flush():
        nonlocal foreign
        if run:
            captured.extend(events_append(list(run), foreign=run_foreign, recorded_by=org))
            foreign += len(run) if run_foreign else 0
            run.clear()

    for event, (gtins, ssccs) in zip(fresh, named, strict=True):
        is_foreign = not (gtins & known_gtins or ssccs & known_ssccs)
        if is_foreign != run_foreign:
            flush()
            run_foreign = is_foreign
        if not is_foreign and hook is not None and _names_managed_units(event, known_gtins):
            where = event_path(base_path, index[id(event)])
            if org is None:
                raise EPCISValidationError([(where, _("only an organisation can capture events that change custody"))])
            try:
                hook(copy.deepcopy(event), actor=actor.organization, user=actor)
            except ValidationError as exc:
                member = _CUSTODY_FIELDS.get(getattr(exc, "field", None) or "", getattr(exc, "field", None))
                path = f"{where}.{member}" if member and member in event else where
                raise EPCISValidationError([(path, m) for m in exc.messages]) from exc
        run.append(event)
    flush()
    return captured, foreign


# The custody commands name their inputs; the event member each one came from.
_CUSTODY_FIELDS = {"units": "epcList", "unit": "epcList", "receiver": "destinationList", "worker": "destinationList"}


def _names_managed_units(event: dict, known_gtins: set[str]) -> bool:
    """An ObjectEvent about serialized units of managed products: custody's to apply."""
    if event.get("type") != "ObjectEvent":
        return False
    prefix = f"{CANONICAL_HOST}/01/"
    return any(isinstance(epc, str) and epc.startswith(prefix) and epc[len(prefix):len(prefix) + 14] in known_gtins
               for epc in event.get("epcList") or ())


def epcis_capture_single(event: dict, *, actor) -> Event:
    """``POST /events``: one event, synchronously; 409 (``EventAlreadyExists``) for a known eventID."""
    context = event.pop("@context", None)
    result = epcis_capture([event], actor=actor, context=context, base_path="$", single=True)
    return result.captured[0]


def epcis_capture_job_create(document: dict, *, actor, behaviour: str = "rollback") -> Job:
    """Record a capture job for a schema-valid document and queue it after commit."""
    from .tasks import epcis_capture_task

    with transaction.atomic():
        return job_create(kind=JOB_KIND, params={"document": document, "captureErrorBehaviour": behaviour},
                          total=len(document_events(document)), task=epcis_capture_task,
                          organization=getattr(actor, "organization", None), created_by=actor)


def epcis_capture_job_run(job_id: int) -> None:
    """Run a capture job once: all events or none; the job records the outcome and the errors."""
    if not job_claim(job_id):
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    document = copy.deepcopy(job.params.get("document") or {})
    events = document_events(document)
    try:
        result = epcis_capture(events, actor=job.created_by, context=document.get("@context"),
                               base_path=events_base_path(document))
    except EPCISValidationError as exc:
        job_finish(job_id, errors=[{"path": p, "detail": m} for p, m in exc.errors])
        return
    except Exception as exc:  # record the failure on the job, then let Celery see it
        logger.exception("EPCIS capture job %s failed", job_id)
        job_finish(job_id, errors=[{"path": "$", "detail": _("internal error: %(e)s") % {"e": exc}}])
        raise
    Job.objects.filter(pk=job_id).update(done=len(events))
    job_finish(job_id, result=result.as_dict())
