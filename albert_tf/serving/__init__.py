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

import importlib as _importlib

# Imported on first use: a REST ``Client`` must not pull in tensorflow (the server and gRPC stubs do).
_LAZY = {"ModelServer": "albert_tf.serving.server", "ServerOptions": "albert_tf.serving.server"}


def __getattr__(name):
    if name in _LAZY or name in __all__:
        module = _importlib.import_module(_LAZY.get(name, "albert_tf.serving.client"))
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
