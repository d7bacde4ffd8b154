"""One loaded SavedModel version, loaded and run the way TF Serving's SavedModelBundle does it.

TF Serving loads the MetaGraphDef tagged ``serve`` into a TensorFlow Session (restoring variables and running
the init op) and answers every request with ``Session::Run`` on the tensor names a SignatureDef lists. This
class does exactly that through TensorFlow's Python Session, so the graph, the kernels and their error
messages are the ones the stock server runs. tensorflow_text is imported first so that SavedModels using its
ops (SentencePiece tokenizers) load, as they do in the stock image.

Example:
    >>> servable = Servable("half_plus_two", 1, "/models/half_plus_two/1")  # doctest: +SKIP
    >>> sig = servable.signatures["serving_default"]                          # doctest: +SKIP
    >>> servable.run([(sig.inputs["x"].name, np.array([1.0], np.float32))],
    ...              [sig.outputs["y"].name])                                 # doctest: +SKIP
    [array([2.5], dtype=float32)]
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import math
import threading
import time

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2, meta_graph_pb2

from albert_tf.serving import errors

try:  # Registers the tensorflow-text kernels (SentencePiece, normalizers) before any graph is imported.
    import tensorflow_text  # noqa: F401
except ImportError:  # Models without tf-text ops still load; ones with them fail with TF's own message.
    tensorflow_text = None

SERVING_TAG = "serve"
DEFAULT_SIGNATURE = "serving_default"
# Enough for the output_filter combinations and deadline buckets clients use, and bounded for the others.
_MAX_CACHED_CALLABLES = 256
# The current request's deadline (time.monotonic() seconds), set by the front ends for the handling thread.
_deadline: contextvars.ContextVar = contextvars.ContextVar("deadline", default=None)


@contextlib.contextmanager
def request_deadline(seconds: float | None):
    """Runs inside this block stop (DEADLINE_EXCEEDED) ``seconds`` from now, as TF Serving passes a request's
    deadline to Session::Run as RunOptions.timeout_in_ms. None: no deadline."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    return _deadline.get()


def op_error_to_serving_error(error: tf.errors.OpError) -> errors.ServingError:
    """A TensorFlow runtime error as the status TF Serving returns for it (same code, same message)."""
    return errors.ServingError(errors.code_from_number(error.error_code), error.message)


class Servable:
    """A SavedModel version in its own Graph and Session.

    ``run`` is thread-safe: the TF runtime runs concurrent calls in parallel (the GIL is released while a
    step runs). Callables are created once per feed/fetch combination, as DirectSession caches executors.
    """

    def __init__(self, model_name: str, version: int, path: str, session_config: config_pb2.ConfigProto = None):
        self.model_name = model_name
        self.version = version
        self.path = path
        self._graph = tf.Graph()
        self._session = tf.compat.v1.Session(graph=self._graph, config=session_config)
        try:
            with self._graph.as_default():
                meta_graph = _load_meta_graph(self._session, path)
        except tf.errors.OpError as e:
            self._session.close()
            raise errors.savedmodel_load_failed(path, e.message) from e
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            self._session.close()
            raise errors.savedmodel_load_failed(path, str(e)) from e
        self.signatures: dict[str, meta_graph_pb2.SignatureDef] = dict(meta_graph.signature_def)
        self._callables: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    def run(self, feeds: list[tuple[str, np.ndarray]], fetches: list[str], deadline: float | None = None):
        """Session::Run with feeds ``[(tensor_name, array)]``; returns arrays in ``fetches`` order.

        ``deadline`` (time.monotonic() seconds; default: the request's, see ``request_deadline``) becomes the
        step's timeout, rounded up to a power of two milliseconds so that few callables are cached. Raises
        ServingError with the runtime's own code and message when a kernel fails or time runs out.
        """
        deadline = current_deadline() if deadline is None else deadline
        timeout_bucket = 0
        if deadline is not None:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                raise errors.deadline_exceeded()
            timeout_bucket = 1 << max(3, math.ceil(math.log2(remaining_ms)))
        key = (tuple(name for name, _ in feeds), tuple(fetches), timeout_bucket)
        run_callable = self._callable(key)
        try:
            return run_callable(*[array for _, array in feeds])
        except tf.errors.OpError as e:
            raise op_error_to_serving_error(e) from e

    def _callable(self, key):
        with self._lock:
            if self._closed:
                raise errors.server_shutting_down()
            run_callable = self._callables.get(key)
            if run_callable is not None:
                self._callables.move_to_end(key)
                return run_callable
            options = config_pb2.CallableOptions(feed=list(key[0]), fetch=list(key[1]))
            options.run_options.timeout_in_ms = key[2]
            # Session.make_callable converts and shape-checks feeds in Python, which TF Serving's
            # Session::Run does not; the raw callable hands the arrays to the runtime unchanged.
            try:
                run_callable = self._session._make_callable_from_options(options)  # pylint: disable=protected-access
            except tf.errors.OpError as e:
                raise op_error_to_serving_error(e) from e
            self._callables[key] = run_callable
            if len(self._callables) > _MAX_CACHED_CALLABLES:
                self._callables.popitem(last=False)
            return run_callable

    def close(self) -> None:
        """Release the callables and the Session; the caller ensures no run is in flight."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._callables.clear()
        self._session.close()
        self._graph = None


def _load_meta_graph(session, path: str) -> meta_graph_pb2.MetaGraphDef:
    """LoadSavedModel(tags={serve}): import the graph, restore variables, run the init op."""
    try:
        from tensorflow.python.util import deprecation

        silence = deprecation.silence()
    except (ImportError, AttributeError):  # The deprecation notice is cosmetic; load without silencing it.
        import contextlib

        silence = contextlib.nullcontext()
    with silence:
        return tf.compat.v1.saved_model.loader.load(session, [SERVING_TAG], path)
