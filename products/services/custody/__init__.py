"""The custody engine: one service per command (DESIGN §3), each one transaction.

Each checks the actor (holder / named destination / maker), the allowed transitions and the
recall / quarantine / expiry rules, changes state race-safely, and appends its EPCIS events under
one chain lock. Errors are ``products.services.errors`` (``CustodyError``, ``ConflictError``).
"""

from .capture import custody_apply_epcis
from .care import (
    holding_destroy,
    holding_issue,
    unit_destroy,
    unit_inspect,
    unit_issue,
    unit_quarantine,
    unit_release_quarantine,
    unit_retire,
    unit_return,
)
from .commission import batch_commission_quantity, unit_commission
from .correct import event_correct
from .movement import container_pack, container_unpack, shipment_create, shipment_receive, shipment_send, shipment_ship
from .recall import recall_open

__all__ = [
    "batch_commission_quantity",
    "container_pack",
    "container_unpack",
    "custody_apply_epcis",
    "event_correct",
    "holding_destroy",
    "holding_issue",
    "recall_open",
    "shipment_create",
    "shipment_receive",
    "shipment_send",
    "shipment_ship",
    "unit_commission",
    "unit_destroy",
    "unit_inspect",
    "unit_issue",
    "unit_quarantine",
    "unit_release_quarantine",
    "unit_retire",
    "unit_return",
]
