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

from albert_tf.utils.lazy import lazy_exports as _lazy_exports

# Public name -> defining module, imported on first use: a REST ``Client`` must not pull in tensorflow (the
# server and gRPC stubs do).
_EXPORTS = {
    "Client": "albert_tf.serving.client",
    "DeadlineExceededError": "albert_tf.serving.client",
    "InvalidRequestError": "albert_tf.serving.client",
    "ModelNotFoundError": "albert_tf.serving.client",
    "ModelServer": "albert_tf.serving.server",
    "ServerBusyError": "albert_tf.serving.client",
    "ServerError": "albert_tf.serving.client",
    "ServerOptions": "albert_tf.serving.server",
    "ServerUnreachableError": "albert_tf.serving.client",
}

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())

__all__ = sorted(_EXPORTS)
