"""Display labels for stored choice values in templates that receive plain values."""

from django import template

from products.models import UnitStatus
from products.models.custody import ShipmentLine

register = template.Library()


@register.filter
def unit_status_label(value: str) -> str:
    """``in_stock`` -> the translated label of that unit status."""
    return dict(UnitStatus.choices).get(value, value)


@register.filter
def line_state_label(value: str) -> str:
    """A shipment line's state -> its translated label."""
    return dict(ShipmentLine.State.choices).get(value, value)
