"""The errors of the REST front end: request routing (http_rest_api_handler.cc) and the JSON <-> tensor
conversion (util/json_tensor.cc), with TF Serving's codes and exact messages.

Example:
    >>> e = json_parse_error("Invalid value.", 0)
    >>> (e.code.name, e.http_status, e.message)
    ('INVALID_ARGUMENT', 400, 'JSON Parse error: Invalid value. at offset: 0')
"""

from __future__ import annotations

from typing import Iterable

import grpc

from albert_tf.serving.serving_error import ServingError, _invalid, _precondition


# --- REST (http_rest_api_handler.cc, http_rest_api_util.cc) ------------------------------------------------


def cors_origin_missing() -> ServingError:
    return _precondition("Origin header is missing in CORS preflight")


def malformed_request(http_method: str, path: str) -> ServingError:
    return _invalid(f"Malformed request: {http_method} {path}")


def version_not_numeric(version_text: str) -> ServingError:
    return _invalid(f"Failed to convert version: {version_text} to numeric.")


def missing_model_name() -> ServingError:
    return _invalid("Missing model name in request.")


def rest_signature_not_found(signature_name: str) -> ServingError:
    return _invalid(f'Serving signature name: "{signature_name}" not found in signature def')


# --- REST JSON (util/json_tensor.cc) -----------------------------------------------------------------------


def json_empty_document() -> ServingError:
    return _invalid("JSON Parse error: The document is empty")


def json_parse_error(reason: str, offset: int) -> ServingError:
    return _invalid(f"JSON Parse error: {reason} at offset: {offset}")


def json_format_error(value_text: str, detail: str) -> ServingError:
    return _invalid(f"JSON Value: {value_text} {detail}")


def json_signature_name_not_string(document_text: str) -> ServingError:
    return _invalid(
        f"JSON Value: {document_text} not formatted correctly. 'signature_name' key must be a string value."
    )


def json_empty_input_map(signature_name: str) -> ServingError:
    return _invalid(f"Failed to get input map for signature: {signature_name or 'DEFAULT'}")


def json_missing_inputs_or_instances() -> ServingError:
    return _invalid("Missing 'inputs' or 'instances' key")


def json_type_error(value_text: str, json_type: str, dtype_name: str) -> ServingError:
    return _invalid(f"JSON Value: {value_text} Type: {json_type} is not of expected type: {dtype_name}")


def json_lossy_decimal(value_text: str, target: str) -> ServingError:
    return _invalid(f"Cannot convert JSON value: {value_text} to {target} without loss of precision.")


def json_unsupported_dtype(value_text: str, dtype_name: str) -> ServingError:
    return ServingError(
        grpc.StatusCode.UNIMPLEMENTED, f"Conversion of JSON Value: {value_text} to type: {dtype_name}"
    )


def json_base64_format(value_text: str) -> ServingError:
    return _invalid(f"JSON Value: {value_text} not formatted correctly for base64 data")


def json_base64_undecodable() -> ServingError:
    return _invalid("Unable to base64 decode")


def json_value_at_wrong_level(value_text: str, level: int, rank: int) -> ServingError:
    return _invalid(f"JSON Value: {value_text} found at incorrect level: {level + 1} in the JSON DOM. "
                    f"Expected at level: {rank}")


def json_list_too_deep(level: int, rank: int) -> ServingError:
    return _invalid(f"Encountered list at unexpected level: {level} expected < {rank}")


def json_list_wrong_size(size: int, level: int, expected: int) -> ServingError:
    return _invalid(f"Encountered list at unexpected size: {size} at level: {level} expected size: {expected}")


def json_unknown_named_input(name: str) -> ServingError:
    return _invalid(f"JSON object: does not have named input: {name}")


def json_tensor_size_mismatch(expected: int, got: int) -> ServingError:
    return _invalid(f"Expecting tensor size: {expected} but got: {got}")


def json_tensor_shape_mismatch(expected: str, got: str) -> ServingError:
    return _invalid(f"Expecting shape {expected} but got: {got}")


def json_instances_plain_list_multiple_inputs() -> ServingError:
    return _invalid(
        "instances is a plain list, but expecting list of objects as multiple input tensors required as per "
        "tensorinfo_map"
    )


def json_expecting_object(item: int) -> ServingError:
    return _invalid(f"Expecting object but got list at item {item} of input list")


def json_expecting_value(item: int) -> ServingError:
    return _invalid(f"Expecting value/list but got object at item {item} of input list")


def json_instance_element_failed(item: int, key: str | None, cause: ServingError) -> ServingError:
    where = f"{item} key: {key}" if key is not None else f"{item}"
    return _invalid(f"Failed to process element: {where} of 'instances' list. Error: {cause}")


def json_instance_keys_mismatch(item: int, object_text: str, input_names: Iterable[str]) -> ServingError:
    return _invalid(
        f"Failed to process element: {item} of 'instances' list. JSON object: {object_text} "
        f"keys must be equal to: {','.join(sorted(input_names))}"
    )


def json_inputs_plain_value_multiple_inputs() -> ServingError:
    return _invalid(
        "inputs is a plain value/list, but expecting an object as multiple input tensors required as per "
        "tensorinfo_map"
    )


def json_missing_named_input(name: str) -> ServingError:
    return _invalid(f"Missing named input: {name} in 'inputs' object.")


def json_feature_bad_type(feature_name: str, json_type: str) -> ServingError:
    return _invalid(f"Feature: {feature_name} has element with unexpected JSON type: {json_type}")


def json_feature_kind_mismatch(feature_name: str, kind: str) -> ServingError:
    return _invalid(f"Unexpected element type in feature: {feature_name} expecting type: {kind}")


def json_feature_uint64(feature_name: str) -> ServingError:
    return _invalid(f"Feature: {feature_name} has uint64 element. Only int64 is supported.")


def json_example_not_object(json_type: str) -> ServingError:
    return _invalid(f"Example must be JSON object but got JSON {json_type}")


def json_empty_tensor_map() -> ServingError:
    return _invalid("Cannot convert empty tensor map to JSON")


def json_output_without_shape(name: str) -> ServingError:
    return _invalid(f"Tensor name: {name} has no shape information ")


def json_output_batch_mismatch(name: str, size: int, expected: int) -> ServingError:
    return _invalid(f"Tensor name: {name} has inconsistent batch size: {size} expecting: {expected}")


def json_empty_results(kind: str) -> ServingError:
    return _invalid(f"Cannot convert empty {kind} to JSON")


def json_output_dtype_unsupported(dtype_name: str) -> ServingError:
    return _invalid(f"Failed to write JSON value for tensor type: {dtype_name}")
