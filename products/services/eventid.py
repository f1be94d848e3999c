"""EPCIS event IDs by GS1's CBV 2.0 event-hash algorithm (``ni:///sha-256;...?ver=CBV2.0``)."""

from __future__ import annotations

from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.file_document_loader import file_document_loader
from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from pyld import jsonld

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

# The JSON-LD context ships inside the package: no network at run time.
jsonld.set_document_loader(file_document_loader())


def event_ids_for(events: list[dict], context: list | None = None) -> list[str]:
    """The CBV 2.0 hash IDs of ``events`` (EPCIS 2.0 JSON-LD event objects), in order."""
    if not events:
        return []
    document = {
        "@context": context or [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": [{k: v for k, v in e.items() if k != "eventID"} for e in events]},
    }
    return epcis_hashes_from_events(json_to_py.event_list_from_epcis_document_json(document))
