"""TensorProto <-> numpy, with the semantics of TensorFlow's C++ ``Tensor::FromProto`` / ``AsProtoField``.

TF Serving decodes request tensors with ``Tensor::FromProto`` (a typed field with fewer values than elements
is filled with its last value; no values means zeros; ``tensor_content`` must be exactly the right size) and
encodes responses with ``AsProtoField`` (typed fields such as ``float_val``, never ``tensor_content``). The
embedded server does the same so that clients see identical tensors.

Example:
    >>> import numpy as np
    >>> proto = to_tensor_proto(np.array([[1.5, 2.0]], np.float32))
    >>> list(proto.float_val), [d.size for d in proto.tensor_shape.dim]
    ([1.5, 2.0], [1, 2])
    >>> from_tensor_proto(proto).tolist()
    [[1.5, 2.0]]
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, types_pb2

# DataTypeString() of tensorflow/core/framework/types.cc: the names TF Serving puts into messages.
DTYPE_NAMES = {
    types_pb2.DT_FLOAT: "float",
    types_pb2.DT_DOUBLE: "double",
    types_pb2.DT_INT32: "int32",
    types_pb2.DT_UINT8: "uint8",
    types_pb2.DT_INT16: "int16",
    types_pb2.DT_INT8: "int8",
    types_pb2.DT_STRING: "string",
    types_pb2.DT_COMPLEX64: "complex64",
    types_pb2.DT_INT64: "int64",
    types_pb2.DT_BOOL: "bool",
    types_pb2.DT_QINT8: "qint8",
    types_pb2.DT_QUINT8: "quint8",
    types_pb2.DT_QINT32: "qint32",
    types_pb2.DT_BFLOAT16: "bfloat16",
    types_pb2.DT_QINT16: "qint16",
    types_pb2.DT_QUINT16: "quint16",
    types_pb2.DT_UINT16: "uint16",
    types_pb2.DT_COMPLEX128: "complex128",
    types_pb2.DT_HALF: "half",
    types_pb2.DT_RESOURCE: "resource",
    types_pb2.DT_VARIANT: "variant",
    types_pb2.DT_UINT32: "uint32",
    types_pb2.DT_UINT64: "uint64",
}

# The TensorProto field that carries each dtype's values (tensor.proto).
_VALUE_FIELD = {
    types_pb2.DT_FLOAT: "float_val",
    types_pb2.DT_DOUBLE: "double_val",
    types_pb2.DT_INT32: "int_val",
    types_pb2.DT_INT16: "int_val",
    types_pb2.DT_INT8: "int_val",
    types_pb2.DT_UINT8: "int_val",
    types_pb2.DT_UINT16: "int_val",
    types_pb2.DT_INT64: "int64_val",
    types_pb2.DT_BOOL: "bool_val",
    types_pb2.DT_STRING: "string_val",
    types_pb2.DT_HALF: "half_val",
    types_pb2.DT_BFLOAT16: "half_val",
    types_pb2.DT_UINT32: "uint32_val",
    types_pb2.DT_UINT64: "uint64_val",
    types_pb2.DT_COMPLEX64: "scomplex_val",
    types_pb2.DT_COMPLEX128: "dcomplex_val",
}
# A few bytes of TensorProto can declare a huge shape that one value fills. Where TF's allocator would fail
# on such a request, decoding refuses it (as a parsing error) before it can exhaust the server's memory.
MAX_DECODED_ELEMENTS = 1 << 26
_BIT_PATTERN_TYPES = (types_pb2.DT_HALF, types_pb2.DT_BFLOAT16)  # values are uint16 bit patterns in half_val
_COMPLEX_TYPES = (types_pb2.DT_COMPLEX64, types_pb2.DT_COMPLEX128)  # values interleave real, imaginary


def dtype_name(dtype_enum: int) -> str:
    """DataTypeString(): ``dtype_name(types_pb2.DT_FLOAT) == "float"``."""
    return DTYPE_NAMES.get(dtype_enum, types_pb2.DataType.Name(dtype_enum).lower()[3:] if dtype_enum else "invalid")


def dtype_enum_name(dtype_enum: int) -> str:
    """DataType_Name(): ``dtype_enum_name(types_pb2.DT_FLOAT) == "DT_FLOAT"``."""
    try:
        return types_pb2.DataType.Name(dtype_enum)
    except ValueError:
        return str(dtype_enum)


def numpy_dtype(dtype_enum: int) -> np.dtype:
    """The numpy dtype the TF runtime uses for a DataType (object for strings)."""
    if dtype_enum == types_pb2.DT_STRING:
        return np.dtype(object)
    return np.dtype(tf.dtypes.as_dtype(dtype_enum).as_numpy_dtype)


def dtype_enum_of(array: np.ndarray) -> int:
    """The DataType of a numpy array as the TF runtime sees it (object and bytes arrays are strings)."""
    if array.dtype == object or array.dtype.kind in ("S", "U"):
        return types_pb2.DT_STRING
    return tf.dtypes.as_dtype(array.dtype).as_datatype_enum


def as_feedable(array: np.ndarray) -> np.ndarray:
    """Strings as an object array of bytes, the form a Session accepts for DT_STRING."""
    if array.dtype.kind == "U":
        return np.vectorize(lambda s: s.encode("utf-8"), otypes=[object])(array)
    if array.dtype.kind == "S":
        return array.astype(object)
    return array


def shape_of(proto: tensor_pb2.TensorProto) -> tuple[int, ...] | None:
    """The fully defined shape of a TensorProto, or None when TensorShape::IsValid would reject it."""
    shape = proto.tensor_shape
    if shape.unknown_rank:
        return None
    dims = tuple(d.size for d in shape.dim)
    if any(d < 0 for d in dims):
        return None
    return dims


def from_tensor_proto(proto: tensor_pb2.TensorProto) -> np.ndarray:
    """Decode a TensorProto like ``Tensor::FromProto``; raises ValueError where that returns false.

    Example:
        >>> p = tensor_pb2.TensorProto(dtype=types_pb2.DT_INT32, int_val=[7])
        >>> p.tensor_shape.dim.add(size=3)
        size: 3
        <BLANKLINE>
        >>> from_tensor_proto(p).tolist()  # one value fills the whole tensor
        [7, 7, 7]
    """
    dtype_enum = proto.dtype
    if dtype_enum not in _VALUE_FIELD:
        raise ValueError(f"unsupported dtype {dtype_enum_name(dtype_enum)}")
    dims = shape_of(proto)
    if dims is None:
        raise ValueError("invalid shape")
    count = 1
    for d in dims:
        count *= d
    if count > MAX_DECODED_ELEMENTS:
        raise ValueError(f"{count} elements is more than {MAX_DECODED_ELEMENTS}")
    np_dtype = numpy_dtype(dtype_enum)
    if proto.tensor_content:
        if dtype_enum == types_pb2.DT_STRING:
            raise ValueError("tensor_content is not supported for strings")
        if len(proto.tensor_content) != count * np_dtype.itemsize:
            raise ValueError("tensor_content has the wrong size")
        return np.frombuffer(proto.tensor_content, dtype=np_dtype).reshape(dims)
    if count == 0:
        return np.empty(dims, dtype=np_dtype)
    values = getattr(proto, _VALUE_FIELD[dtype_enum])
    if dtype_enum == types_pb2.DT_STRING:
        flat = np.empty(count, dtype=object)
        given = list(values[:count])
        if not given:
            given = [b""]
        flat[: len(given)] = given
        flat[len(given):] = given[-1]
        return flat.reshape(dims)
    if dtype_enum in _BIT_PATTERN_TYPES:
        given = np.array(values[:count], dtype=np.uint16).view(np_dtype)
    elif dtype_enum in _COMPLEX_TYPES:
        pairs = np.array(values[: 2 * count], dtype=np_dtype.type(0).real.dtype)
        given = (pairs[0::2] + 1j * pairs[1::2]).astype(np_dtype) if pairs.size >= 2 else np.empty(0, np_dtype)
    else:
        given = np.array(values[:count]).astype(np_dtype, copy=False)
    if given.size == count:
        return given.reshape(dims)
    flat = np.zeros(count, dtype=np_dtype)
    if given.size:
        flat[: given.size] = given
        flat[given.size:] = given[-1]
    return flat.reshape(dims)


def to_tensor_proto(array: np.ndarray) -> tensor_pb2.TensorProto:
    """Encode an array into typed fields like ``Tensor::AsProtoField`` (what TF Serving's Predict returns)."""
    array = np.asarray(array)
    dtype_enum = dtype_enum_of(array)
    proto = tensor_pb2.TensorProto(dtype=dtype_enum)
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    if array.size == 0:
        return proto
    flat = array.reshape(-1)
    field = getattr(proto, _VALUE_FIELD[dtype_enum])
    if dtype_enum == types_pb2.DT_STRING:
        field.extend(s if isinstance(s, bytes) else str(s).encode("utf-8") for s in flat.tolist())
    elif dtype_enum in _BIT_PATTERN_TYPES:
        field.extend(flat.view(np.uint16).tolist())
    elif dtype_enum in _COMPLEX_TYPES:
        field.extend(np.stack([flat.real, flat.imag], axis=-1).reshape(-1).tolist())
    else:
        field.extend(flat.tolist())
    return proto


def shape_debug_string(shape: tuple[int, ...]) -> str:
    """TensorShape::DebugString(): ``[2,3]``."""
    return "[" + ",".join(str(d) for d in shape) + "]"
