"""Predict request bodies -> tensors, following FillPredictRequestFromJson() of TF Serving's
util/json_tensor.cc.

``decode_predict_inputs`` reads the row format (``"instances"``) or the columnar one (``"inputs"``) into
``{alias: np.ndarray}`` with the signature's dtypes, checking nesting, sizes and value types as rapidjson
and TF Serving do; regular numeric input takes a numpy fast path that cannot read differently.

Example:
    >>> from tensorflow.core.framework import types_pb2
    >>> fmt, arrays = decode_predict_inputs({"inputs": {"x": [1, 2]}}, {"x": types_pb2.DT_INT64})
    >>> fmt, arrays["x"].tolist()
    ('columnar', [1, 2])
"""

from __future__ import annotations

import numpy as np
from tensorflow.core.framework import types_pb2

from albert_tf.serving import errors, tensors
from albert_tf.serving.rest_json_values import (
    _DOUBLE_MAX_INT, _FLOAT_MAX, _FLOAT_MAX_INT, _INT32, _INT64, _UINT32_MAX, _UINT64_MAX, COLUMNAR, ROW,
    _b64decode, _is_b64, _json_type, _lossless, json_text, signature_name_of,
)

# --- predict requests ---------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)



def _scalar(value, dtype: int):
    """AddValueToTensor(): one JSON leaf as a value of ``dtype``."""
    if dtype in (types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE):
        if not (_is_int(value) or isinstance(value, float)):
            raise errors.json_type_error(json_text(value), _json_type(value), tensors.dtype_name(dtype))
        if dtype == types_pb2.DT_FLOAT and not _lossless(value, _FLOAT_MAX_INT, _FLOAT_MAX):
            raise errors.json_lossy_decimal(json_text(value), "float")
        if dtype == types_pb2.DT_DOUBLE and not _lossless(value, _DOUBLE_MAX_INT, float("inf")):
            raise errors.json_lossy_decimal(json_text(value), "double")
        return float(value)
    if dtype in (types_pb2.DT_INT32, types_pb2.DT_INT16, types_pb2.DT_INT8, types_pb2.DT_UINT8):
        ok, low, high = _is_int(value), *_INT32
    elif dtype == types_pb2.DT_INT64:
        ok, low, high = _is_int(value), *_INT64
    elif dtype == types_pb2.DT_UINT32:
        ok, low, high = _is_int(value), 0, _UINT32_MAX
    elif dtype == types_pb2.DT_UINT64:
        ok, low, high = _is_int(value), 0, _UINT64_MAX
    elif dtype == types_pb2.DT_STRING:
        if not isinstance(value, str):
            raise errors.json_type_error(json_text(value), _json_type(value), tensors.dtype_name(dtype))
        return value.encode("utf-8", "surrogateescape")
    elif dtype == types_pb2.DT_BOOL:
        if not isinstance(value, bool):
            raise errors.json_type_error(json_text(value), _json_type(value), tensors.dtype_name(dtype))
        return value
    else:
        raise errors.json_unsupported_dtype(json_text(value), tensors.dtype_name(dtype))
    if not ok or not low <= value <= high:
        raise errors.json_type_error(json_text(value), _json_type(value), tensors.dtype_name(dtype))
    return value


