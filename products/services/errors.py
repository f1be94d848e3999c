"""The one domain error family of the custody engine.

Services raise these; the API's exception handler turns them into RFC 7807 problems
(``CustodyError`` -> 400/422 with ``code`` and ``field``, ``ConflictError`` -> 409).
They subclass ``ValidationError`` so forms, the admin and DRF show the message as is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class CustodyError(ValidationError):
    """A command was refused: the actor may not do it, or the objects are in the wrong state.

    ``code`` is a stable machine-readable reason (e.g. ``not_holder``, ``recalled``);
    ``field`` names the input the problem is about, when there is one.
    """

    default_code = "custody_error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None, params=None):
        self.field = field
        code = code or self.default_code
        if field:
            super().__init__({field: [ValidationError(message, code=code, params=params)]})
        else:
            super().__init__(message, code=code, params=params)
        self.code = code

    def __str__(self) -> str:
        return "; ".join(self.messages)


class NotAllowed(CustodyError):
    """The actor is not the holder / the named destination / the owner of the object (inv. 1)."""

    default_code = "not_allowed"


class ConflictError(CustodyError):
    """Lost a race, or the state changed under the command: nothing was written (inv. 2). HTTP 409."""

    default_code = "conflict"


class InsufficientQuantity(ConflictError):
    """More was asked of a batch-quantity holding than it holds; nothing was written."""

    default_code = "insufficient_quantity"
