"""The embedded model server: TF Serving's gRPC and REST APIs over SavedModels, in one Python process.

``ModelServer(ServerOptions(...))`` is what ``albert-tf serve`` runs. Options carry the names of
``tensorflow_model_server``'s flags, so one command line and one models.config work for both servers.

Example:
    >>> server = ModelServer(ServerOptions(model_name="half_plus_two",
    ...                                    model_base_path="/models/half_plus_two"))  # doctest: +SKIP
    >>> server.start()  # doctest: +SKIP
    >>> server.stop()  # doctest: +SKIP

``start`` loads each model's latest version, then serves gRPC on 8500 (and REST where ``rest_api_port`` is
set, as in stock, where it defaults to 0: off); ``stop`` stops listening, lets requests in flight finish
and unloads every version.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading

from albert_tf.serving import config as config_lib
from albert_tf.serving import errors
from albert_tf.serving.batching import BatchScheduler
from albert_tf.serving.grpc_server import GrpcServer, server_credentials
from albert_tf.serving.inference import InferenceCore
from albert_tf.serving.manager import ModelManager
from albert_tf.serving.metrics import Metrics
from albert_tf.serving.rest_server import RestServer
from albert_tf.serving.servable import SERVING_TAG

logger = logging.getLogger("albert_tf.serving")

DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024  # grpc's own default receive limit
# Stock sizes its gRPC and REST thread pools at 4 x port::NumSchedulableCPUs().
DEFAULT_THREADS = 4 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@dataclasses.dataclass
class ServerOptions:
    """The server's settings; each field is the ``albert-tf serve`` flag of the same name.

    Fields shared with ``tensorflow_model_server`` keep its names, defaults and meaning (``Server::Options``
    in server.h); ``host`` and ``max_request_bytes`` are this server's own. ``rest_api_port=0`` (the default)
    disables REST and ``port=0`` disables gRPC over TCP (then ``grpc_socket_path`` is required), as in stock.
    """

    port: int = 8500
    grpc_socket_path: str = ""
    grpc_channel_arguments: str = ""
    rest_api_port: int = 0
    rest_api_enable_cors_support: bool = False
    host: str = "127.0.0.1"
    model_name: str = "default"
    model_base_path: str = ""
    model_config_file: str = ""
    model_config_file_poll_wait_seconds: int = 0
    file_system_poll_wait_seconds: int = 1
    enable_batching: bool = False
    batching_parameters_file: str = ""
    monitoring_config_file: str = ""
    enable_model_warmup: bool = True
    allow_version_labels_for_unavailable_models: bool = False
    num_request_iterations_for_warmup: int = 0
    max_num_load_retries: int = 5
    load_retry_interval_micros: int = 60_000_000
    num_load_threads: int = 0
    num_unload_threads: int = 0
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    grpc_max_threads: int = DEFAULT_THREADS
    rest_api_num_threads: int = DEFAULT_THREADS
    rest_api_timeout_in_ms: int = 30000
    saved_model_tags: str = ""
    tensorflow_session_parallelism: int = 0
    tensorflow_intra_op_parallelism: int = 0
    tensorflow_inter_op_parallelism: int = 0
    tensorflow_session_config_file: str = ""
    ssl_config_file: str = ""
    use_alts_credentials: bool = False
    enable_signature_method_name_check: bool = False
    enable_grpc_healthcheck_service: bool = False
    enable_serialization_as_tensor_content: bool = False


class RequestGate:
    """Counts requests in flight and refuses new ones once closed (graceful shutdown)."""

    def __init__(self):
        self._cv = threading.Condition()
        self._in_flight = 0
        self._closed = False

    def __enter__(self):
        with self._cv:
            if self._closed:
                raise errors.server_shutting_down()
            self._in_flight += 1
        return self

    def __exit__(self, *exc):
        with self._cv:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._cv.notify_all()

    def close(self) -> None:
        with self._cv:
            self._closed = True

    def wait_idle(self, timeout: float) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self._in_flight == 0, timeout=timeout)


class ModelServer:
    """Loads the configured models and serves them over gRPC and REST until ``stop``."""

    def __init__(self, options: ServerOptions):
        self.options = options
        self.metrics = Metrics()
        self.gate = RequestGate()
        self.manager: ModelManager | None = None
        self.core: InferenceCore | None = None
        self._scheduler = None
        self._grpc = None
        self._rest = None
        self._stopped = threading.Event()
        self._config_poller = None

    def _model_server_config(self):
        options = self.options
        if options.model_config_file:
            return config_lib.load_model_server_config(options.model_config_file)
        if not options.model_base_path:
            raise errors.no_model_source()
        return config_lib.single_model_config(options.model_name, options.model_base_path)

    def start(self) -> None:
        """Load every model's initial versions, then start listening. Raises ServingError or OSError."""
        options = self.options
        # Server::BuildAndStart's checks, in its order.
        if not options.port and not options.grpc_socket_path:
            raise errors.no_grpc_listener()
        if options.use_alts_credentials and options.ssl_config_file:
            raise errors.alts_and_ssl()
        server_config = self._model_server_config()
        if options.batching_parameters_file and not options.enable_batching:
            raise errors.batching_file_without_batching()
        session_config = config_lib.session_config(
            session_config_file=options.tensorflow_session_config_file,
            session_parallelism=options.tensorflow_session_parallelism,
            intra_op_parallelism=options.tensorflow_intra_op_parallelism,
            inter_op_parallelism=options.tensorflow_inter_op_parallelism,
        )
        channel_arguments = config_lib.parse_grpc_channel_arguments(options.grpc_channel_arguments)
        credentials = self._credentials()
        monitoring = config_lib.load_monitoring_config(options.monitoring_config_file)
        if options.enable_batching:
            batching = config_lib.load_batching_parameters(options.batching_parameters_file)
            self._scheduler = BatchScheduler(batching, on_batch=self.metrics.observe_batch)
        tags = tuple(t for t in options.saved_model_tags.split(",") if t) or (SERVING_TAG,)
        self.core = InferenceCore(
            scheduler=self._scheduler, enable_model_warmup=options.enable_model_warmup,
            num_request_iterations_for_warmup=options.num_request_iterations_for_warmup,
            enable_signature_method_name_check=options.enable_signature_method_name_check,
            saved_model_tags=tags, session_config=session_config,
        )
        self.manager = ModelManager(
            self.core.load_servable,
            poll_wait_seconds=options.file_system_poll_wait_seconds,
            allow_version_labels_for_unavailable_models=options.allow_version_labels_for_unavailable_models,
            max_num_load_retries=options.max_num_load_retries,
            load_retry_interval_seconds=options.load_retry_interval_micros / 1e6,
            on_unloaded=self._scheduler.forget if self._scheduler is not None else None,
            num_load_threads=options.num_load_threads,
            num_unload_threads=options.num_unload_threads,
        )
        self.core.manager = self.manager
        try:
            self.manager.start(server_config)
            self._grpc = GrpcServer(
                self.core, self.metrics, self.gate, host=options.host, port=options.port,
                max_request_bytes=options.max_request_bytes, max_threads=options.grpc_max_threads,
                socket_path=options.grpc_socket_path, channel_arguments=channel_arguments,
                credentials=credentials, health_check=options.enable_grpc_healthcheck_service,
                as_tensor_content=options.enable_serialization_as_tensor_content,
            )
            if options.rest_api_port and options.rest_api_port == options.port:
                logger.error("server_options.http_port cannot be same as grpc_port. Please use a different port "
                             "for HTTP/REST API. Skipped exporting HTTP/REST API.")
            elif options.rest_api_port:
                self._rest = RestServer(
                    self.core, self.metrics, self.gate, host=options.host, port=options.rest_api_port,
                    max_request_bytes=options.max_request_bytes, num_threads=options.rest_api_num_threads,
                    timeout_in_ms=options.rest_api_timeout_in_ms,
                    prometheus_path=monitoring.prometheus_path if monitoring.prometheus_enabled else None,
                    enable_cors_support=options.rest_api_enable_cors_support,
                )
        except BaseException:
            self._shutdown_components(grace=0)
            raise
        self._grpc.start()
        if options.port:
            logger.info("Running gRPC ModelServer at %s:%d ...", options.host, self._grpc.port)
        if options.grpc_socket_path:
            logger.info("Running gRPC ModelServer at UNIX socket %s ...", options.grpc_socket_path)
        if self._rest is not None:
            self._rest.start()
            logger.info("Exporting HTTP/REST API at:%s:%d ...", options.host, self._rest.port)
        if options.model_config_file and options.model_config_file_poll_wait_seconds > 0:
            self._config_poller = threading.Thread(target=self._poll_config_file, name="config-poller", daemon=True)
            self._config_poller.start()

    def _credentials(self):
        options = self.options
        ssl_config = config_lib.load_ssl_config(options.ssl_config_file) if options.ssl_config_file else None
        return server_credentials(ssl_config=ssl_config, use_alts_credentials=options.use_alts_credentials)

    @property
    def grpc_port(self) -> int:
        return self._grpc.port

    @property
    def rest_port(self) -> int | None:
        return self._rest.port if self._rest is not None else None

    def _poll_config_file(self) -> None:
        """--model_config_file_poll_wait_seconds: re-read the config file and apply it when it changed."""
        path = self.options.model_config_file
        last = os.stat(path).st_mtime_ns if os.path.exists(path) else None
        while not self._stopped.wait(self.options.model_config_file_poll_wait_seconds):
            try:
                mtime = os.stat(path).st_mtime_ns
                if mtime == last:
                    continue
                last = mtime
                self.manager.reload_config(config_lib.load_model_server_config(path))
                logger.info("Reloaded model config from %s", path)
            except (OSError, errors.ServingError) as e:
                logger.error("Model config reload from %s failed: %s", path, e)

    def stop(self, grace: float = 10.0) -> None:
        """Graceful shutdown: refuse new requests, finish those in flight, unload every version."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        logger.info("Shutting down: finishing requests in flight (up to %.0fs)", grace)
        self.gate.close()
        self._shutdown_components(grace)

    def _shutdown_components(self, grace: float) -> None:
        if self._rest is not None:
            self._rest.stop()
        if self._grpc is not None:
            self._grpc.stop(grace)
        self.gate.wait_idle(grace)
        if self.manager is not None:
            self.manager.stop()
        if self._scheduler is not None:
            self._scheduler.stop()
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ``stop`` has run (True) or the timeout passes (False)."""
        return self._stopped.wait(timeout)
