"""Classify and Regress request bodies -> tf.Examples, following FillClassifyRegressRequestFromJson() of
TF Serving's util/json_tensor.cc.

``fill_examples_request`` copies the signature name, the optional ``"context"`` and the ``"examples"`` (each a
JSON object of features: strings and ``{"b64": ...}`` as bytes, decimals as floats, integers and booleans as
int64) into a ClassificationRequest or RegressionRequest.

Example:
    >>> from tensorflow_serving.apis import classification_pb2
    >>> request = classification_pb2.ClassificationRequest()
    >>> fill_examples_request({"examples": [{"text": "fine"}]}, request)
    >>> request.input.example_list.examples[0].features.feature["text"].bytes_list.value
    [b'fine']
"""

from __future__ import annotations

from tensorflow.core.example import example_pb2, feature_pb2

from albert_tf.serving import errors
from albert_tf.serving.rest_json_values import (
    _FLOAT_MAX, _FLOAT_MAX_INT, _INT64, _b64decode, _is_b64, _json_type, _lossless, json_text, signature_name_of,
)

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
