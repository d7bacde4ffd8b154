"""A catalogue of malformed requests, each a distinct way a client gets TF Serving's APIs wrong.

Every case sends one request over gRPC or REST (loopback) to a server that serves the test model
``half_plus_two`` (``saved_models.export_half_plus_two``) and returns what came back as an :class:`Outcome`.
A case passes when the answer is a client error: gRPC INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
OUT_OF_RANGE, RESOURCE_EXHAUSTED or UNIMPLEMENTED (INTERNAL only where stock's C++ gRPC answers so, for bytes
that are not the request message), REST 4xx, always with a message that names the problem and no graph
internals. ``tests/serving/test_malformed.py`` runs them once each; ``bench/soak.py`` mixes them into its load.

Example:
    >>> outcome = CASES["rest_bad_json"].send(Target("127.0.0.1", 8500, 8501))   # doctest: +SKIP
    >>> outcome.ok, outcome.code, outcome.message                                   # doctest: +SKIP
    (True, '400', 'JSON Parse error: Missing a comma or \\']\\' after an array element. at offset: 19')
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import socket
import threading
from typing import Callable

import grpc
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

MODEL = "half_plus_two"
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # the server's default --max_request_bytes
GRPC_CLIENT_ERRORS = {"INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "OUT_OF_RANGE",
                      "RESOURCE_EXHAUSTED", "UNIMPLEMENTED"}
# What a message must never show: graph node and tensor names, Python internals.
_INTERNALS = re.compile(r"\{\{node |\{\{function_node |\[\[node |StatefulPartitionedCall|__inference_|"
                        r"Traceback|File \"|<class '|\bat 0x[0-9a-f]+|[a-z](?:Error|Exception)[:(]")


@dataclasses.dataclass(frozen=True)
class Target:
    host: str
    grpc_port: int
    rest_port: int

    @property
    def grpc(self) -> str:
        return f"{self.host}:{self.grpc_port}"


@dataclasses.dataclass
class Outcome:
    code: str  # gRPC code name, or the HTTP status as text
    message: str
    allowed: frozenset

    @property
    def ok(self) -> bool:
        return self.code in self.allowed and bool(self.message.strip()) and not _INTERNALS.search(self.message)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    protocol: str
    send: Callable[[Target], Outcome]


CASES: dict[str, Case] = {}
_channels: dict[str, grpc.Channel] = {}
_lock = threading.Lock()


def _channel(target: Target) -> grpc.Channel:
    with _lock:
        if target.grpc not in _channels:
            _channels[target.grpc] = grpc.insecure_channel(
                target.grpc, options=[("grpc.max_send_message_length", -1)])
        return _channels[target.grpc]


def close_channels() -> None:
    with _lock:
        for channel in _channels.values():
            channel.close()
        _channels.clear()


# --- gRPC -----------------------------------------------------------------------------------------------


def _grpc_case(name: str, method: str, build: Callable[[], object], allowed=GRPC_CLIENT_ERRORS,
               service: str = "PredictionService"):
    def send(target: Target) -> Outcome:
        channel = _channel(target)
        stub = (prediction_service_pb2_grpc.PredictionServiceStub(channel) if service == "PredictionService"
                else model_service_pb2_grpc.ModelServiceStub(channel))
        try:
            getattr(stub, method)(build(), timeout=60)
        except grpc.RpcError as e:
            return Outcome(e.code().name, e.details() or "", frozenset(allowed))
        return Outcome("OK", "", frozenset(allowed))

    CASES[name] = Case(name, "grpc", send)


def _raw_grpc_case(name: str, path: str, payload: bytes, allowed):
    def send(target: Target) -> Outcome:
        call = _channel(target).unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            call(payload, timeout=60)
        except grpc.RpcError as e:
            return Outcome(e.code().name, e.details() or "", frozenset(allowed))
        return Outcome("OK", "", frozenset(allowed))

    CASES[name] = Case(name, "grpc", send)


def _predict(signature: str = "", **inputs) -> predict_pb2.PredictRequest:
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    if signature:
        request.model_spec.signature_name = signature
    for alias, value in (inputs or {"x": np.array([1.0], np.float32)}).items():
        request.inputs[alias].CopyFrom(value if isinstance(value, type(request.inputs[alias]))
                                       else tf.make_tensor_proto(value))
    return request


def _mutated(mutate) -> Callable[[], predict_pb2.PredictRequest]:
    def build():
        request = _predict()
        mutate(request)
        return request
    return build


def _tensor(dtype, dims, **fields):
    proto = tf.make_tensor_proto(np.array([1.0], np.float32))
    proto.Clear()
    proto.dtype = dtype
    for size in dims:
        proto.tensor_shape.dim.add(size=size)
    for field, values in fields.items():
        if field == "tensor_content":
            proto.tensor_content = values
        else:
            getattr(proto, field).extend(values)
    return proto


def _examples(request, *features):
    for value in features:
        example = request.input.example_list.examples.add()
        for key, feature in value.items():
            if isinstance(feature, bytes):
                example.features.feature[key].bytes_list.value.append(feature)
            else:
                example.features.feature[key].float_list.value.append(feature)
    return request


def _classify(signature="classify", *features):
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = MODEL
    request.model_spec.signature_name = signature
    return _examples(request, *features)


def _regress(signature="regress", *features):
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = MODEL
    request.model_spec.signature_name = signature
    return _examples(request, *features)


def _multi(*tasks):
    request = inference_pb2.MultiInferenceRequest()
    for model, signature, method in tasks:
        task = request.tasks.add()
        task.model_spec.name = model
        task.model_spec.signature_name = signature
        task.method_name = method
    request.input.example_list.examples.add().features.feature["x"].float_list.value.append(1.0)
    return request


_grpc_case("grpc_no_model_spec", "Predict", _mutated(lambda r: r.ClearField("model_spec")))
_grpc_case("grpc_empty_model_name", "Predict", _mutated(lambda r: setattr(r.model_spec, "name", "")))
_grpc_case("grpc_unknown_model", "Predict", _mutated(lambda r: setattr(r.model_spec, "name", "nope")))
_grpc_case("grpc_unknown_version", "Predict", _mutated(lambda r: setattr(r.model_spec.version, "value", 42)))
_grpc_case("grpc_unknown_label", "Predict", _mutated(lambda r: setattr(r.model_spec, "version_label", "nope")))
_grpc_case("grpc_unknown_signature", "Predict", _mutated(lambda r: setattr(r.model_spec, "signature_name", "nope")))
_grpc_case("grpc_missing_input", "Predict", lambda: _predict("two_inputs", x=np.array([1.0], np.float32)))
_grpc_case("grpc_extra_input", "Predict", _mutated(lambda r: r.inputs["z"].CopyFrom(r.inputs["x"])))
_grpc_case("grpc_no_inputs", "Predict", _mutated(lambda r: r.inputs.clear()))
_grpc_case("grpc_wrong_dtype", "Predict", lambda: _predict(x=np.array([b"text"])))
_grpc_case("grpc_invalid_dtype", "Predict", lambda: _predict(x=_tensor(types_pb2.DT_INVALID, [1])))
_grpc_case("grpc_tensor_content_size", "Predict",
           lambda: _predict(x=_tensor(types_pb2.DT_FLOAT, [4], tensor_content=b"\x00" * 7)))
_grpc_case("grpc_huge_shape", "Predict", lambda: _predict(x=_tensor(types_pb2.DT_FLOAT, [1 << 40], float_val=[1.0])))
_grpc_case("grpc_negative_dim", "Predict", lambda: _predict(x=_tensor(types_pb2.DT_FLOAT, [-3], float_val=[1.0])))
_grpc_case("grpc_unequal_batch", "Predict",
           lambda: _predict("two_inputs", x=np.ones([2], np.float32), y=np.ones([3], np.float32)))
_grpc_case("grpc_kernel_shape_error", "Predict", lambda: _predict("pairs", x=np.ones([3], np.float32)))
_grpc_case("grpc_int_signature_float_input", "Predict", lambda: _predict("sequence", ids=np.ones([1, 2], np.float32)))
_grpc_case("grpc_unknown_output_filter", "Predict", _mutated(lambda r: r.output_filter.append("nope")))
_grpc_case("grpc_duplicate_output_filter", "Predict", _mutated(lambda r: r.output_filter.extend(["y", "y"])))
_grpc_case("grpc_classify_empty", "Classify", lambda: _classify())
_grpc_case("grpc_classify_unknown_signature", "Classify", lambda: _classify("nope", {"x": 1.0}))
_grpc_case("grpc_classify_predict_signature", "Classify", lambda: _classify("two_inputs", {"x": 1.0}))
_grpc_case("grpc_classify_missing_feature", "Classify", lambda: _classify("classify", {"z": 1.0}))
_grpc_case("grpc_classify_wrong_feature_type", "Classify", lambda: _classify("classify", {"x": b"one"}))
_grpc_case("grpc_classify_no_model_spec", "Classify",
           lambda: _examples(classification_pb2.ClassificationRequest(), {"x": 1.0}))
_grpc_case("grpc_regress_empty", "Regress", lambda: _regress())
_grpc_case("grpc_regress_on_classify_signature", "Regress", lambda: _regress("classify", {"x": 1.0}))
_grpc_case("grpc_regress_unknown_model", "Regress",
           lambda: _examples(regression_pb2.RegressionRequest(model_spec={"name": "nope"}), {"x": 1.0}))
_grpc_case("grpc_multi_inference_no_tasks", "MultiInference", lambda: inference_pb2.MultiInferenceRequest())
_grpc_case("grpc_multi_inference_mixed_models", "MultiInference",
           lambda: _multi((MODEL, "classify", "tensorflow/serving/classify"),
                          ("second", "regress", "tensorflow/serving/regress")))
_grpc_case("grpc_multi_inference_predict_method", "MultiInference",
           lambda: _multi((MODEL, "serving_default", "tensorflow/serving/predict")))
_grpc_case("grpc_multi_inference_duplicate", "MultiInference",
           lambda: _multi((MODEL, "classify", "tensorflow/serving/classify"),
                          (MODEL, "classify", "tensorflow/serving/classify")))
_grpc_case("grpc_metadata_no_field", "GetModelMetadata",
           lambda: get_model_metadata_pb2.GetModelMetadataRequest(model_spec={"name": MODEL}))
_grpc_case("grpc_metadata_bad_field", "GetModelMetadata",
           lambda: get_model_metadata_pb2.GetModelMetadataRequest(model_spec={"name": MODEL},
                                                                  metadata_field=["nope"]))
_grpc_case("grpc_status_unknown_model", "GetModelStatus",
           lambda: get_model_status_pb2.GetModelStatusRequest(model_spec={"name": "nope"}), service="ModelService")
_grpc_case("grpc_reload_without_model_list", "HandleReloadConfigRequest",
           lambda: model_management_pb2.ReloadConfigRequest(), service="ModelService")
_grpc_case("grpc_over_size_limit", "Predict", lambda: _predict(x=np.zeros(MAX_REQUEST_BYTES // 4 + 16, np.float32)))
# Bytes that are no PredictRequest: stock's C++ gRPC answers INTERNAL (its proto deserializer's status).
_raw_grpc_case("grpc_corrupt_proto", "/tensorflow.serving.PredictionService/Predict", b"\xff\xff\xff\xff",
               {"INTERNAL"})
_raw_grpc_case("grpc_truncated_proto", "/tensorflow.serving.PredictionService/Predict",
               _predict().SerializeToString()[:-3], {"INTERNAL"})
_raw_grpc_case("grpc_unknown_method", "/tensorflow.serving.PredictionService/Nope", b"", {"UNIMPLEMENTED"})
_raw_grpc_case("grpc_unknown_service", "/tensorflow.serving.Nope/Predict", b"", {"UNIMPLEMENTED"})


# --- REST -----------------------------------------------------------------------------------------------

_PREDICT = f"/v1/models/{MODEL}:predict"
_REST_ERRORS = frozenset(str(s) for s in range(400, 500))


def _http(target: Target, raw: bytes, half_close: bool = False) -> Outcome:
    """One raw HTTP/1.1 exchange; the reply's status and {"error": ...} (or its text)."""
    with socket.create_connection((target.host, target.rest_port), timeout=60) as sock:
        try:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            reply = http.client.HTTPResponse(sock)
            reply.begin()
            data = reply.read()
        except (OSError, http.client.HTTPException) as e:
            return Outcome("no reply", f"{type(e).__name__}: {e}", _REST_ERRORS)
    try:
        message = json.loads(data).get("error", "")
    except (ValueError, AttributeError):
        message = data.decode("utf-8", "replace")
    return Outcome(str(reply.status), message, _REST_ERRORS)


