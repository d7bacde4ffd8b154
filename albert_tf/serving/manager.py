"""Model versions: which ones are on disk, which ones are loaded, and which one answers a request.

This is the embedded server's ServerCore + FileSystemStoragePathSource + AspiredVersionsManager:

- Every ``file_system_poll_wait_seconds`` each model's base path is listed; a child directory whose name is
  an integer is a version. The version policy (latest N, all, specific) picks the aspired versions.
- An aspired version is loaded (and its warmup requests run) while the old one keeps serving; only when it
  is AVAILABLE are versions that are no longer aspired unloaded (TF Serving's availability-preserving policy).
- A request holds its version until it finishes (``acquire`` returns a handle); an unloading version waits
  for its requests in flight before its Session is closed, so no request fails because of a swap.
- States follow TF Serving: START, LOADING, AVAILABLE, UNLOADING, END. Unloaded and failed versions stay
  listed as END (with the load error, if any), as ServableStateMonitor reports them.

This module holds ``ModelManager``; the version states, per-version records and ``ServableHandle`` live in
``version_records``, and listing versions on disk and applying the version policy in ``version_source``
(both re-exported here).

Example:
    >>> manager = ModelManager(load_version=lambda name, v, path: Servable(name, v, path))  # doctest: +SKIP
    >>> manager.start(config.single_model_config("m", "/models/m"))                        # doctest: +SKIP
    >>> with manager.acquire(model_pb2.ModelSpec(name="m")) as handle:                     # doctest: +SKIP
    ...     handle.servable.signatures
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent import futures
from typing import Callable

from tensorflow_serving.apis import model_pb2
from tensorflow_serving.config import model_server_config_pb2

from albert_tf.serving import config as config_lib
from albert_tf.serving import errors
from albert_tf.serving.version_records import (  # noqa: F401  (re-exported)
    AVAILABLE, END, LOADING, START, UNLOADING, ServableHandle, State, _Model, _Version,
)
from albert_tf.serving.version_source import _VERSION_DIR, _aspired_versions, _list_versions  # noqa: F401

logger = logging.getLogger("albert_tf.serving")


class ModelManager:
    """Loads, swaps and unloads SavedModel versions for every model of a ModelServerConfig.

    ``load_version(model_name, version, path)`` returns a loaded, warmed-up servable or raises ServingError.
    ``on_unloaded(servable)`` is called after a version's Session is closed.
    """

    def __init__(
        self,
        load_version: Callable[[str, int, str], object],
        *,
        poll_wait_seconds: float = 1.0,
        allow_version_labels_for_unavailable_models: bool = False,
        max_num_load_retries: int = 5,
        load_retry_interval_seconds: float = 60.0,
        on_unloaded: Callable[[object], None] | None = None,
        num_load_threads: int = 0,
        num_unload_threads: int = 0,
    ):
        self._load_version = load_version
        self._num_load_threads = num_load_threads
        # Stock's 0 unloads serially; here unloads wait for requests in flight, so they run off the polling
        # thread and the semaphore keeps them serial (0) or at most num_unload_threads at once.
        self._unload_slots = threading.BoundedSemaphore(max(1, num_unload_threads))
        self._poll_wait = poll_wait_seconds
        self._allow_unavailable_labels = allow_version_labels_for_unavailable_models
        self._max_retries = max_num_load_retries
        self._retry_interval = load_retry_interval_seconds
        self._on_unloaded = on_unloaded
        self._cv = threading.Condition()
        self._poll_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self._models: dict[str, _Model] = {}
        self._labels: dict[str, dict[str, int]] = {}
        self._config: model_server_config_pb2.ModelServerConfig | None = None
        self._stopping = threading.Event()
        self._poller: threading.Thread | None = None
        self._unloaders: list[threading.Thread] = []

    # --- configuration ------------------------------------------------------------------------------------

    def start(self, server_config: model_server_config_pb2.ModelServerConfig) -> None:
        """Load the initial config, wait for each model's versions, then poll in the background."""
        self.reload_config(server_config)
        if self._poll_wait > 0:
            self._poller = threading.Thread(target=self._poll_forever, name="version-poller", daemon=True)
            self._poller.start()

    def reload_config(self, server_config: model_server_config_pb2.ModelServerConfig) -> None:
        """Replace the whole model set (HandleReloadConfigRequest / --model_config_file reloads)."""
        with self._config_lock:
            if server_config.WhichOneof("config") != "model_config_list":
                if self._config is not None or server_config.WhichOneof("config") is not None:
                    raise errors.config_transition_not_allowed()
                return
            config_lib.validate_model_config_list(server_config)
            self._labels = self._label_map(server_config)
            wanted = {m.name: m for m in server_config.model_config_list.config}
            with self._cv:
                new_models = [name for name in wanted if name not in self._models or self._models[name].removed]
                for name, model in self._models.items():
                    if name not in wanted and not model.removed:
                        model.removed = True
                        for record in model.versions.values():
                            if record.state == AVAILABLE:
                                self._begin_unload(name, record)
                for name, model_config in wanted.items():
                    model = self._models.get(name)
                    if model is None:
                        self._models[name] = _Model(model_config)
                    else:
                        model.config, model.removed, model.polled = model_config, False, False
            self._config = server_config
            failures = self._poll_once(strict=True)
            details = []
            with self._cv:
                for name in new_models:
                    model = self._models[name]
                    if failures.get(name) is not None:
                        details.append(f"{{name: {name}}} due to error: {failures[name]}")
                    elif not any(r.state == AVAILABLE for r in model.versions.values()):
                        failed = [r for r in model.versions.values() if r.error is not None]
                        reason = f" due to error: {failed[0].error}" if failed else ""
                        version = failed[0].version if failed else "?"
                        details.append(f"{{name: {name} version: {version}}}{reason}")
            if details:
                raise errors.models_did_not_become_available(details)

    def _label_map(self, server_config) -> dict[str, dict[str, int]]:
        """ServerCore::UpdateModelVersionLabelMap: labels may only name AVAILABLE versions (unless allowed)."""
        label_map: dict[str, dict[str, int]] = {}
        with self._cv:
            for model_config in server_config.model_config_list.config:
                model = self._models.get(model_config.name)
                for label, version in model_config.version_labels.items():
                    allowed = False
                    if self._allow_unavailable_labels:
                        existing = self._labels.get(model_config.name, {}).get(label)
                        allowed = existing is None or existing == version
                    record = model.versions.get(version) if model is not None else None
                    if not allowed and (record is None or record.state != AVAILABLE):
                        raise errors.label_for_unavailable_version(model_config.name, version)
                    label_map.setdefault(model_config.name, {})[label] = version
        return label_map

    # --- requests -----------------------------------------------------------------------------------------

    def acquire(self, model_spec: model_pb2.ModelSpec) -> ServableHandle:
        """The version a ModelSpec asks for (latest, by number or by label), held until released."""
        name = model_spec.name
        if not name:
            raise errors.model_spec_has_no_name()
        choice = model_spec.WhichOneof("version_choice")
        with self._cv:
            if choice == "version_label":
                version = self._labels.get(name, {}).get(model_spec.version_label)
                if version is None:
                    raise errors.unrecognized_version_label(model_spec.version_label)
                choice, wanted = "version", version
            elif choice == "version":
                wanted = model_spec.version.value
            model = self._models.get(name)
            records = model.versions if model is not None else {}
            if choice == "version":
                record = records.get(wanted)
                if record is None or record.state != AVAILABLE:
                    raise errors.servable_not_found_specific(name, wanted)
            else:
                available = [r for r in records.values() if r.state == AVAILABLE]
                if not available:
                    raise errors.servable_not_found_latest(name)
                record = max(available, key=lambda r: r.version)
            record.in_flight += 1
            return ServableHandle(self, name, record)

    def _release(self, record: _Version) -> None:
        with self._cv:
            record.in_flight -= 1
            if record.in_flight == 0:
                self._cv.notify_all()

    def status(self, model_name: str, version: int | None = None):
        """[(version, state, error or None)] highest version first, as GetModelStatus reports them."""
        with self._cv:
            model = self._models.get(model_name)
            records = model.versions if model is not None else {}
            if version is not None:
                record = records.get(version)
                if record is None:
                    raise errors.version_not_found_for_status(model_name, version)
                return [(record.version, record.state, record.error)]
            if not records:
                raise errors.no_versions_for_status(model_name)
            return [(r.version, r.state, r.error) for r in sorted(records.values(), key=lambda r: -r.version)]

    # --- polling, loading, unloading ----------------------------------------------------------------------

    def _poll_forever(self) -> None:
        while not self._stopping.wait(self._poll_wait):
            try:
                self._poll_once(strict=False)
            except Exception:  # pylint: disable=broad-except  # the poller must outlive any one bad poll
                logger.exception("Version poll failed")

    def _poll_once(self, strict: bool) -> dict[str, errors.ServingError]:
        """One pass over every model: load new aspired versions, then unload superseded ones.

        With ``strict`` (startup and config reloads) a model without any version is reported as failed,
        like ``fail_if_zero_versions_at_startup``; the background poller only logs it.
        """
        failures: dict[str, errors.ServingError] = {}
        with self._poll_lock:
            with self._cv:
                models = [(name, m) for name, m in self._models.items() if not m.removed]
            pending, pending_unloads = [], []
            for name, model in models:
                if self._stopping.is_set():
                    break
                on_disk = _list_versions(model.config.base_path)
                if not on_disk and (strict or not model.polled):
                    failure = errors.no_versions_found(name, model.config.base_path)
                    if strict:
                        failures[name] = failure
                    logger.warning("%s", failure.message)
                model.polled = True
                aspired = _aspired_versions(model.config.model_version_policy, sorted(on_disk))
                for version in sorted(aspired, reverse=True):
                    record = self._record_to_load(model, version, on_disk[version])
                    if record is not None:
                        pending.append((name, record))
                pending_unloads.append((name, model, aspired))
            self._load_all(pending)
            for name, model, aspired in pending_unloads:
                self._unload_superseded(name, model, aspired)
        return failures

    def _load_all(self, pending: list[tuple[str, "_Version"]]) -> None:
        """--num_load_threads: 0 loads one version after another, N > 0 up to N at once."""
        if self._num_load_threads <= 0 or len(pending) <= 1:
            for name, record in pending:
                self._load(name, record)
            return
        with futures.ThreadPoolExecutor(self._num_load_threads, thread_name_prefix="load") as pool:
            list(pool.map(lambda item: self._load(*item), pending))

    def _record_to_load(self, model: _Model, version: int, path: str) -> _Version | None:
        with self._cv:
            record = model.versions.get(version)
            if record is None:
                record = model.versions[version] = _Version(version, path)
                return record
            if record.state in (AVAILABLE, LOADING, UNLOADING):
                return None
            if record.state == END and record.error is not None:
                if record.failed_attempts > self._max_retries or time.monotonic() < record.retry_at:
                    return None
            return record

    def _load(self, model_name: str, record: _Version) -> None:
        with self._cv:
            record.state, record.error = LOADING, None
        logger.info("Loading servable: {name: %s version: %d} from %s", model_name, record.version, record.path)
        started = time.monotonic()
        try:
            servable = self._load_version(model_name, record.version, record.path)
        except errors.ServingError as e:
            self._load_failed(model_name, record, e)
            return
        except Exception as e:  # pylint: disable=broad-except  # a bad SavedModel must not stop the server
            self._load_failed(model_name, record, errors.savedmodel_load_failed(record.path, str(e)))
            return
        with self._cv:
            record.servable, record.state, record.failed_attempts = servable, AVAILABLE, 0
        logger.info(
            "Successfully loaded servable version {name: %s version: %d} in %.2fs",
            model_name,
            record.version,
            time.monotonic() - started,
        )

    def _load_failed(self, model_name: str, record: _Version, error: errors.ServingError) -> None:
        with self._cv:
            record.state, record.error = END, error
            record.failed_attempts += 1
            record.retry_at = time.monotonic() + self._retry_interval
        logger.error("Loading servable: {name: %s version: %d} failed: %s", model_name, record.version, error)

    def _unload_superseded(self, model_name: str, model: _Model, aspired: set[int]) -> None:
        with self._cv:
            stale = [r for v, r in model.versions.items() if v not in aspired and r.state == AVAILABLE]
            if not stale:
                return
            aspired_records = [model.versions[v] for v in aspired if v in model.versions]
            settled = all(r.state in (AVAILABLE, END) for r in aspired_records)
            serving = any(r.state == AVAILABLE for r in aspired_records)
            if aspired and not (settled and serving):
                return  # keep the old version until a new one serves (availability-preserving)
            for record in stale:
                self._begin_unload(model_name, record)

    def _begin_unload(self, model_name: str, record: _Version) -> None:
        """Mark UNLOADING (no new requests) and close the Session once requests in flight finish."""
        record.state = UNLOADING
        thread = threading.Thread(
            target=self._finish_unload, args=(model_name, record), name=f"unload-{model_name}-{record.version}"
        )
        self._unloaders = [t for t in self._unloaders if t.is_alive()] + [thread]
        thread.start()

    def _finish_unload(self, model_name: str, record: _Version) -> None:
        with self._cv:
            while record.in_flight > 0:
                self._cv.wait()
            servable, record.servable = record.servable, None
        with self._unload_slots:
            servable.close()
        if self._on_unloaded is not None:
            self._on_unloaded(servable)
        with self._cv:
            record.state = END
        logger.info("Done unloading servable version {name: %s version: %d}", model_name, record.version)

    def stop(self) -> None:
        """Stop polling and unload every version once its requests in flight are done."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.join(timeout=60)
        with self._poll_lock, self._cv:
            for name, model in self._models.items():
                for record in model.versions.values():
                    if record.state == AVAILABLE:
                        self._begin_unload(name, record)
            unloaders = list(self._unloaders)
        for thread in unloaders:
            thread.join(timeout=60)
