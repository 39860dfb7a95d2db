"""One hierarchy for what a user can get wrong or run into: every domain error is a DomainError.

Operations raise these with a message for the user (a lazy translation or plain text) and, where it
belongs to one form field, the field's name. Views that show a form catch them and attach the
message to the field; anything not caught is answered once, by the handler in ``core/web.py``:
a 4xx page (or JSON for the API) with the message — never a 500.

    InvalidInput (422)     the request cannot be carried out as it is (a reason is missing, a value
                           is out of range, a file cannot be read)
    NotFound (404)         the object does not exist, or lies outside the user's area
    Conflict (409)         someone else changed it first, or its state forbids the step
    PermissionDenied (403) the user's role may not do this
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422

    def __init__(self, message: Any = "", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message) if self.message is not None else ""

    def text(self) -> str:
        """The message for the user, in the current language."""
        return str(self)


class InvalidInput(DomainError, ValueError):
    """Also a ValueError, so callers that caught the former ValueError subclasses still do."""

    status = 422


class NotFound(DomainError, LookupError):
    status = 404


class Conflict(DomainError):
    status = 409


class PermissionDenied(DomainError):
    status = 403


def form_status(refused: bool = True) -> int:
    """The one rule for a page that shows a form again: 422 when what was posted was refused (a
    field's error or a domain error), for htmx and plain posts alike — htmx swaps a 422 like a 200
    (``responseHandling`` in base.html) — and 200 otherwise. 400 is left for malformed requests
    (a bad CSRF token, JSON that does not parse, hidden fields that were tampered with)."""
    return InvalidInput.status if refused else 200
