"""Product catalogue, batches, units, containers, workers and the event log."""

from .catalog import Certificate, ProductCategory, ProductModel
from .custody import BatchFlow, Holding, Recall, Shipment, ShipmentLine
from .events import ChainHead, Event, EventEPC
from .inventory import Batch, Container, RetireReason, Unit, UnitStatus, Worker

__all__ = [
    "Batch",
    "BatchFlow",
    "Holding",
    "Recall",
    "RetireReason",
    "Shipment",
    "ShipmentLine",
    "Certificate",
    "ChainHead",
    "Container",
    "Event",
    "EventEPC",
    "ProductCategory",
    "ProductModel",
    "Unit",
    "UnitStatus",
    "Worker",
]
