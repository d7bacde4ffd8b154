"""Serving: an embedded server that speaks TF Serving's gRPC and REST protocol, and a client for both.

Production runs stock TF Serving on the SavedModels ``albert-tf export`` writes (see ``serving/README.md``).
``albert-tf serve`` runs this package's ``ModelServer`` instead, with the same flags, the same models.config
and the same requests, responses, status codes and messages. ``Client`` talks to either one.

This package loads SavedModels the way TF Serving does (tag ``serve``, signatures, a TF Session) and imports
only tensorflow, tensorflow_text (for its ops), grpc and tensorflow_serving.apis; never albert_tf.modeling.

Example:
    >>> from albert_tf.serving import Client
    >>> client = Client("localhost:8500", "sentiment")   # doctest: +SKIP
    >>> client.predict(["what a film"])                  # doctest: +SKIP
"""

from albert_tf.serving.client import (
    Client,
    DeadlineExceededError,
    InvalidRequestError,
    ModelNotFoundError,
    ServerBusyError,
    ServerError,
    ServerUnreachableError,
)
from albert_tf.serving.server import ModelServer, ServerOptions

__all__ = [
    "Client",
    "DeadlineExceededError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "ModelServer",
    "ServerBusyError",
    "ServerError",
    "ServerOptions",
    "ServerUnreachableError",
]
