"""A client for TF Serving's APIs that works against the stock server and the embedded one alike.

``Client(target, model_name, protocol="grpc" | "rest")`` speaks gRPC through the official
tensorflow_serving.apis stubs, or REST through the standard library's HTTP client. Both protocols return the
same Python values, and a server's failure becomes an exception that says what went wrong
(``ModelNotFoundError``, ``InvalidRequestError``, ``ServerBusyError``, ``DeadlineExceededError``,
``ServerUnreachableError``; all are ``ServerError`` with ``code`` and ``message``).

Example:
    >>> client = Client("localhost:8500", "sentiment")           # doctest: +SKIP
    >>> client.predict(["a gripping, funny film"])               # doctest: +SKIP
    {'logits': array([[-1.2,  1.9]], dtype=float32), ...}
    >>> client.predict({"x": [1.0, 2.0]}, signature_name="half") # doctest: +SKIP
    >>> client.status()                                          # doctest: +SKIP
    [{'version': 3, 'state': 'AVAILABLE', 'error_code': 'OK', 'error_message': ''}]
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import urllib.parse
from typing import Iterable, Mapping

import grpc
import numpy as np
from google.protobuf import json_format
from tensorflow.core.example import example_pb2
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from albert_tf.serving import tensors

DEFAULT_TIMEOUT = 10.0


class ServerError(Exception):
    """The server answered with an error (or could not be reached). ``code`` is the canonical code name."""

    def __init__(self, code: str, message: str, http_status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class ModelNotFoundError(ServerError):
    """NOT_FOUND: no such model or version, or it is still loading."""


class InvalidRequestError(ServerError):
    """INVALID_ARGUMENT / FAILED_PRECONDITION: the request does not fit the model's signature."""


class ServerBusyError(ServerError):
    """RESOURCE_EXHAUSTED / UNAVAILABLE: request too large, queue full, or the server is shutting down."""


class DeadlineExceededError(ServerError):
    """The call did not finish within its deadline."""


class ServerUnreachableError(ServerError):
    """No server answered at the target address."""


_ERROR_CLASSES = {
    "NOT_FOUND": ModelNotFoundError,
    "INVALID_ARGUMENT": InvalidRequestError,
    "FAILED_PRECONDITION": InvalidRequestError,
    "OUT_OF_RANGE": InvalidRequestError,
    "RESOURCE_EXHAUSTED": ServerBusyError,
    "UNAVAILABLE": ServerBusyError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
}
# REST replies carry an HTTP status; this is the code each one stands for.
_HTTP_CODES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 501: "UNIMPLEMENTED",
               503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 500: "INTERNAL", 499: "CANCELLED", 409: "ABORTED",
               403: "PERMISSION_DENIED", 401: "UNAUTHENTICATED"}


def _error(code: str, message: str, http_status: int | None = None) -> ServerError:
    return _ERROR_CLASSES.get(code, ServerError)(code, message, http_status)


def _example(features: Mapping) -> example_pb2.Example:
    """A tf.Example from {name: value or list}: str/bytes -> bytes_list, float -> float_list, int -> int64_list."""
    example = example_pb2.Example()
    for name, value in features.items():
        values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        feature = example.features.feature[name]
        if all(isinstance(v, (str, bytes)) for v in values):
            feature.bytes_list.value.extend(v.encode("utf-8") if isinstance(v, str) else v for v in values)
        elif all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
            feature.int64_list.value.extend(int(v) for v in values)
        else:
            feature.float_list.value.extend(float(v) for v in values)
    return example


def _json_value(array: np.ndarray):
    """An array as JSON-ready nested lists; bytes that are not UTF-8 become {"b64": ...}."""
    if array.dtype != object:
        return array.tolist()

    def convert(value):
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return {"b64": base64.b64encode(value).decode("ascii")}
        return value

    return convert(array.tolist())


def _array_from_json(value, dtype_enum: int) -> np.ndarray:
    def strings(v):
        if isinstance(v, list):
            return [strings(x) for x in v]
        if isinstance(v, dict) and "b64" in v:
            return base64.b64decode(v["b64"])
        return v.encode("utf-8") if isinstance(v, str) else v

    if dtype_enum == types_pb2.DT_STRING:
        return _string_array(strings(value))
    return np.asarray(value, dtype=tensors.numpy_dtype(dtype_enum))


