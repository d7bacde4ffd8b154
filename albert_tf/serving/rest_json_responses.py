"""Responses -> JSON, following TF Serving's util/json_tensor.cc and http_rest_api_handler.cc.

``predict_json`` writes ``{"predictions": [...]}`` (row format) or ``{"outputs": ...}`` (columnar) with floats as
TF Serving writes them; ``classification_json`` / ``regression_json`` write ``{"results": ...}``;
``status_json`` / ``metadata_json`` print the ModelService and metadata protos; ``error_json`` writes
``{"error": "..."}``.

Example:
    >>> import numpy as np
    >>> predict_json([("y", np.array([[1.0, 0.5]], np.float32))], "columnar")
    '{"outputs": [[1.0, 0.5]]}'
    >>> error_json("Missing model name in request.")
    '{"error": "Missing model name in request."}'
"""

from __future__ import annotations

import base64
import json

import numpy as np
from google.protobuf import json_format
from tensorflow.core.framework import types_pb2

from albert_tf.serving import errors, tensors
from albert_tf.serving.rest_json_values import COLUMNAR, _decimal_text

# --- responses ----------------------------------------------------------------------------------------------



def _string_text(value: bytes, as_b64: bool) -> str:
    if as_b64:
        return '{"b64": "' + base64.b64encode(value).decode("ascii") + '"}'
    return json.dumps(value.decode("utf-8", "surrogateescape"), ensure_ascii=False)


def _leaf_formatter(array: np.ndarray, name: str):
    dtype = tensors.dtype_enum_of(array)
    if dtype == types_pb2.DT_FLOAT or dtype == types_pb2.DT_HALF:
        return lambda v: _decimal_text(v)
    if dtype == types_pb2.DT_DOUBLE:
        return lambda v: _decimal_text(v, double=True)
    if dtype in (types_pb2.DT_INT32, types_pb2.DT_INT16, types_pb2.DT_INT8, types_pb2.DT_UINT8,
                 types_pb2.DT_INT64, types_pb2.DT_UINT32, types_pb2.DT_UINT64):
        return str
    if dtype == types_pb2.DT_BOOL:
        return lambda v: "true" if v else "false"
    if dtype == types_pb2.DT_STRING:
        as_b64 = name.endswith("_bytes")  # IsNamedTensorBytes()
        return lambda v: _string_text(v if isinstance(v, bytes) else str(v).encode("utf-8"), as_b64)
    raise errors.json_output_dtype_unsupported(tensors.dtype_name(dtype))


def _tensor_text(array: np.ndarray, name: str) -> str:
    """AddTensorValues(): nested JSON arrays (a bare value for a scalar)."""
    array = np.asarray(array)
    formatter = _leaf_formatter(array, name)
    source = array.astype(np.float32) if array.dtype == np.float16 else array
    leaves = [formatter(v) for v in source.reshape(-1).tolist()]
    if array.ndim == 0:
        return leaves[0]

    def nest(start: int, dim: int) -> tuple[str, int]:
        if dim == array.ndim - 1:
            end = start + array.shape[dim]
            return "[" + ", ".join(leaves[start:end]) + "]", end
        parts = []
        for _ in range(array.shape[dim]):
            part, start = nest(start, dim + 1)
            parts.append(part)
        return "[" + ", ".join(parts) + "]", start

    return nest(0, 0)[0]


def predict_json(outputs: list[tuple[str, np.ndarray]], fmt: str) -> str:
    """MakeJsonFromTensors(): ``{"predictions": [...]}`` for ROW, ``{"outputs": ...}`` for COLUMNAR."""
    if not outputs:
        raise errors.json_empty_tensor_map()
    outputs = sorted(outputs, key=lambda kv: kv[0])
    named = len(outputs) > 1
    if fmt == COLUMNAR:
        if named:
            body = "{" + ", ".join(json.dumps(n) + ": " + _tensor_text(a, n) for n, a in outputs) + "}"
        else:
            body = _tensor_text(outputs[0][1], outputs[0][0])
        return '{"outputs": ' + body + "}"
    batch = None
    for name, array in outputs:
        if array.ndim == 0:
            raise errors.json_output_without_shape(name)
        if batch is not None and array.shape[0] != batch:
            raise errors.json_output_batch_mismatch(name, array.shape[0], batch)
        batch = array.shape[0]
    rows = []
    for i in range(batch):
        if named:
            rows.append("{" + ", ".join(json.dumps(n) + ": " + _tensor_text(a[i], n) for n, a in outputs) + "}")
        else:
            rows.append(_tensor_text(outputs[0][1][i], outputs[0][0]))
    return '{"predictions": [' + ", ".join(rows) + "]}"


def classification_json(result) -> str:
    """MakeJsonFromClassificationResult(): ``{"results": [[[label, score], ...], ...]}``."""
    if not result.classifications:
        raise errors.json_empty_results("ClassificationResults")
    rows = []
    for classifications in result.classifications:
        pairs = ", ".join(
            "[" + json.dumps(c.label, ensure_ascii=False) + ", " + _decimal_text(c.score) + "]"
            for c in classifications.classes
        )
        rows.append("[" + pairs + "]")
    return '{"results": [' + ", ".join(rows) + "]}"


def regression_json(result) -> str:
    """MakeJsonFromRegressionResult(): ``{"results": [value, ...]}``."""
    if not result.regressions:
        raise errors.json_empty_results("RegressionResults")
    return '{"results": [' + ", ".join(_decimal_text(r.value) for r in result.regressions) + "]}"


def _message_json(message) -> str:
    return json_format.MessageToJson(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True, indent=2
    )


def status_json(response) -> str:
    """GetModelStatusResponse as TF Serving prints it (snake_case names, enum names, every field)."""
    return _message_json(response)


def metadata_json(response) -> str:
    """GetModelMetadataResponse as ``{"model_spec": ..., "metadata": {"signature_def": SignatureDefMap}}``."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    signature_map = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signature_map)
    return (
        '{"model_spec": ' + _message_json(response.model_spec)
        + ', "metadata": {"signature_def": ' + _message_json(signature_map) + "}}"
    )


def error_json(message: str) -> str:
    """MakeJsonFromStatus(): ``{"error": "<message>"}``."""
    return json.dumps({"error": message}, ensure_ascii=False)
