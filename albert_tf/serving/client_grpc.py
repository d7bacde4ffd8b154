"""The gRPC side of :class:`albert_tf.serving.Client`: TF Serving's official stubs over one channel.

Kept apart from ``client.py`` because the stubs import tensorflow's protos (and so tensorflow itself); a
REST client never loads this module. Every value in and out is the plain Python / numpy form ``Client``
documents, and every failure a :class:`~albert_tf.serving.client.ServerError` with a one-line message.

Example:
    >>> transport = GrpcTransport("localhost:8500")                          # doctest: +SKIP
    >>> transport.status({"name": "half_plus_two"}, timeout=5)              # doctest: +SKIP
    [{'version': 2, 'state': 'AVAILABLE', 'error_code': 'OK', 'error_message': ''}]
"""

from __future__ import annotations

import grpc
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
from albert_tf.serving.client import ServerUnreachableError, error_for, status_entries

# What grpc's UNAVAILABLE details say when nothing usable answers at the address -> a plain reason.
_UNREACHABLE = (
    (("connection refused",), "no server at {target}: connection refused"),
    (("http/2", "http1", "settings frame"), "{target} does not speak gRPC (is it the REST port?)"),
    (("resolv", "dns", "domain name not found", "name or service not known"), "cannot resolve the host of {target}"),
    (("failed to connect", "connect failed", "socket closed", "trying to connect"),
     "no gRPC server answered at {target}"),
)


def _unreachable_reason(target: str, details: str) -> str | None:
    lowered = details.lower()
    for hints, reason in _UNREACHABLE:
        if any(hint in lowered for hint in hints):
            return reason.format(target=target)
    return None


def _example(features) -> example_pb2.Example:
    """A tf.Example from {name: value or list}: str/bytes -> bytes_list, float -> float_list, int -> int64_list."""
    example = example_pb2.Example()
    for name, values in features.items():
        feature = example.features.feature[name]
        if all(isinstance(v, (str, bytes)) for v in values):
            feature.bytes_list.value.extend(v.encode("utf-8") if isinstance(v, str) else v for v in values)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            feature.int64_list.value.extend(values)
        else:
            feature.float_list.value.extend(float(v) for v in values)
    return example


def _fill_spec(spec, model_spec: dict) -> None:
    spec.name = model_spec["name"]
    if model_spec.get("signature_name"):
        spec.signature_name = model_spec["signature_name"]
    if model_spec.get("version") is not None:
        spec.version.value = model_spec["version"]
    elif model_spec.get("version_label") is not None:
        spec.version_label = model_spec["version_label"]


def _describe(infos) -> dict:
    return {
        alias: {
            "dtype": types_pb2.DataType.Name(info.dtype),
            "shape": None if info.tensor_shape.unknown_rank else [d.size for d in info.tensor_shape.dim],
        }
        for alias, info in sorted(infos.items())
    }


class GrpcTransport:
    """One insecure channel to ``target`` with the PredictionService and ModelService stubs."""

    def __init__(self, target: str):
        self.target = target
        self._channel = grpc.insecure_channel(
            target, options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        )
        self._prediction = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)

    def predict(self, model_spec: dict, named: dict, output_filter, timeout: float) -> dict:
        request = predict_pb2.PredictRequest()
        _fill_spec(request.model_spec, model_spec)
        for alias, array in named.items():
            request.inputs[alias].CopyFrom(tensors.to_tensor_proto(array))
        request.output_filter.extend(output_filter)
        response = self._call(self._prediction.Predict, request, timeout)
        return {alias: tensors.from_tensor_proto(proto) for alias, proto in response.outputs.items()}

    def classify(self, model_spec: dict, examples: list[dict], timeout: float) -> list[list[tuple[str, float]]]:
        request = classification_pb2.ClassificationRequest()
        _fill_spec(request.model_spec, model_spec)
        for features in examples:
            request.input.example_list.examples.add().CopyFrom(_example(features))
        response = self._call(self._prediction.Classify, request, timeout)
        return [[(c.label, c.score) for c in row.classes] for row in response.result.classifications]

    def regress(self, model_spec: dict, examples: list[dict], timeout: float) -> list[float]:
        request = regression_pb2.RegressionRequest()
        _fill_spec(request.model_spec, model_spec)
        for features in examples:
            request.input.example_list.examples.add().CopyFrom(_example(features))
        response = self._call(self._prediction.Regress, request, timeout)
        return [r.value for r in response.result.regressions]

    def metadata(self, model_spec: dict, timeout: float) -> tuple[int, dict]:
        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        _fill_spec(request.model_spec, model_spec)
        response = self._call(self._prediction.GetModelMetadata, request, timeout)
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signature_map)
        signatures = {
            name: {"method_name": s.method_name, "inputs": _describe(s.inputs), "outputs": _describe(s.outputs)}
            for name, s in sorted(signature_map.signature_def.items())
        }
        return response.model_spec.version.value, signatures

    def status(self, model_spec: dict, timeout: float) -> list[dict]:
        request = get_model_status_pb2.GetModelStatusRequest()
        _fill_spec(request.model_spec, {**model_spec, "version_label": None})
        response = self._call(self._models.GetModelStatus, request, timeout)
        return status_entries(json_format.MessageToDict(response, preserving_proto_field_name=True,
                                                        always_print_fields_with_no_presence=True))

    def close(self) -> None:
        self._channel.close()

    def _call(self, method, request, timeout):
        try:
            return method(request, timeout=timeout)
        except grpc.RpcError as e:
            code, details = e.code(), e.details() or ""
            reason = _unreachable_reason(self.target, details) if code == grpc.StatusCode.UNAVAILABLE else None
            if reason:
                raise ServerUnreachableError("UNAVAILABLE", reason) from None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise error_for("DEADLINE_EXCEEDED", f"no answer from {self.target} within {timeout}s") from None
            raise error_for(code.name if code else "UNKNOWN", details) from None

