"""REST JSON <-> tensors, following TF Serving's util/json_tensor.cc.

Requests: ``{"signature_name"?, "instances": [...]}`` (row format) or ``{"signature_name"?, "inputs": ...}``
(columnar); strings may be ``{"b64": "..."}``; classify/regress bodies list tf.Example features. Responses:
``{"predictions": [...]}`` / ``{"outputs": ...}``, ``{"results": ...}``, ``{"error": "..."}``. Type rules follow
rapidjson's: ``1`` is an integer, ``1.0`` a decimal, and a decimal never fills an integer tensor. Floats are
written as TF Serving writes them (6 significant digits unless more are needed to round-trip, ``.0`` on
whole numbers, ``NaN``/``Infinity``).

The parts live in four modules, all re-exported here (callers use ``rest_json.<name>``):

- ``rest_json_values``: parsing a body, quoting values in errors, b64, the number rules, ROW / COLUMNAR;
- ``rest_json_predict``: predict bodies -> tensors (``decode_predict_inputs``);
- ``rest_json_examples``: classify/regress bodies -> tf.Examples (``fill_examples_request``);
- ``rest_json_responses``: responses and errors -> JSON (``predict_json``, ``status_json``, ``error_json``, ...).

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

from albert_tf.serving.rest_json_values import (  # noqa: F401
    COLUMNAR, ROW, _DECODER, _DOUBLE_MAX_INT, _ESCAPE, _FLOAT_MAX, _FLOAT_MAX_INT, _INT32, _INT64,
    _JSON_WHITESPACE, _UINT32_MAX, _UINT64_MAX, _b64decode, _byte_offset, _check_surrogates, _decimal_text,
    _innermost_container, _is_b64, _json_type, _lossless, _parse_int, _rapidjson_reason, json_text,
    parse_body, signature_name_of,
)
from albert_tf.serving.rest_json_predict import (  # noqa: F401
    _FAST_KINDS, _Collector, _column, _decode_instances, _dense_shape, _fast_array, _fill, _is_int, _scalar,
    _shape_text, _to_array, decode_predict_inputs,
)
from albert_tf.serving.rest_json_examples import (  # noqa: F401
    _add_feature_value, _example, fill_examples_request,
)
from albert_tf.serving.rest_json_responses import (  # noqa: F401
    _leaf_formatter, _message_json, _string_text, _tensor_text, classification_json, error_json,
    metadata_json, predict_json, regression_json, status_json,
)
