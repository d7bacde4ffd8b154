"""What the ModelManager keeps per model and per version: TF Serving's version states (START, LOADING,
AVAILABLE, UNLOADING, END), the record of each version (path, state, load error, servable, requests in
flight, retries), and the ``ServableHandle`` a request holds its version with until it is released.

Example:
    >>> record = _Version(3, "/models/m/3")
    >>> record.state == START, record.in_flight
    (True, 0)
"""

from __future__ import annotations

from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.config import model_server_config_pb2

from albert_tf.serving import errors

State = get_model_status_pb2.ModelVersionStatus
START, LOADING, AVAILABLE, UNLOADING, END = State.START, State.LOADING, State.AVAILABLE, State.UNLOADING, State.END


class _Version:
    def __init__(self, version: int, path: str):
        self.version = version
        self.path = path
        self.state = START
        self.error: errors.ServingError | None = None
        self.servable = None
        self.in_flight = 0
        self.failed_attempts = 0
        self.retry_at = 0.0


class _Model:
    def __init__(self, model_config: model_server_config_pb2.ModelConfig):
        self.config = model_config
        self.versions: dict[int, _Version] = {}
        self.removed = False
        self.polled = False


class ServableHandle:
    """A loaded version, held until ``release`` (or the end of a ``with`` block)."""

    def __init__(self, manager: "ModelManager", model_name: str, record: _Version):
        self._manager = manager
        self._record = record
        self.model_name = model_name
        self.version = record.version
        self.servable = record.servable
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._manager._release(self._record)

    def __enter__(self) -> "ServableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.release()