def _dense_shape(value) -> list[int]:
    """GetDenseTensorShape(): sizes along the first element of each nesting level."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _fill(value, level: int, dtype: int, shape: list[int], out: list) -> None:
    """FillTensorProto(): check the nesting against ``shape`` and collect leaf values in order."""
    rank = len(shape)
    if not isinstance(value, list):
        if level != rank:
            raise errors.json_value_at_wrong_level(json_text(value), level, rank)
        if isinstance(value, dict):
            if dtype != types_pb2.DT_STRING:
                raise errors.json_type_error(json_text(value), "Object", tensors.dtype_name(dtype))
            out.append(_b64decode(value))
        else:
            out.append(_scalar(value, dtype))
        return
    if level >= rank:
        raise errors.json_list_too_deep(level, rank)
    if len(value) != shape[level]:
        raise errors.json_list_wrong_size(len(value), level, shape[level])
    for item in value:
        _fill(item, level + 1, dtype, shape, out)


_FAST_KINDS = {
    types_pb2.DT_FLOAT: "if",
    types_pb2.DT_DOUBLE: "if",
    types_pb2.DT_INT32: "i",
    types_pb2.DT_INT64: "i",
    types_pb2.DT_BOOL: "b",
}


def _fast_array(value, dtype: int, shape: list[int]):
    """A numeric tensor through numpy in one step, or None to take the exact (slow) path.

    Only taken when numpy's reading cannot differ from rapidjson's: a regular nesting whose leaves are all
    of the one JSON kind the dtype accepts and in range. Booleans are excluded (numpy would read them as
    integers), anything irregular or out of range falls back, and the slow path then reports the error.
    """
    kinds = _FAST_KINDS.get(dtype)
    if kinds is None or not isinstance(value, list):
        return None
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if list(array.shape) != shape or array.dtype.kind not in kinds:
        return None
    if array.dtype.kind == "b":
        return array
    if dtype == types_pb2.DT_FLOAT:
        limit = _FLOAT_MAX_INT if array.dtype.kind == "i" else _FLOAT_MAX
        finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
        if finite.size and np.abs(finite).max() > limit:
            return None
        return array.astype(np.float32)
    if dtype == types_pb2.DT_DOUBLE:
        if array.dtype.kind == "i" and array.size and np.abs(array).max() > _DOUBLE_MAX_INT:
            return None
        return array.astype(np.float64)
    if dtype == types_pb2.DT_INT32:
        if array.size and (array.min() < _INT32[0] or array.max() > _INT32[1]):
            return None
        return array.astype(np.int32)
    return array.astype(np.int64)


class _Collector:
    """Values of one named input across ``instances`` items (AddInstanceItem's size and shape maps)."""

    def __init__(self, dtype: int):
        self.dtype = dtype
        self.size = None
        self.shape = None
        self.items: list = []

    def add(self, item, bools_present: bool) -> None:
        shape = _dense_shape(item)
        fast = None if bools_present else _fast_array(item, self.dtype, shape)
        if fast is not None:
            values, size = fast, int(fast.size)
        else:
            values = []
            _fill(item, 0, self.dtype, shape, values)
            size = len(values)
        if self.size is None:
            self.size, self.shape = size, shape
        elif self.size != size:
            raise errors.json_tensor_size_mismatch(self.size, size)
        elif self.shape != shape:
            raise errors.json_tensor_shape_mismatch(_shape_text(self.shape), _shape_text(shape))
        self.items.append(values)

    def array(self) -> np.ndarray:
        return _to_array(self.items, [len(self.items)] + self.shape, self.dtype)


def _shape_text(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _to_array(items: list, shape: list[int], dtype: int) -> np.ndarray:
    np_dtype = tensors.numpy_dtype(dtype)
    if all(isinstance(i, np.ndarray) for i in items):
        return np.stack(items).astype(np_dtype, copy=False).reshape(shape) if items else np.empty(shape, np_dtype)
    flat = []
    for item in items:
        flat.extend(item.reshape(-1).tolist() if isinstance(item, np.ndarray) else item)
    array = np.empty(len(flat), dtype=np_dtype) if np_dtype == object else None
    if array is not None:
        array[:] = flat
        return array.reshape(shape)
    return np.array(flat, dtype=np_dtype).reshape(shape)


def _column(value, dtype: int, bools_present: bool) -> np.ndarray:
    shape = _dense_shape(value)
    fast = None if bools_present else _fast_array(value, dtype, shape)
    if fast is not None:
        return fast
    values = []
    _fill(value, 0, dtype, shape, values)
    return _to_array([values], shape, dtype)


def decode_predict_inputs(doc: dict, input_dtypes: dict[str, int], bools_present: bool = True):
    """FillPredictRequestFromJson() after the signature lookup: (ROW or COLUMNAR, {alias: array}).

    ``input_dtypes`` maps the signature's input aliases to their DataType. ``bools_present=False`` (no
    ``true``/``false`` token in the body) allows the numpy fast path for numeric tensors.
    """
    if not input_dtypes:
        raise errors.json_empty_input_map(signature_name_of(doc))
    names = sorted(input_dtypes)
    if "instances" in doc:
        if "inputs" in doc:
            raise errors.json_format_error(
                json_text(doc), "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
            )
        instances = doc["instances"]
        if not isinstance(instances, list):
            raise errors.json_format_error(json_text(doc), "Excepting 'instances' to be an list/array")
        if not instances:
            raise errors.json_format_error(json_text(doc), "No values in 'instances' array")
        return ROW, _decode_instances(instances, input_dtypes, names, bools_present)
    if "inputs" in doc:
        value = doc["inputs"]
        if not isinstance(value, dict) or _is_b64(value):
            if len(names) > 1:
                raise errors.json_inputs_plain_value_multiple_inputs()
            return COLUMNAR, {names[0]: _column(value, input_dtypes[names[0]], bools_present)}
        arrays = {}
        for name in names:
            if name not in value:
                raise errors.json_missing_named_input(name)
            arrays[name] = _column(value[name], input_dtypes[name], bools_present)
        return COLUMNAR, arrays
    raise errors.json_missing_inputs_or_instances()


def _decode_instances(instances: list, input_dtypes: dict[str, int], names: list[str], bools_present: bool):
    """FillTensorMapFromInstancesList()."""
    first = instances[0]
    if not isinstance(first, dict) and len(names) > 1:
        raise errors.json_instances_plain_list_multiple_inputs()
    is_object = lambda v: isinstance(v, dict) and not _is_b64(v)
    objects = is_object(first)
    collectors = {}

    def collector(name):
        if name not in input_dtypes:
            raise errors.json_unknown_named_input(name)
        if name not in collectors:
            collectors[name] = _Collector(input_dtypes[name])
        return collectors[name]

    for index, element in enumerate(instances):
        if objects:
            if not is_object(element):
                raise errors.json_expecting_object(index)
            for key, item in element.items():
                try:
                    collector(key).add(item, bools_present)
                except errors.ServingError as e:
                    raise errors.json_instance_element_failed(index, key, e) from e
            if set(element) != set(names):
                raise errors.json_instance_keys_mismatch(index, json_text(element), names)
        else:
            if is_object(element):
                raise errors.json_expecting_value(index)
            try:
                collector(names[0]).add(element, bools_present)
            except errors.ServingError as e:
                raise errors.json_instance_element_failed(index, None, e) from e
    return {name: c.array() for name, c in collectors.items()}
