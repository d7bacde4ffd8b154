"""A client for TF Serving's APIs that works against the stock server and the embedded one alike.

``Client(target, model_name, protocol="grpc" | "rest")`` speaks gRPC through the official
tensorflow_serving.apis stubs (``client_grpc``), or REST through the standard library's HTTP client; a REST
client never imports tensorflow or grpc. Both protocols return the same Python values, and a failure becomes
an exception with a one-line message (``ModelNotFoundError``, ``InvalidRequestError``, ``ServerBusyError``,
``DeadlineExceededError``, ``ServerUnreachableError``; all are ``ServerError`` with ``code`` and ``message``).

``classify``/``regress`` without a signature name pick the model's one signature whose method_name is
``tensorflow/serving/classify`` (``.../regress``), as ``albert-tf export`` writes them; the server itself, stock
or embedded, would run ``serving_default``.

The exceptions live in ``client_errors`` and the value conversions (numpy <-> JSON, feature lists, status
replies) in ``client_values``; both are re-exported here.

Example:
    >>> client = Client("localhost:8500", "sentiment")           # doctest: +SKIP
    >>> client.predict(["a gripping, funny film"])               # doctest: +SKIP
    {'logits': array([[-1.2,  1.9]], dtype=float32), ...}
    >>> client.classify(["dull"])                                # doctest: +SKIP
    [[('rotten', 0.83), ('fresh', 0.17)]]
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

import numpy as np

from albert_tf.serving.client_errors import (  # noqa: F401  (re-exported)
    _ERROR_CLASSES, _HTTP_CODES, DeadlineExceededError, InvalidRequestError, ModelNotFoundError, ServerBusyError,
    ServerError, ServerUnreachableError, error_for,
)
from albert_tf.serving.client_values import (  # noqa: F401  (re-exported)
    _NUMPY_DTYPES, _array_from_json, _describe_json, _feature_lists, _is_text, _json_value, _string_array,
    numpy_dtype, status_entries,
)

DEFAULT_TIMEOUT = 10.0
DEFAULT_SIGNATURE = "serving_default"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"


def _split_target(target: str) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"server address {target!r} is not host:port")
    return host.strip("[]") or "localhost", int(port)


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
        self._host, self._port = _split_target(target)
        self.target = target
        self.model_name = model_name
        self.protocol = protocol
        self.timeout = timeout
        self.version = version
        self.version_label = version_label
        self._signatures: dict | None = None
        self._local = threading.local()
        self._grpc = None
        if protocol == "grpc":
            from albert_tf.serving.client_grpc import GrpcTransport

            self._grpc = GrpcTransport(target)

    # --- public API ---------------------------------------------------------------------------------------

    def predict(self, inputs, *, signature_name: str = "", output_filter: Iterable[str] = (),
                timeout: float | None = None) -> dict[str, np.ndarray]:
        """Run a predict signature. ``inputs``: a text, a list of texts (for a one-input string signature),
        or ``{alias: array-like}``. Returns ``{output alias: np.ndarray}`` (strings as bytes)."""
        signature = self._signature(signature_name or DEFAULT_SIGNATURE, timeout)
        named = self._named_inputs(inputs, signature, signature_name)
        if self._grpc is not None:
            return self._grpc.predict(self._spec(signature_name), named, list(output_filter), self._deadline(timeout))
        body = {"inputs": {alias: _json_value(array) for alias, array in named.items()}}
        if signature_name:
            body["signature_name"] = signature_name
        reply = self._rest("POST", self._rest_path(":predict"), body, timeout)
        outputs = reply["outputs"]
        wanted = [a for a in signature["outputs"] if not output_filter or a in output_filter]
        if len(signature["outputs"]) == 1:
            outputs = {wanted[0]: outputs}
        return {alias: _array_from_json(outputs[alias], signature["outputs"][alias]["dtype"])
                for alias in wanted if alias in outputs}

    def classify(self, examples: Iterable, *, signature_name: str = "", text_feature: str = "text",
                 timeout: float | None = None) -> list[list[tuple[str, float]]]:
        """Classify tf.Examples given as ``{feature: value}`` dicts (or texts, put in ``text_feature``).
        Returns, per example, ``[(label, score), ...]``. Without ``signature_name``: the model's classify
        signature (by method name), else ``serving_default``."""
        features = [_feature_lists(e if isinstance(e, Mapping) else {text_feature: e}) for e in examples]
        signature_name = self.signature_for_method(CLASSIFY_METHOD, signature_name, timeout)
        if self._grpc is not None:
            return self._grpc.classify(self._spec(signature_name), features, self._deadline(timeout))
        reply = self._rest("POST", self._rest_path(":classify"), self._examples_body(features, signature_name),
                           timeout)
        return [[(label, float(score)) for label, score in row] for row in reply["results"]]

    def regress(self, examples: Iterable, *, signature_name: str = "", text_feature: str = "text",
                timeout: float | None = None) -> list[float]:
        """Regress tf.Examples (dicts or texts, like ``classify``); returns one float per example."""
        features = [_feature_lists(e if isinstance(e, Mapping) else {text_feature: e}) for e in examples]
        signature_name = self.signature_for_method(REGRESS_METHOD, signature_name, timeout)
        if self._grpc is not None:
            return self._grpc.regress(self._spec(signature_name), features, self._deadline(timeout))
        reply = self._rest("POST", self._rest_path(":regress"), self._examples_body(features, signature_name),
                           timeout)
        return [float(v) for v in reply["results"]]

    def signature_for_method(self, method_name: str, signature_name: str = "", timeout: float | None = None) -> str:
        """The signature a classify/regress call runs: ``signature_name`` if given; "" (the server's default,
        ``serving_default``) if that has ``method_name``; else the model's one signature with ``method_name``;
        else "" and the server answers as it does for ``serving_default``."""
        if signature_name:
            return signature_name
        signatures = self._signatures if self._signatures is not None else self.metadata(timeout)["signatures"]
        if signatures.get(DEFAULT_SIGNATURE, {}).get("method_name") == method_name:
            return ""
        matching = [name for name, s in signatures.items() if s["method_name"] == method_name]
        return matching[0] if len(matching) == 1 else ""

    def metadata(self, timeout: float | None = None) -> dict:
        """``{"model_name", "version", "signatures": {name: {"method_name", "inputs", "outputs"}}}`` with each
        input/output as ``{"dtype": "DT_FLOAT", "shape": [-1, 3]}`` (-1: any size; None: unknown rank)."""
        if self._grpc is not None:
            version, signatures = self._grpc.metadata(self._spec(""), self._deadline(timeout))
        else:
            reply = self._rest("GET", self._rest_path("/metadata"), None, timeout)
            try:
                signature_defs = reply["metadata"]["signature_def"].get("signature_def", {})
                version = int(reply["model_spec"]["version"])
                signatures = {
                    name: {"method_name": s.get("method_name", ""), "inputs": _describe_json(s.get("inputs", {})),
                           "outputs": _describe_json(s.get("outputs", {}))}
                    for name, s in sorted(signature_defs.items())
                }
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise ServerError("UNKNOWN", f"{self.target} sent metadata that is not TF Serving's: {e!r}") from None
        self._signatures = signatures
        return {"model_name": self.model_name, "version": version, "signatures": signatures}

    def status(self, timeout: float | None = None) -> list[dict]:
        """Every version the server knows of, highest first: ``[{"version", "state", "error_code",
        "error_message"}]``."""
        if self._grpc is not None:
            return self._grpc.status(self._spec(""), self._deadline(timeout))
        return status_entries(self._rest("GET", self._rest_path(""), None, timeout))

    def close(self) -> None:
        if self._grpc is not None:
            self._grpc.close()
            return
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------------------

    def _deadline(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    def _spec(self, signature_name: str) -> dict:
        return {"name": self.model_name, "signature_name": signature_name, "version": self.version,
                "version_label": self.version_label}

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
                    f"signature {signature_name or DEFAULT_SIGNATURE!r} takes inputs {sorted(signature['inputs'])}: "
                    "pass a dict {input name: values}"
                )
            inputs = {next(iter(signature["inputs"])): list(inputs)}
        named = {}
        for alias, value in inputs.items():
            spec = signature["inputs"].get(alias)
            if (spec and spec["dtype"] == "DT_STRING") or _is_text(value):
                # Texts stay texts even for a numeric input: the server then names the mismatch.
                named[alias] = _string_array(value)
            elif spec is not None:
                named[alias] = np.asarray(value, dtype=numpy_dtype(spec["dtype"]))
            else:
                named[alias] = np.asarray(value)
        return named

    def _rest_path(self, suffix: str) -> str:
        path = "/v1/models/" + urllib.parse.quote(self.model_name, safe="")
        if self.version is not None:
            path += f"/versions/{self.version}"
        elif self.version_label is not None:
            path += "/labels/" + urllib.parse.quote(self.version_label, safe="")
        return path + suffix

    @staticmethod
    def _examples_body(features: list[dict], signature_name: str) -> dict:
        def plain(value):
            return {"b64": base64.b64encode(value).decode("ascii")} if isinstance(value, bytes) else value

        body = {"examples": [{k: [plain(v) for v in values] for k, values in f.items()} for f in features]}
        if signature_name:
            body["signature_name"] = signature_name
        return body

    def _rest(self, method: str, path: str, body, timeout):
        deadline = self._deadline(timeout)
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
            except socket.timeout:
                self.close()
                raise DeadlineExceededError("DEADLINE_EXCEEDED", f"no answer from {self.target} within {deadline}s"
                                            ) from None
            except socket.gaierror as e:
                self.close()
                raise ServerUnreachableError("UNAVAILABLE", f"cannot resolve host {self._host!r}: {e.strerror}"
                                             ) from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                if attempt:
                    raise ServerUnreachableError(
                        "UNAVAILABLE", f"{self.target} closed the connection without an HTTP answer "
                                       f"(is it the gRPC port?): {e}") from None
            except http.client.HTTPException as e:
                self.close()
                raise ServerUnreachableError(
                    "UNAVAILABLE", f"{self.target} does not speak HTTP/1.1 (is it the gRPC port?): "
                                   f"{type(e).__name__}") from None
            except OSError as e:
                self.close()
                raise ServerUnreachableError("UNAVAILABLE", f"no server at {self.target}: "
                                                            f"{e.strerror or e}") from None
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            reply = json.loads(data)
        except ValueError:
            raise ServerError("UNKNOWN", f"HTTP {response.status} from {self.target} is not JSON: {data[:200]!r}",
                              response.status) from None
        if response.status != 200:
            message = reply.get("error", "") if isinstance(reply, dict) else str(reply)
            raise error_for(_HTTP_CODES.get(response.status, "UNKNOWN"), message, response.status)
        return reply
