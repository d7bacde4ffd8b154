"""The gRPC front end: tensorflow.serving.PredictionService and ModelService on grpcio's server.

The servicers subclass the stubs generated in tensorflow-serving-api, so method names, request and response
messages are the official ones. Each failure is returned with TF Serving's status code and message.

Example:
    >>> server = GrpcServer(core, metrics, gate, host="127.0.0.1", port=8500)  # doctest: +SKIP
    >>> server.start(); server.port                                            # doctest: +SKIP
    8500
"""

from __future__ import annotations

import logging
import time
from concurrent import futures

import grpc
from tensorflow_serving.apis import model_service_pb2_grpc, prediction_service_pb2_grpc

from albert_tf.serving import errors
from albert_tf.serving.inference import predict_response
from albert_tf.serving.servable import request_deadline

logger = logging.getLogger("albert_tf.serving")

# RPCs that TF Serving counts in :tensorflow:serving:request_count.
_COUNTED = {"Predict", "Classify", "Regress", "MultiInference"}
# What stock's --enable_grpc_healthcheck_service reports SERVING in grpc.health.v1: the whole server ("",
# what Kubernetes' grpc probe asks by default) and the two names server.cc sets.
_HEALTH_SERVICES = ("", "ModelService", "PredictionService")


class _OneLineDeserializeErrors(logging.Filter):
    """grpcio logs a request it cannot parse with a traceback; the client already got INTERNAL, as stock's
    C++ gRPC answers, so one line naming the parse error is all the log needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and "deserializ" in str(record.msg):
            record.msg, record.args = f"{record.getMessage()} {record.exc_info[1]}", ()
            record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("grpc._common").addFilter(_OneLineDeserializeErrors())


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class _Rpc:
    """Runs one RPC: gate, timing, metrics, the debug log line, and the mapping of errors to statuses."""

    def __init__(self, core, metrics, gate):
        self.core = core
        self.metrics = metrics
        self.gate = gate

    def __call__(self, api: str, model_name: str, context, work):
        started = time.perf_counter()
        status = "OK"
        try:
            remaining = context.time_remaining()
            if remaining is not None and remaining <= 0:
                raise errors.deadline_exceeded()
            with self.gate, request_deadline(remaining):
                return work()
        except errors.ServingError as e:
            status = e.code.name
            context.abort(e.code, e.message)
        except Exception as e:  # pylint: disable=broad-except  # a bug must not take the server down
            status = "INTERNAL"
            logger.exception("%s failed", api)
            context.abort(grpc.StatusCode.INTERNAL, f"{type(e).__name__}: {e}")
        finally:
            self.metrics.observe(
                api, "GRPC", model_name, status, (time.perf_counter() - started) * 1e6, record=api in _COUNTED
            )


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, rpc: _Rpc, as_tensor_content: bool):
        self._rpc = rpc
        self._core = rpc.core
        self._as_tensor_content = as_tensor_content

    def Predict(self, request, context):
        return self._rpc(
            "Predict", request.model_spec.name, context,
            lambda: predict_response(*self._core.predict(request), as_tensor_content=self._as_tensor_content),
        )

    def Classify(self, request, context):
        return self._rpc("Classify", request.model_spec.name, context, lambda: self._core.classify(request))

    def Regress(self, request, context):
        return self._rpc("Regress", request.model_spec.name, context, lambda: self._core.regress(request))

    def MultiInference(self, request, context):
        name = request.tasks[0].model_spec.name if request.tasks else ""
        return self._rpc("MultiInference", name, context, lambda: self._core.multi_inference(request))

    def GetModelMetadata(self, request, context):
        return self._rpc(
            "GetModelMetadata", request.model_spec.name, context, lambda: self._core.model_metadata(request)
        )


class _ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, rpc: _Rpc):
        self._rpc = rpc
        self._core = rpc.core

    def GetModelStatus(self, request, context):
        return self._rpc("GetModelStatus", request.model_spec.name, context, lambda: self._core.model_status(request))

    def HandleReloadConfigRequest(self, request, context):
        return self._rpc("HandleReloadConfigRequest", "", context, lambda: self._core.reload_config(request))


class GrpcServer:
    """grpcio server on host:port (TCP; 0: none) and/or a Unix socket; ``port`` is the bound TCP port.

    ``channel_arguments`` are ``--grpc_channel_arguments`` (later ones win over earlier ones and over ours);
    ``credentials`` comes from ``server_credentials`` (None: insecure); ``health_check`` registers the
    standard grpc.health.v1 service with ModelService and PredictionService SERVING.
    """

    def __init__(self, core, metrics, gate, *, host: str, port: int, max_request_bytes: int, max_threads: int,
                 socket_path: str = "", channel_arguments=(), credentials=None, health_check: bool = False,
                 as_tensor_content: bool = False):
        options = {
            "grpc.max_receive_message_length": max_request_bytes,
            "grpc.max_send_message_length": -1,
            "grpc.so_reuseport": 0,  # fail loudly when the port is taken, like the stock server
        }
        options.update(dict(channel_arguments))
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="grpc"),
            options=list(options.items()),
        )
        rpc = _Rpc(core, metrics, gate)
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
            _PredictionService(rpc, as_tensor_content), self._server)
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelService(rpc), self._server)
        self.health = None
        if health_check:
            try:
                from grpc_health.v1 import health, health_pb2, health_pb2_grpc
            except ImportError as e:
                raise errors.health_check_unavailable() from e

            self.health = health.HealthServicer()
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
            for service in _HEALTH_SERVICES:
                self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        self.port = 0
        if port:
            self.port = self._bind(_address(host, port), credentials)
        self.socket_path = socket_path
        if socket_path:
            self._bind(f"unix:{socket_path}", credentials)

    def _bind(self, address: str, credentials) -> int:
        try:
            bound = (self._server.add_secure_port(address, credentials) if credentials is not None
                     else self._server.add_insecure_port(address))
        except RuntimeError as e:
            raise OSError(f"Failed to bind gRPC server to {address}: {e}") from e
        if bound == 0:
            raise OSError(f"Failed to bind gRPC server to {address}")
        return bound

    def start(self) -> None:
        self._server.start()

    def stop(self, grace: float) -> None:
        """Refuse new RPCs and give those in flight ``grace`` seconds to finish."""
        if self.health is not None:
            self.health.enter_graceful_shutdown()  # probes see NOT_SERVING while requests drain
        self._server.stop(grace).wait(grace + 1)


def server_credentials(*, ssl_config=None, use_alts_credentials: bool = False):
    """BuildServerCredentials: ALTS, SSL from an SSLConfig message, or None for insecure."""
    if use_alts_credentials:
        logger.info("Using ALTS credentials")
        return grpc.alts_server_credentials()
    if ssl_config is None:
        logger.info("Using InsecureServerCredentials")
        return None
    logger.info("Using SSL credentials")
    return grpc.ssl_server_credentials(
        [(ssl_config.server_key.encode(), ssl_config.server_cert.encode())],
        root_certificates=ssl_config.custom_ca.encode() or None,
        require_client_auth=ssl_config.client_verify,
    )
