"""The Python values a ``Client`` takes and returns, to and from TF Serving's REST JSON: numpy arrays,
texts and bytes (``{"b64": ...}`` when not UTF-8), tf.Example feature lists, status and metadata replies.

Only numpy and the standard library: a REST client never imports tensorflow or grpc, so DataType names map
to numpy dtypes here (``numpy_dtype``). ``client_grpc`` shares ``status_entries`` for its replies.

Example:
    >>> numpy_dtype("DT_INT32")
    dtype('int32')
    >>> _string_array(["a", "b"])
    array([b'a', b'b'], dtype=object)
"""

from __future__ import annotations

import base64
from typing import Mapping

import numpy as np

# numpy dtypes by DataType name, without importing tensorflow (the REST client must not).
_NUMPY_DTYPES = {"DT_FLOAT": np.float32, "DT_DOUBLE": np.float64, "DT_HALF": np.float16,
                 "DT_BFLOAT16": np.float32, "DT_STRING": object, "DT_BOOL": np.bool_}


def numpy_dtype(dtype_name: str):
    """numpy dtype for a DataType name such as ``DT_FLOAT`` or ``DT_INT32``."""
    if dtype_name in _NUMPY_DTYPES:
        return _NUMPY_DTYPES[dtype_name]
    try:
        return np.dtype(dtype_name[3:].lower())
    except TypeError:
        raise ValueError(f"dtype {dtype_name} has no numpy equivalent") from None


def status_entries(reply: dict) -> list[dict]:
    """GetModelStatusResponse JSON -> ``[{"version", "state", "error_code", "error_message"}]``."""
    return [
        {
            "version": int(entry["version"]),
            "state": entry["state"],
            "error_code": entry.get("status", {}).get("error_code", "OK"),
            "error_message": entry.get("status", {}).get("error_message", ""),
        }
        for entry in reply["model_version_status"]
    ]


def _feature_lists(features: Mapping) -> dict[str, list]:
    """{name: value or values} with numpy scalars as Python ones and every value a list."""
    plain = {}
    for name, value in features.items():
        values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        plain[name] = [v.item() if isinstance(v, np.generic) else v for v in values]
    return plain


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


def _array_from_json(value, dtype_name: str) -> np.ndarray:
    def strings(v):
        if isinstance(v, list):
            return [strings(x) for x in v]
        if isinstance(v, dict) and "b64" in v:
            return base64.b64decode(v["b64"])
        return v.encode("utf-8") if isinstance(v, str) else v

    if dtype_name == "DT_STRING":
        return _string_array(strings(value))
    return np.asarray(value, dtype=numpy_dtype(dtype_name))


def _describe_json(infos: dict) -> dict:
    """TensorInfo JSON (proto3 JSON of a SignatureDef's inputs/outputs) -> {alias: {"dtype", "shape"}}."""
    described = {}
    for alias, info in sorted(infos.items()):
        shape = info.get("tensor_shape", {})
        described[alias] = {
            "dtype": info.get("dtype", "DT_INVALID"),
            "shape": None if shape.get("unknown_rank") else [int(d.get("size", 0)) for d in shape.get("dim", [])],
        }
    return described



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
