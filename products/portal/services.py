"""The portal's own writes: registering an enterprise's workers (custody commands live in
``products.services.custody``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from products.models import Worker
from products.services.errors import CustodyError, NotAllowed
from traceability.models import Organization


@transaction.atomic
def worker_register(*, actor: Organization, employee_number: str, name: str, post: str = "",
                    department: str = "") -> Worker:
    """Register a worker of the enterprise ``actor``; the employee number is unique per enterprise
    (a database constraint, so two concurrent registrations cannot both win)."""
    if not actor.is_enterprise:
        raise NotAllowed(_("Only user enterprises register workers."), code="not_enterprise")
    employee_number = employee_number.strip()
    if not employee_number or not name.strip():
        raise CustodyError(_("A worker needs an employee number and a name."), code="required",
                           field="employee_number")
    try:
        with transaction.atomic():
            return Worker.objects.create(enterprise=actor, employee_number=employee_number, name=name.strip(),
                                         post=post.strip(), department=department.strip())
    except IntegrityError as exc:
        raise CustodyError(_("Employee number %(number)s is already registered.") % {"number": employee_number},
                           code="duplicate", field="employee_number") from exc
