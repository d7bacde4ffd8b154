"""REST JSON <-> tensors, following TF Serving's util/json_tensor.cc.

Requests: ``{"signature_name"?, "instances": [...]}`` (row format) or ``{"signature_name"?, "inputs": ...}``
(columnar); strings may be ``{"b64": "..."}``; classify/regress bodies list tf.Example features. Responses:
``{"predictions": [...]}`` / ``{"outputs": ...}``, ``{"results": ...}``, ``{"error": "..."}``. Type rules follow
rapidjson's: ``1`` is an integer, ``1.0`` a decimal, and a decimal never fills an integer tensor. Floats are
written as TF Serving writes them (6 significant digits unless more are needed to round-trip, ``.0`` on
whole numbers, ``NaN``/``Infinity``).

Example:
    >>> import numpy as np
    >>> from tensorflow.core.framework import types_pb2
    >>> doc = parse_body(b'{"instances": [[1.0, 2.0], [3.0, 4.5]]}')
    >>> fmt, arrays = decode_predict_inputs(doc, {"x": types_pb2.DT_FLOAT})
    >>> fmt, arrays["x"].tolist()
    ('row', [[1.0, 2.0], [3.0, 4.5]])
    >>> predict_json([("y", np.array([2.5, 3.0], np.float32))], fmt)
    '{"predictions": [2.5, 3.0]}'
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct

import numpy as np
from google.protobuf import json_format
from tensorflow.core.example import example_pb2, feature_pb2
from tensorflow.core.framework import types_pb2

from albert_tf.serving import errors, tensors

ROW, COLUMNAR = "row", "columnar"
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32_MAX, _UINT64_MAX = 2**32 - 1, 2**64 - 1
_FLOAT_MAX = float(np.finfo(np.float32).max)
# Largest integers a float / double holds exactly (IsLosslessDecimal's kMaxInt).
_FLOAT_MAX_INT, _DOUBLE_MAX_INT = 2**24 - 1, 2**53 - 1


# --- parsing ------------------------------------------------------------------------------------------------


def _parse_int(text: str):
    # rapidjson keeps integers up to uint64 and reads larger ones as doubles.
    value = int(text)
    return value if _INT64[0] <= value <= _UINT64_MAX else float(value)


def parse_body(body: bytes) -> dict:
    """Parse a request body into a JSON object, with TF Serving's error for anything else."""
    if not body:
        raise errors.json_empty_document()
    # Bytes that are not UTF-8 pass through into strings (rapidjson does not validate the encoding).
    text = body.decode("utf-8", "surrogateescape")
    try:
        # kParseStopWhenDoneFlag: whatever follows the first complete value is ignored.
        start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
        doc, _ = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as e:
        raise errors.json_parse_error(_rapidjson_reason(e, text), _byte_offset(text, e.pos)) from None
    except RecursionError:
        raise errors.json_parse_error("Terminate parsing due to Handler error.", 0) from None
    if "\\u" in text:
        _check_surrogates(text)
    if not isinstance(doc, dict):
        raise errors.json_format_error(json_text(doc), "Is not object")
    return doc


_JSON_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder(parse_int=_parse_int)
# One escape sequence; scanning these left to right keeps "\\\\" from starting a false "\\u".
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogateescape"))


def _check_surrogates(text: str) -> None:
    """rapidjson's kParseErrorStringUnicodeSurrogateInvalid: a \\uD800-\\uDBFF escape must be followed by a
    \\uDC00-\\uDFFF one, and a low one never stands alone (Python would keep both as lone surrogates, which
    no UTF-8 encoder accepts). The offset is the backslash of the offending escape, as rapidjson reports it."""
    pending = None  # (start, end) of a high surrogate escape waiting for its low half
    for match in _ESCAPE.finditer(text):
        escape = match.group(1)
        code = int(escape[1:], 16) if escape[0] == "u" and len(escape) == 5 else None
        if pending is not None:
            if code is None or not 0xDC00 <= code <= 0xDFFF or match.start() != pending[1]:
                break
            pending = None
            continue
        if code is not None and 0xD800 <= code <= 0xDBFF:
            pending = (match.start(), match.end())
        elif code is not None and 0xDC00 <= code <= 0xDFFF:
            pending = (match.start(), None)
            break
    else:
        if pending is None:
            return
    raise errors.json_parse_error("The surrogate pair in string is invalid.", _byte_offset(text, pending[0]))


def _rapidjson_reason(error: json.JSONDecodeError, text: str) -> str:
    """rapidjson's GetParseError_En() wording for the error Python's parser found."""
    message = error.msg
    if not text.strip():
        return "The document is empty."
    if message.startswith("Expecting value"):
        return "Invalid value."
    if message.startswith("Expecting property name"):
        return "Missing a name for object member."
    if message.startswith("Expecting ':'"):
        return "Missing a colon after a name of object member."
    if message.startswith("Expecting ','"):
        if _innermost_container(text, error.pos) == "{":
            return "Missing a comma or '}' after an object member."
        return "Missing a comma or ']' after an array element."
    if message.startswith("Unterminated string"):
        return "Missing a closing quotation mark in string."
    if message.startswith("Invalid \\uXXXX"):
        return "Incorrect hex digit after \\u escape in string."
    if message.startswith("Invalid \\escape"):
        return "Invalid escape character in string."
    if message.startswith("Invalid control character"):
        return "Invalid encoding in string."
    return "Invalid value."


