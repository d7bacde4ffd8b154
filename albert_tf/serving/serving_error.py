"""ServingError (the exception type of every error the embedded server returns) and TF Serving's status codes.

A ServingError carries a canonical (gRPC) status code and the message the client sees; ``http_status`` maps
the code to the HTTP status TF Serving's REST API answers with, and ``code_from_number`` reads a
tensorflow.error.Code number. The error constructors for each error site live in ``request_errors``,
``server_errors`` and ``rest_errors`` (all re-exported by ``errors``).

Example:
    >>> e = ServingError(grpc.StatusCode.NOT_FOUND, "Servable not found for request: Latest(ads)")
    >>> (e.code.name, e.http_status, e.code_number)
    ('NOT_FOUND', 404, 5)
"""

from __future__ import annotations

import re
from typing import Iterable

import grpc

# TF Serving's http_server.cc ToHTTPStatusCode(): canonical code -> HTTP status of a REST reply.
_HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}
_CODE_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
# The TF runtime appends where an op failed ("\n\t [[{{function_node __inference_f_12}}{{node Reshape}}]]");
# stock passes that on, but graph internals mean nothing to a client and leak the model's structure.
_NODE_ANNOTATION = re.compile(r"\s*\[\[(?:\{\{function_node [^}]*\}\})*\{\{node [^}]*\}\}\]\]"
                              r"|\s*\[\[node [^\]]*\]\]")


class ServingError(Exception):
    """A request failed: a canonical status code plus the message the client sees.

    Example:
        >>> raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Missing ModelSpec")
        Traceback (most recent call last):
        albert_tf.serving.serving_error.ServingError: INVALID_ARGUMENT: Missing ModelSpec
    """

    def __init__(self, code: grpc.StatusCode, message: str):
        message = _NODE_ANNOTATION.sub("", message)
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return http_status(self.code)

    @property
    def code_number(self) -> int:
        """The numeric code (tensorflow.error.Code and grpc share the numbering)."""
        return self.code.value[0]


def http_status(code: grpc.StatusCode) -> int:
    """HTTP status TF Serving's REST API uses for a canonical code (500 for anything unlisted)."""
    return _HTTP_STATUS.get(code, 500)


def code_from_number(number: int) -> grpc.StatusCode:
    """grpc.StatusCode for a tensorflow.error.Code number (UNKNOWN if out of range)."""
    return _CODE_BY_NUMBER.get(int(number), grpc.StatusCode.UNKNOWN)


def _invalid(message: str) -> ServingError:
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)


def _precondition(message: str) -> ServingError:
    return ServingError(grpc.StatusCode.FAILED_PRECONDITION, message)


def _braces(names: Iterable[str]) -> str:
    return "{" + ",".join(sorted(names)) + "}"