class Client:
    """Talks to one model on a TF Serving (or ``albert-tf serve``) server.

    Args:
        target: ``host:port`` (gRPC port for "grpc", REST port for "rest").
        model_name: the model to query.
        protocol: "grpc" or "rest".
        timeout: default deadline in seconds for each call.
        version / version_label: pin a version (default: the latest available).
    """

    def __init__(self, target: str, model_name: str, protocol: str = "grpc", *, timeout: float = DEFAULT_TIMEOUT,
                 version: int | None = None, version_label: str | None = None):
        if protocol not in ("grpc", "rest"):
            raise ValueError(f"protocol must be 'grpc' or 'rest', got {protocol!r}")
        if version is not None and version_label is not None:
            raise ValueError("give either version or version_label, not both")
        self.target = target
        self.model_name = model_name
        self.protocol = protocol
        self.timeout = timeout
        self.version = version
        self.version_label = version_label
        self._signatures: dict | None = None
        if protocol == "grpc":
            self._channel = grpc.insecure_channel(
                target, options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
            )
            self._prediction = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
            self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)
        else:
            host, _, port = target.rpartition(":")
            self._host, self._port = host.strip("[]") or "localhost", int(port)
            self._local = threading.local()

    # --- public API ---------------------------------------------------------------------------------------

    def predict(self, inputs, *, signature_name: str = "", output_filter: Iterable[str] = (),
                timeout: float | None = None) -> dict[str, np.ndarray]:
        """Run a predict signature. ``inputs``: a text, a list of texts (for a one-input string signature),
        or ``{alias: array-like}``. Returns ``{output alias: np.ndarray}`` (strings as bytes)."""
        signature = self._signature(signature_name or "serving_default", timeout)
        named = self._named_inputs(inputs, signature, signature_name)
        if self.protocol == "grpc":
            request = predict_pb2.PredictRequest()
            self._fill_spec(request.model_spec, signature_name)
            for alias, array in named.items():
                request.inputs[alias].CopyFrom(tensors.to_tensor_proto(array))
            request.output_filter.extend(output_filter)
            response = self._grpc(self._prediction.Predict, request, timeout)
            return {alias: tensors.from_tensor_proto(proto) for alias, proto in response.outputs.items()}
        body = {"inputs": {alias: _json_value(array) for alias, array in named.items()}}
        if signature_name:
            body["signature_name"] = signature_name
        reply = self._rest("POST", self._rest_path(":predict"), body, timeout)
        outputs = reply["outputs"]
        wanted = [a for a in signature["outputs"] if not output_filter or a in output_filter]
        if len(signature["outputs"]) == 1:
            outputs = {wanted[0]: outputs}
        return {
            alias: _array_from_json(outputs[alias], types_pb2.DataType.Value(signature["outputs"][alias]["dtype"]))
            for alias in wanted
            if alias in outputs
        }

    def classify(self, examples: Iterable, *, signature_name: str = "", text_feature: str = "text",
                 timeout: float | None = None) -> list[list[tuple[str, float]]]:
        """Classify tf.Examples given as ``{feature: value}`` dicts (or texts, put in ``text_feature``).
        Returns, per example, ``[(label, score), ...]``."""
        features = [e if isinstance(e, Mapping) else {text_feature: e} for e in examples]
        if self.protocol == "grpc":
            request = classification_pb2.ClassificationRequest()
            self._fill_spec(request.model_spec, signature_name)
            for f in features:
                request.input.example_list.examples.add().CopyFrom(_example(f))
            response = self._grpc(self._prediction.Classify, request, timeout)
            return [[(c.label, c.score) for c in row.classes] for row in response.result.classifications]
        reply = self._rest("POST", self._rest_path(":classify"), self._examples_body(features, signature_name),
                           timeout)
        return [[(label, float(score)) for label, score in row] for row in reply["results"]]

    def regress(self, examples: Iterable, *, signature_name: str = "", text_feature: str = "text",
                timeout: float | None = None) -> list[float]:
        """Regress tf.Examples (dicts or texts, like ``classify``); returns one float per example."""
        features = [e if isinstance(e, Mapping) else {text_feature: e} for e in examples]
        if self.protocol == "grpc":
            request = regression_pb2.RegressionRequest()
            self._fill_spec(request.model_spec, signature_name)
            for f in features:
                request.input.example_list.examples.add().CopyFrom(_example(f))
            response = self._grpc(self._prediction.Regress, request, timeout)
            return [r.value for r in response.result.regressions]
        reply = self._rest("POST", self._rest_path(":regress"), self._examples_body(features, signature_name),
                           timeout)
        return [float(v) for v in reply["results"]]

    def metadata(self, timeout: float | None = None) -> dict:
        """``{"model_name", "version", "signatures": {name: {"method_name", "inputs", "outputs"}}}`` with each
        input/output as ``{"dtype": "DT_FLOAT", "shape": [-1, 3]}`` (-1: any size; None: unknown rank)."""
        if self.protocol == "grpc":
            request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
            self._fill_spec(request.model_spec, "")
            response = self._grpc(self._prediction.GetModelMetadata, request, timeout)
            signature_map = get_model_metadata_pb2.SignatureDefMap()
            response.metadata["signature_def"].Unpack(signature_map)
            version = response.model_spec.version.value
        else:
            reply = self._rest("GET", self._rest_path("/metadata"), None, timeout)
            signature_map = json_format.ParseDict(reply["metadata"]["signature_def"],
                                                  get_model_metadata_pb2.SignatureDefMap(), ignore_unknown_fields=True)
            version = int(reply["model_spec"]["version"])

        def describe(infos):
            return {
                alias: {
                    "dtype": types_pb2.DataType.Name(info.dtype),
                    "shape": None if info.tensor_shape.unknown_rank else [d.size for d in info.tensor_shape.dim],
                }
                for alias, info in sorted(infos.items())
            }

        signatures = {
            name: {"method_name": s.method_name, "inputs": describe(s.inputs), "outputs": describe(s.outputs)}
            for name, s in sorted(signature_map.signature_def.items())
        }
        self._signatures = signatures
        return {"model_name": self.model_name, "version": version, "signatures": signatures}

    def status(self, timeout: float | None = None) -> list[dict]:
        """Every version the server knows of, highest first: ``[{"version", "state", "error_code",
        "error_message"}]``."""
        if self.protocol == "grpc":
            request = get_model_status_pb2.GetModelStatusRequest()
            self._fill_spec(request.model_spec, "", with_label=False)
            response = self._grpc(self._models.GetModelStatus, request, timeout)
            reply = json_format.MessageToDict(response, preserving_proto_field_name=True,
                                              always_print_fields_with_no_presence=True)
        else:
            reply = self._rest("GET", self._rest_path(""), None, timeout)
        return [
            {
                "version": int(entry["version"]),
                "state": entry["state"],
                "error_code": entry.get("status", {}).get("error_code", "OK"),
                "error_message": entry.get("status", {}).get("error_message", ""),
            }
            for entry in reply["model_version_status"]
        ]

    def close(self) -> None:
        if self.protocol == "grpc":
            self._channel.close()
        else:
            connection = getattr(self._local, "connection", None)
            if connection is not None:
                connection.close()
                self._local.connection = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------------------

    def _signature(self, name: str, timeout) -> dict:
        if self._signatures is None or name not in self._signatures:
            self.metadata(timeout)
        if name not in self._signatures:
            raise InvalidRequestError(
                "INVALID_ARGUMENT",
                f"model {self.model_name!r} has no signature {name!r}; it has {sorted(self._signatures)}",
            )
        return self._signatures[name]

    @staticmethod
    def _named_inputs(inputs, signature: dict, signature_name: str) -> dict[str, np.ndarray]:
        if isinstance(inputs, (str, bytes)):
            inputs = [inputs]
        if not isinstance(inputs, Mapping):
            if len(signature["inputs"]) != 1:
                raise ValueError(
                    f"signature {signature_name or 'serving_default'!r} takes inputs {sorted(signature['inputs'])}: "
                    "pass a dict {input name: values}"
                )
            inputs = {next(iter(signature["inputs"])): list(inputs)}
        named = {}
        for alias, value in inputs.items():
            spec = signature["inputs"].get(alias)
            dtype_enum = types_pb2.DataType.Value(spec["dtype"]) if spec else None
            if dtype_enum == types_pb2.DT_STRING or _is_text(value):
                # Texts stay texts even for a numeric input: the server then names the mismatch.
                named[alias] = _string_array(value)
            elif dtype_enum is not None:
                named[alias] = np.asarray(value, dtype=tensors.numpy_dtype(dtype_enum))
            else:
                named[alias] = np.asarray(value)
        return named

    def _fill_spec(self, spec, signature_name: str, with_label: bool = True) -> None:
        spec.name = self.model_name
        if signature_name:
            spec.signature_name = signature_name
        if self.version is not None:
            spec.version.value = self.version
        elif self.version_label is not None and with_label:
            spec.version_label = self.version_label

    def _grpc(self, method, request, timeout):
        try:
            return method(request, timeout=self.timeout if timeout is None else timeout)
        except grpc.RpcError as e:
            code = e.code()
            if code == grpc.StatusCode.UNAVAILABLE and "failed to connect" in (e.details() or "").lower():
                raise ServerUnreachableError("UNAVAILABLE", f"no server at {self.target}: {e.details()}") from e
            raise _error(code.name if code else "UNKNOWN", e.details() or "") from e

    def _rest_path(self, suffix: str) -> str:
        path = "/v1/models/" + urllib.parse.quote(self.model_name, safe="")
        if self.version is not None:
            path += f"/versions/{self.version}"
        elif self.version_label is not None:
            path += "/labels/" + urllib.parse.quote(self.version_label, safe="")
        return path + suffix

    @staticmethod
    def _examples_body(features: list[Mapping], signature_name: str) -> dict:
        def plain(value):
            if isinstance(value, bytes):
                return {"b64": base64.b64encode(value).decode("ascii")}
            if isinstance(value, (list, tuple, np.ndarray)):
                return [plain(v) for v in value]
            return value.item() if isinstance(value, np.generic) else value

        body = {"examples": [{k: plain(v) for k, v in f.items()} for f in features]}
        if signature_name:
            body["signature_name"] = signature_name
        return body

    def _rest(self, method: str, path: str, body, timeout):
        deadline = self.timeout if timeout is None else timeout
        payload = json.dumps(body).encode("utf-8") if body is not None else None
        for attempt in range(2):  # a kept-alive connection the server has closed is retried once
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(self._host, self._port)
            connection.timeout = deadline
            if connection.sock is not None:
                connection.sock.settimeout(deadline)
            try:
                headers = {"Content-Type": "application/json"} if payload is not None else {}
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except socket.timeout as e:
                self.close()
                raise DeadlineExceededError("DEADLINE_EXCEEDED", f"no answer within {deadline}s") from e
            except (ConnectionRefusedError, socket.gaierror) as e:
                self.close()
                raise ServerUnreachableError("UNAVAILABLE", f"no server at {self.target}: {e}") from e
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                if attempt:
                    raise ServerUnreachableError("UNAVAILABLE", f"connection to {self.target} lost: {e}") from e
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            reply = json.loads(data)
        except ValueError as e:
            raise ServerError("UNKNOWN", f"HTTP {response.status}: {data[:200]!r}", response.status) from e
        if response.status != 200:
            message = reply.get("error", "") if isinstance(reply, dict) else str(reply)
            raise _error(_HTTP_CODES.get(response.status, "UNKNOWN"), message, response.status)
        return reply


def _is_text(value) -> bool:
    first = value
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (str, bytes))


def _string_array(value) -> np.ndarray:
    def encode(v):
        if isinstance(v, (list, tuple)):
            return [encode(x) for x in v]
        return v.encode("utf-8") if isinstance(v, str) else v

    nested = encode(list(value) if isinstance(value, tuple) else value)
    if not isinstance(nested, list):
        array = np.empty((), dtype=object)
        array[()] = nested
        return array
    shape = np.shape(np.array(nested, dtype=object))
    array = np.empty(shape, dtype=object)
    array[...] = nested
    return array
