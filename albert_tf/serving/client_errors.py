"""The exceptions a ``Client`` raises, and how a server's status code or HTTP status maps onto them.

Every failure is a ``ServerError`` with the canonical ``code`` name, the server's ``message`` and, for REST,
the ``http_status``; ``error_for`` picks the subclass for a code (``ModelNotFoundError``,
``InvalidRequestError``, ``ServerBusyError``, ``DeadlineExceededError``; ``ServerUnreachableError`` when no
server answered). Imports neither tensorflow nor grpc.

Example:
    >>> e = error_for("NOT_FOUND", "Servable not found for request: Latest(ads)", 404)
    >>> type(e).__name__, str(e)
    ('ModelNotFoundError', 'NOT_FOUND: Servable not found for request: Latest(ads)')
"""

from __future__ import annotations


class ServerError(Exception):
    """The server answered with an error (or could not be reached). ``code`` is the canonical code name."""

    def __init__(self, code: str, message: str, http_status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class ModelNotFoundError(ServerError):
    """NOT_FOUND: no such model or version, or it is still loading."""


class InvalidRequestError(ServerError):
    """INVALID_ARGUMENT / FAILED_PRECONDITION: the request does not fit the model's signature."""


class ServerBusyError(ServerError):
    """RESOURCE_EXHAUSTED / UNAVAILABLE: request too large, queue full, or the server is shutting down."""


class DeadlineExceededError(ServerError):
    """The call did not finish within its deadline."""


class ServerUnreachableError(ServerError):
    """No server (of the protocol asked for) answered at the target address."""


_ERROR_CLASSES = {
    "NOT_FOUND": ModelNotFoundError,
    "INVALID_ARGUMENT": InvalidRequestError,
    "FAILED_PRECONDITION": InvalidRequestError,
    "OUT_OF_RANGE": InvalidRequestError,
    "RESOURCE_EXHAUSTED": ServerBusyError,
    "UNAVAILABLE": ServerBusyError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
}
# REST replies carry an HTTP status; this is the code each one stands for.
_HTTP_CODES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 501: "UNIMPLEMENTED",
               503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 500: "INTERNAL", 499: "CANCELLED", 409: "ABORTED",
               403: "PERMISSION_DENIED", 401: "UNAUTHENTICATED"}


def error_for(code: str, message: str, http_status: int | None = None) -> ServerError:
    """The ServerError subclass for a canonical code name."""
    return _ERROR_CLASSES.get(code, ServerError)(code, message, http_status)
