"""Corrections: an EPCIS error declaration for a recorded event, with its corrective events."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from products.models import Event
from products.services.chain import DuplicateEvent
from products.services.errors import ConflictError, CustodyError, NotAllowed
from traceability.models import Organization

from ._common import append, fast_event_ids

ERROR_REASONS = ("did_not_occur", "incorrect_data")


def declaration_event_id(event_id: str) -> str:
    """The stored ID of the error declaration for ``event_id`` (one per event; the log keys IDs uniquely)."""
    return f"{event_id}#errorDeclaration"


@transaction.atomic
def event_correct(*, event: Event, actor: Organization, reason: str, corrective_documents: Iterable[dict] = (),
                  corrective_event_ids: Iterable[str] = (), note: str = "", user=None) -> list[Event]:
    """Declare an error in ``event`` and link the events that correct it; nothing is edited.

    Appends, under one chain lock, the ``corrective_documents`` (new EPCIS events, e.g. the right
    shipment) and then a copy of the original event carrying ``errorDeclaration`` (declarationTime,
    reason ``did_not_occur`` / ``incorrect_data``, correctiveEventIDs = the new events and any
    ``corrective_event_ids`` already in the log, such as those a custody command just wrote).
    Only the organisation that recorded the event may correct it, once. State is not rolled back
    here: run the custody command that puts things right and pass its event IDs.
    """
    if reason not in ERROR_REASONS:
        raise CustodyError(_("The reason is did_not_occur or incorrect_data."), code="invalid_reason", field="reason")
    if event.recorded_by_id != actor.pk:
        raise NotAllowed(_("Only the organisation that recorded an event may declare it in error."),
                         code="not_recorder", field="event")
    if event.has_error_declaration:
        raise CustodyError(_("An error declaration cannot itself be corrected."), code="invalid", field="event")
    linked = list(corrective_event_ids)
    known = set(Event.objects.filter(event_id__in=linked).values_list("event_id", flat=True))
    if len(known) != len(set(linked)):
        raise CustodyError(_("A corrective event ID is not in the log."), code="unknown_event",
                           field="corrective_event_ids")
    documents = [copy.deepcopy(d) for d in corrective_documents]
    fast_event_ids(documents)
    declaration = copy.deepcopy(event.document)
    declaration.pop("recordTime", None)
    declaration["eventID"] = declaration_event_id(event.event_id)
    declaration["errorDeclaration"] = {
        "declarationTime": timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "reason": reason,
        "correctiveEventIDs": [d["eventID"] for d in documents] + linked,
    }
    if note:
        declaration["errorDeclaration"]["urn:ppe-trace:note"] = note
    try:
        return append([*documents, declaration], actor=actor)
    except DuplicateEvent as exc:
        raise ConflictError(_("This event has already been declared in error, or a corrective event is already stored."),
                            code="already_declared", field="event") from exc
