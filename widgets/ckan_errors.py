"""Errors raised by the replica's CKAN actions, with CKAN's error envelope.

CKAN's action API responds to a failed call with HTTP 4xx or 5xx and a body
``{"help": ..., "success": false, "error": {"__type": ..., "message": ...}}``.
A validation error carries field errors instead of a single message, for
example ``{"__type": "Validation Error", "filters": ["invalid value ..."]}``.
Each class below knows its status code and how to build that ``error``
object. These are server-side errors: the learner-facing client turns the
envelope into :class:`widgets.portal.PortalError` subclasses.
"""

from __future__ import annotations


class ActionError(Exception):
    """A CKAN action failed; ``status`` and :meth:`error_object` give the reply."""

    status = 500
    error_type = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def error_object(self) -> dict:
        """Return the ``error`` member of CKAN's envelope."""
        return {"__type": self.error_type, "message": self.message or self.error_type}


class ActionNotFound(ActionError):
    """CKAN's ``NotFound``: HTTP 404, message ``Not found: ...``."""

    status = 404
    error_type = "Not Found Error"

    def error_object(self) -> dict:
        message = "Not found"
        if self.message:
            message += f": {self.message}"
        return {"__type": self.error_type, "message": message}


class ActionNotAuthorized(ActionError):
    """CKAN's ``NotAuthorized``: HTTP 403, message ``Access denied: ...``."""

    status = 403
    error_type = "Authorization Error"

    def error_object(self) -> dict:
        message = "Access denied"
        if self.message:
            message += f": {self.message}"
        return {"__type": self.error_type, "message": message}


class ActionValidationError(ActionError):
    """CKAN's ``ValidationError``: HTTP 409 with a dict of field errors."""

    status = 409
    error_type = "Validation Error"

    def __init__(self, error_dict: dict) -> None:
        super().__init__(repr(error_dict))
        self.error_dict = error_dict

    def error_object(self) -> dict:
        return {**self.error_dict, "__type": self.error_type}


class ActionSearchQueryError(ActionError):
    """CKAN's ``SearchQueryError`` from package_search: HTTP 400."""

    status = 400
    error_type = "Search Query Error"

    def error_object(self) -> dict:
        return {
            "__type": self.error_type,
            "message": f"Search Query is invalid: {self.message!r}",
        }


class ActionBadRequest(ActionError):
    """A request CKAN rejects before any action runs: HTTP 400.

    CKAN's body is then a bare JSON string such as
    ``"Bad request - Action name not known: foo"``, not an envelope.
    """

    status = 400
    error_type = "Bad Request"

    def body(self) -> str:
        """Return the JSON string CKAN sends as the whole body."""
        return f"Bad request - {self.message}"
