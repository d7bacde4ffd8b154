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
from tensorflow.python.client import pywrap_tf_session as tf_session

from albert_tf.serving import errors

try:  # Registers the tensorflow-text kernels (SentencePiece, normalizers) before any graph is imported.
    import tensorflow_text  # noqa: F401
except ImportError:  # Models without tf-text ops still load; ones with them fail with TF's own message.
    tensorflow_text = None

SERVING_TAG = "serve"
DEFAULT_SIGNATURE = "serving_default"
# Resolved feed/fetch endpoints: enough for the output_filter combinations clients use, bounded for the others.
_MAX_CACHED_ENDPOINTS = 256
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
    step runs). DirectSession caches one executor per feed/fetch combination, built on first use.
    """

    def __init__(self, model_name: str, version: int, path: str, session_config: config_pb2.ConfigProto = None,
                 tags: tuple[str, ...] = (SERVING_TAG,)):
        self.model_name = model_name
        self.version = version
        self.path = path
        self._graph = tf.Graph()
        self._session = tf.compat.v1.Session(graph=self._graph, config=session_config)
        try:
            with self._graph.as_default():
                meta_graph = _load_meta_graph(self._session, path, tags)
        except tf.errors.OpError as e:
            self._session.close()
            raise errors.savedmodel_load_failed(path, e.message) from e
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            self._session.close()
            raise errors.savedmodel_load_failed(path, str(e)) from e
        self.signatures: dict[str, meta_graph_pb2.SignatureDef] = dict(meta_graph.signature_def)
        self._endpoint_cache: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    def run(self, feeds: list[tuple[str, np.ndarray]], fetches: list[str], deadline: float | None = None):
        """Session::Run with feeds ``[(tensor_name, array)]``; returns arrays in ``fetches`` order.

        ``deadline`` (time.monotonic() seconds; default: the request's, see ``request_deadline``) becomes the
        step's RunOptions.timeout_in_ms. Raises ServingError with the runtime's own code and message when a
        kernel fails or time runs out.
        """
        deadline = current_deadline() if deadline is None else deadline
        options = None
        if deadline is not None:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                raise errors.deadline_exceeded()
            options = config_pb2.RunOptions(timeout_in_ms=max(1, math.ceil(remaining_ms)))
        feed_outputs, fetch_outputs = self._endpoints(tuple(name for name, _ in feeds), tuple(fetches))
        # The plain Session::Run entry point, as TF Serving calls it: DirectSession caches one executor per
        # feed/fetch name set whatever the RunOptions, so a new deadline never builds (and optimizes, seconds
        # for a text-in graph) a new executor, as a callable with the timeout baked in would.
        options_buffer = (tf_session.TF_NewBufferFromString(options.SerializeToString())
                          if options is not None else None)
        try:
            return tf_session.TF_SessionRun_wrapper(
                self._session._session,  # pylint: disable=protected-access
                options_buffer, dict(zip(feed_outputs, (array for _, array in feeds))), list(fetch_outputs), [],
                None)
        except tf.errors.OpError as e:
            raise op_error_to_serving_error(e) from e
        finally:
            if options_buffer is not None:
                tf_session.TF_DeleteBuffer(options_buffer)

    def _endpoints(self, feed_names: tuple, fetch_names: tuple):
        """The graph endpoints (TF_Output) for tensor names, cached per feed/fetch combination."""
        key = (feed_names, fetch_names)
        with self._lock:
            if self._closed:
                raise errors.server_shutting_down()
            cached = self._endpoint_cache.get(key)
            if cached is not None:
                self._endpoint_cache.move_to_end(key)
                return cached
            try:
                resolved = tuple(
                    tuple(self._graph.get_tensor_by_name(name)._as_tf_output()  # pylint: disable=protected-access
                          for name in names)
                    for names in (feed_names, fetch_names))
            except (KeyError, ValueError) as e:
                raise errors.ServingError(errors.code_from_number(tf.errors.NOT_FOUND), str(e)) from e
            self._endpoint_cache[key] = resolved
            if len(self._endpoint_cache) > _MAX_CACHED_ENDPOINTS:
                self._endpoint_cache.popitem(last=False)
            return resolved

    def close(self) -> None:
        """Release the cached endpoints and the Session; the caller ensures no run is in flight."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._endpoint_cache.clear()
        self._session.close()
        self._graph = None


def _load_meta_graph(session, path: str, tags=(SERVING_TAG,)) -> meta_graph_pb2.MetaGraphDef:
    """LoadSavedModel(tags): import the graph, restore variables, run the init op."""
    try:
        from tensorflow.python.util import deprecation

        silence = deprecation.silence()
    except (ImportError, AttributeError):  # The deprecation notice is cosmetic; load without silencing it.
        import contextlib

        silence = contextlib.nullcontext()
    with silence:
        return tf.compat.v1.saved_model.loader.load(session, list(tags), path)