def _innermost_container(text: str, end: int) -> str:
    stack, in_string, escaped = [], False, False
    for char in text[:end]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def json_text(value) -> str:
    """JsonValueToString(): a value pretty-printed as TF Serving quotes it in error messages."""
    if isinstance(value, float):
        return _decimal_text(value, double=True)
    return json.dumps(value, indent=4, ensure_ascii=False)


def _json_type(value) -> str:
    if value is None:
        return "Null"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


def _is_b64(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _b64decode(value) -> bytes:
    if not _is_b64(value):
        raise errors.json_base64_format(json_text(value))
    text = value["b64"]
    try:  # absl::Base64Unescape: the standard alphabet, padding optional
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as e:
        raise errors.json_base64_undecodable() from e


def signature_name_of(doc: dict) -> str:
    """FillSignature(): the optional "signature_name" key ("" when absent)."""
    if "signature_name" not in doc:
        return ""
    name = doc["signature_name"]
    if not isinstance(name, str):
        raise errors.json_signature_name_not_string(json_text(doc))
    return name


# --- predict requests ---------------------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _lossless(value, max_int: int, max_abs: float) -> bool:
    """IsLosslessDecimal<T>()."""
    if isinstance(value, float):
        return not math.isfinite(value) or -max_abs <= value <= max_abs
    return abs(value) <= max_int


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


# --- classify / regress requests ----------------------------------------------------------------------------


def _add_feature_value(value, name: str, feature: feature_pb2.Feature) -> None:
    """AddValueToFeature()."""
    kind = feature.WhichOneof("kind")

    def require(wanted):
        if kind is not None and kind != wanted:
            raise errors.json_feature_kind_mismatch(name, {"bytes_list": "bytes", "float_list": "float",
                                                           "int64_list": "int64"}[kind])

    if value is None or isinstance(value, list) or (isinstance(value, dict) and not _is_b64(value)):
        raise errors.json_feature_bad_type(name, _json_type(value))
    if isinstance(value, bool):
        require("int64_list")
        feature.int64_list.value.append(1 if value else 0)
    elif isinstance(value, dict):
        require("bytes_list")
        feature.bytes_list.value.append(_b64decode(value))
    elif isinstance(value, str):
        require("bytes_list")
        feature.bytes_list.value.append(value.encode("utf-8", "surrogateescape"))
    elif isinstance(value, float):
        require("float_list")
        if not _lossless(value, _FLOAT_MAX_INT, _FLOAT_MAX):
            raise errors.json_lossy_decimal(json_text(value), "float")
        feature.float_list.value.append(value)
    else:
        require("int64_list")
        if value > _INT64[1]:
            raise errors.json_feature_uint64(name)
        feature.int64_list.value.append(value)


def _example(value, example: example_pb2.Example) -> None:
    """MakeExampleFromJsonObject()."""
    if not isinstance(value, dict):
        raise errors.json_example_not_object(_json_type(value))
    for name, content in value.items():
        feature = feature_pb2.Feature()
        for item in content if isinstance(content, list) else [content]:
            _add_feature_value(item, name, feature)
        example.features.feature[name].CopyFrom(feature)


def fill_examples_request(doc: dict, request) -> None:
    """FillClassifyRegressRequestFromJson(): signature name, optional context and the examples."""
    request.model_spec.signature_name = signature_name_of(doc)
    has_context = "context" in doc
    if has_context:
        _example(doc["context"], request.input.example_list_with_context.context)
    if "examples" not in doc:
        raise errors.json_format_error(
            json_text(doc), "When method is classify, key 'examples' is expected and was not found"
        )
    examples = doc["examples"]
    if not isinstance(examples, list):
        raise errors.json_format_error(json_text(doc), "Expecting 'examples' value to be an list/array")
    if not examples:
        raise errors.json_format_error(json_text(doc), "'examples' value is an empty array")
    target = request.input.example_list_with_context.examples if has_context else request.input.example_list.examples
    for value in examples:
        _example(value, target.add())


# --- responses ----------------------------------------------------------------------------------------------


def _decimal_text(value: float, double: bool = False) -> str:
    """WriteDecimal(): StrCat's 6 digits unless they don't round-trip, then max_digits10; '.0' on integers."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = "%.6g" % value
    back = float(text)
    if not double:
        back = struct.unpack("f", struct.pack("f", back))[0]
    if back != value:
        text = "%.17g" % value if double else "%.9g" % value
    if "." not in text and "e" not in text:
        text += ".0"
    return text


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