def _request(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", "Connection: close"]
    headers = {"Content-Length": str(len(body)), **(headers or {})} if body or method == "POST" else dict(headers or {})
    lines += [f"{k}: {v}" for k, v in headers.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _rest_case(name: str, body, path: str = _PREDICT, method: str = "POST", headers: dict | None = None,
               half_close: bool = False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    CASES[name] = Case(name, "rest",
                       lambda target: _http(target, _request(method, path, data, headers), half_close))


_rest_case("rest_empty_body", b"")
_rest_case("rest_bad_json", b'{"instances": [1.0,')
_rest_case("rest_trailing_comma", b'{"instances": [1.0,],}')
_rest_case("rest_single_quotes", b"{'instances': [1.0]}")
_rest_case("rest_root_is_list", b"[1.0, 2.0]")
_rest_case("rest_root_is_string", b'"instances"')
_rest_case("rest_instances_not_list", {"instances": "nope"})
_rest_case("rest_instances_empty", {"instances": []})
_rest_case("rest_instances_and_inputs", {"instances": [1.0], "inputs": [1.0]})
_rest_case("rest_neither_instances_nor_inputs", {"examples": [1.0]})
_rest_case("rest_ragged_rows", {"signature_name": "sequence", "instances": [[1, 2], [3]]})
_rest_case("rest_string_for_float", {"instances": ["a"]})
_rest_case("rest_bool_for_float", {"inputs": {"x": [True]}})
_rest_case("rest_null_value", {"instances": [None]})
_rest_case("rest_object_value", {"instances": [{"y": 1.0}]})
_rest_case("rest_decimal_for_int", {"signature_name": "sequence", "instances": [[1.5, 2.0]]})
_rest_case("rest_int_out_of_range", {"signature_name": "sequence", "instances": [[2**40]]})
_rest_case("rest_nan_for_int", b'{"signature_name": "sequence", "instances": [[NaN]]}')
_rest_case("rest_infinity_for_int", b'{"signature_name": "sequence", "instances": [[-Infinity]]}')
_rest_case("rest_deep_nesting", b'{"instances": ' + b"[" * 5000 + b"1.0" + b"]" * 5000 + b"}")
_rest_case("rest_unterminated_nesting", b"[" * 100000)
_rest_case("rest_missing_named_input", {"signature_name": "two_inputs", "instances": [{"x": 1.0}]})
_rest_case("rest_extra_named_input", {"signature_name": "two_inputs", "instances": [{"x": 1.0, "y": 2.0, "z": 3.0}]})
_rest_case("rest_mixed_row_kinds", {"signature_name": "two_inputs", "instances": [{"x": 1.0, "y": 2.0}, 3.0]})
_rest_case("rest_plain_rows_for_two_inputs", {"signature_name": "two_inputs", "instances": [1.0, 2.0]})
_rest_case("rest_columnar_missing_input", {"signature_name": "two_inputs", "inputs": {"x": [1.0]}})
_rest_case("rest_columnar_unequal_batch",
           {"signature_name": "two_inputs", "inputs": {"x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]}})
_rest_case("rest_columnar_plain_for_two_inputs", {"signature_name": "two_inputs", "inputs": [1.0]})
_rest_case("rest_signature_name_not_string", {"signature_name": 5, "instances": [1.0]})
_rest_case("rest_unknown_signature", {"signature_name": "nope", "instances": [1.0]})
_rest_case("rest_kernel_shape_error", {"signature_name": "pairs", "instances": [1.0, 2.0, 3.0]})
_rest_case("rest_bad_base64", {"signature_name": "text", "instances": [{"b64": "!!!"}]})
_rest_case("rest_b64_not_string", {"signature_name": "text", "instances": [{"b64": 5}]})
_rest_case("rest_b64_for_float", {"instances": [{"b64": "AAAA"}]})
_rest_case("rest_lone_surrogate", b'{"instances": ["\\ud800"]}')
_rest_case("rest_lone_low_surrogate", b'{"signature_name": "text", "instances": ["\\udc00 x"]}')
_rest_case("rest_bad_utf8_json", b"\xff\xfe{}")
_rest_case("rest_bad_escape", b'{"instances": ["\\q"]}')
_rest_case("rest_control_character", b'{"instances": ["a\x01b"]}')
_rest_case("rest_unknown_model", {"instances": [1.0]}, path="/v1/models/nope:predict")
_rest_case("rest_unknown_version", {"instances": [1.0]}, path=f"/v1/models/{MODEL}/versions/42:predict")
_rest_case("rest_version_overflow", {"instances": [1.0]},
           path=f"/v1/models/{MODEL}/versions/99999999999999999999:predict")
_rest_case("rest_unknown_label", {"instances": [1.0]}, path=f"/v1/models/{MODEL}/labels/nope:predict")
_rest_case("rest_empty_model_name", {"instances": [1.0]}, path="/v1/models/:predict")
_rest_case("rest_unknown_verb", {"instances": [1.0]}, path=f"/v1/models/{MODEL}:explain")
_rest_case("rest_verb_wrong_case", {"instances": [1.0]}, path=f"/v1/models/{MODEL}:PREDICT")
_rest_case("rest_get_on_predict", b"", method="GET", path=_PREDICT)
_rest_case("rest_put", {"instances": [1.0]}, method="PUT")
_rest_case("rest_delete_model", b"", method="DELETE", path=f"/v1/models/{MODEL}")
_rest_case("rest_post_status", {"instances": [1.0]}, path=f"/v1/models/{MODEL}")
_rest_case("rest_unknown_path", b"", method="GET", path="/v2/models")
_rest_case("rest_status_unknown_model", b"", method="GET", path="/v1/models/nope")
_rest_case("rest_metadata_unknown_version", b"", method="GET", path=f"/v1/models/{MODEL}/versions/7/metadata")
_rest_case("rest_classify_empty_examples", {"signature_name": "classify", "examples": []})
_rest_case("rest_classify_examples_not_list", {"signature_name": "classify", "examples": {"x": 1.0}},
           path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_classify_example_not_object", {"signature_name": "classify", "examples": [1.0]},
           path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_classify_null_feature", {"signature_name": "classify", "examples": [{"x": [None]}]},
           path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_classify_mixed_feature", {"signature_name": "classify", "examples": [{"x": [1.0, "a"]}]},
           path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_classify_missing_feature", {"signature_name": "classify", "examples": [{"z": 1.0}]},
           path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_classify_default_signature", {"examples": [{"x": 1.0}]}, path=f"/v1/models/{MODEL}:classify")
_rest_case("rest_regress_on_classify_signature", {"signature_name": "classify", "examples": [{"x": 1.0}]},
           path=f"/v1/models/{MODEL}:regress")
_rest_case("rest_regress_no_examples", {"signature_name": "regress"}, path=f"/v1/models/{MODEL}:regress")
_rest_case("rest_over_size_limit", b'{"instances": [', headers={"Content-Length": str(MAX_REQUEST_BYTES + 1)})
_rest_case("rest_content_length_not_a_number", b'{"instances": [1.0]}', headers={"Content-Length": "abc"})
_rest_case("rest_content_length_negative", b'{"instances": [1.0]}', headers={"Content-Length": "-5"})
_rest_case("rest_content_length_too_short", b'{"instances": [1.0]}', headers={"Content-Length": "5"})
_rest_case("rest_body_ends_early", b'{"instances": [1.0]}', headers={"Content-Length": "100"}, half_close=True)
_rest_case("rest_bad_chunked_encoding", b"zz\r\n{}\r\n0\r\n\r\n",
           headers={"Transfer-Encoding": "chunked", "Content-Length": None})


def run_all(target: Target, names=None) -> dict[str, Outcome]:
    """Send each case once (in catalogue order); ``{name: Outcome}``."""
    return {name: CASES[name].send(target) for name in (names or CASES)}
