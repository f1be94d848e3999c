"""Product catalogue, batches, units, containers, workers and the event log."""

from .catalog import Certificate, ProductCategory, ProductModel
from .events import ChainHead, Event, EventEPC
from .inventory import Batch, Container, Unit, UnitStatus, Worker

__all__ = [
    "Batch",
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
