"""Every error the embedded server can return, with TF Serving's status codes and exact messages.

This is the one place for the wording. Each function mirrors one error site of stock
``tensorflow_model_server`` (2.20-2.21) and names the TF Serving source it comes from, so a client that
matches on a message or a code sees no difference between the two servers. Messages the embedded server
adds (request size limit, shutdown) are marked as its own.

Example:
    >>> from albert_tf.serving import errors
    >>> e = errors.servable_not_found_latest("ads")
    >>> (e.code.name, e.http_status, e.message)
    ('NOT_FOUND', 404, 'Servable not found for request: Latest(ads)')
"""

from __future__ import annotations

import re
from typing import Iterable

import grpc

# TF Serving's http_server.cc ToHTTPStatusCode(): canonical code -> HTTP status of a REST reply.
_HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}
_CODE_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
# The TF runtime appends where an op failed ("\n\t [[{{function_node __inference_f_12}}{{node Reshape}}]]");
# stock passes that on, but graph internals mean nothing to a client and leak the model's structure.
_NODE_ANNOTATION = re.compile(r"\s*\[\[(?:\{\{function_node [^}]*\}\})*\{\{node [^}]*\}\}\]\]"
                              r"|\s*\[\[node [^\]]*\]\]")
# A SignatureDef's TensorInfo names (graph tensors such as "StatefulPartitionedCall_4:0") in its text form.
_TENSOR_NAME_LINE = re.compile(r"^[ \t]*name: \"[^\"\n]*\"\n", re.MULTILINE)


class ServingError(Exception):
    """A request failed: a canonical status code plus the message the client sees.

    Example:
        >>> raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Missing ModelSpec")
        Traceback (most recent call last):
        albert_tf.serving.errors.ServingError: INVALID_ARGUMENT: Missing ModelSpec
    """

    def __init__(self, code: grpc.StatusCode, message: str):
        message = _NODE_ANNOTATION.sub("", message)
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return http_status(self.code)

    @property
    def code_number(self) -> int:
        """The numeric code (tensorflow.error.Code and grpc share the numbering)."""
        return self.code.value[0]


def http_status(code: grpc.StatusCode) -> int:
    """HTTP status TF Serving's REST API uses for a canonical code (500 for anything unlisted)."""
    return _HTTP_STATUS.get(code, 500)


def code_from_number(number: int) -> grpc.StatusCode:
    """grpc.StatusCode for a tensorflow.error.Code number (UNKNOWN if out of range)."""
    return _CODE_BY_NUMBER.get(int(number), grpc.StatusCode.UNKNOWN)


def _invalid(message: str) -> ServingError:
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)


def _precondition(message: str) -> ServingError:
    return ServingError(grpc.StatusCode.FAILED_PRECONDITION, message)


def _braces(names: Iterable[str]) -> str:
    return "{" + ",".join(sorted(names)) + "}"


# --- Model spec and servable lookup (server_core.cc, *_service.cc, predict_impl.cc) -----------------------


def missing_model_spec() -> ServingError:
    return _invalid("Missing ModelSpec")


def model_spec_has_no_name() -> ServingError:
    return _invalid("ModelSpec has no name specified.")


def servable_not_found_latest(model_name: str) -> ServingError:
    return ServingError(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Latest({model_name})")


def servable_not_found_specific(model_name: str, version: int) -> ServingError:
    return ServingError(
        grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Specific({model_name}, {version})"
    )


def unrecognized_version_label(label: str) -> ServingError:
    return _invalid(f"Unrecognized servable version label: {label}")


# --- Predict (predict_util.cc, tensorflow/cc/saved_model/util.cc, Session::Run) ----------------------------


def predict_signature_not_found(signature_name: str) -> ServingError:
    return _precondition(f'Serving signature key "{signature_name}" not found.')


def input_size_mismatch(request_inputs: Iterable[str], signature_inputs: Iterable[str]) -> ServingError:
    sent, wanted = set(request_inputs), set(signature_inputs)
    return _invalid(
        f"input size does not match signature: {len(sent)}!={len(wanted)} "
        f"len({_braces(sent)}) != len({_braces(wanted)}). "
        f"Sent extra: {_braces(sent - wanted)}. Missing but required: {_braces(wanted - sent)}."
    )


def input_alias_not_in_request(
    alias: str, feed_name: str, request_inputs: Iterable[str], default_inputs: Iterable[str]
) -> ServingError:
    return _invalid(
        f"Signature input alias: {alias}(feed name: {feed_name}) not found in request and no default value "
        f"provided. Inputs expected to be in the request {_braces(request_inputs)}, or default input alias set: "
        + ",".join(sorted(default_inputs))
    )


def request_input_not_in_signature(used: Iterable[str], request_inputs: Iterable[str]) -> ServingError:
    return _invalid(
        f"Inputs contains invalid name. Used request inputs: {','.join(sorted(used))}, "
        f"request input: {','.join(sorted(request_inputs))}"
    )


def tensor_parsing_error(alias: str) -> ServingError:
    return _invalid(f"tensor parsing error: {alias}")


def output_alias_not_found(alias: str, signature_outputs: Iterable[str]) -> ServingError:
    return _invalid(
        f"output tensor alias not found in signature: {alias} "
        f"Outputs expected to be in the set {_braces(signature_outputs)}."
    )


def duplicate_output_alias(alias: str) -> ServingError:
    return _invalid(f"duplicate output tensor alias: {alias}")


def dtype_mismatch(arg_index: int, expected: str, provided: str) -> ServingError:
    # FunctionCallFrame::SetArgs, reached through DirectSession::Run; dtype names as DataTypeString().
    return _invalid(f"Expects arg[{arg_index}] to be {expected} but {provided} is provided")


# --- Classify / Regress / MultiInference (classifier.cc, regressor.cc, util.cc, multi_inference.cc) ------


def classify_regress_signature_not_found(signature_name: str) -> ServingError:
    return _invalid(f"No signature was found with the name: {signature_name}")


def input_is_empty() -> ServingError:
    return _invalid("Input is empty.")


def expected_one_input_tensor() -> ServingError:
    return _invalid("Expected one input Tensor.")


def expected_one_or_two_outputs(count: int) -> ServingError:
    return _invalid(f"Expected one or two output Tensors, found {count}")


def unexpected_signature_method(kind: str, expected: str, method_name: str) -> ServingError:
    """--enable_signature_method_name_check: ``kind`` is classification or regression."""
    return _invalid(f"Expected {kind} signature method_name to be {expected}. Was: {method_name}")


def unexpected_prediction_signature_method(allowed: Iterable[str], method_name: str) -> ServingError:
    return ServingError(grpc.StatusCode.INTERNAL, "Expected prediction signature method_name to be one of {"
                        + ", ".join(allowed) + f"}}. Was: {method_name}")


def expected_one_output_tensor() -> ServingError:
    return _invalid("Expected one output Tensor.")


def _public(signature_text: str) -> str:
    """A SignatureDef's text as stock prints it, less the graph tensor names."""
    return _TENSOR_NAME_LINE.sub("", signature_text)


def no_classification_inputs(signature_text: str) -> ServingError:
    return _precondition(f"No classification inputs found in SignatureDef: {_public(signature_text)}")


def no_classification_outputs(signature_text: str) -> ServingError:
    return _precondition(
        'Expected classification signature outputs to contain at least one of "classes" or "scores". '
        f"Signature was: {_public(signature_text)}"
    )


def no_regression_inputs(signature_text: str) -> ServingError:
    return _precondition(f"No regression inputs found in SignatureDef: {_public(signature_text)}")


def no_regression_outputs(signature_text: str) -> ServingError:
    return _precondition(f"No regression outputs found in SignatureDef: {_public(signature_text)}")


def expected_batch_by_classes_shape(shape_text: str) -> ServingError:
    return _invalid(f"Expected Tensor shape: [batch_size num_classes] but got {shape_text}")


def expected_classes_dtype(dtype_enum_name: str) -> ServingError:
    return _invalid(f"Expected classes Tensor of DT_STRING. Got: {dtype_enum_name}")


def expected_scores_dtype(dtype_enum_name: str) -> ServingError:
    return _invalid(f"Expected scores Tensor of DT_FLOAT. Got: {dtype_enum_name}")


def classification_batch_size(which: str, expected: int, got: int) -> ServingError:
    return _invalid(f"Expected {which} output batch size of {expected}. Got: {got}")


def classes_scores_disagree(classes: int, scores: int) -> ServingError:
    return _invalid(f"Tensors class and score should match in dim_size(1). Got {classes} vs. {scores}")


def regression_output_shape(shape_text: str) -> ServingError:
    return _invalid(
        f"Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got {shape_text}"
    )


def regression_batch_size(expected: int, got: int) -> ServingError:
    return _invalid(f"Input batch size did not match output batch size: {expected} vs. {got}")


def regression_output_dtype(dtype_enum_name: str) -> ServingError:
    return _invalid(f"Expected output Tensor of DT_FLOAT.  Got: {dtype_enum_name}")


def multi_inference_empty_model_name() -> ServingError:
    return _invalid("Found ModelSpec with an empty model name.")


def multi_inference_mixed_models() -> ServingError:
    return _invalid("All ModelSpecs in a MultiInferenceRequest must access the same model name.")


def multi_inference_duplicate_signature(signature_name: str) -> ServingError:
    return _invalid(f"Duplicate evaluation of signature: {signature_name}")


def multi_inference_signature_not_found(signature_name: str) -> ServingError:
    return _invalid(f"Requested signature not found in model graph: {signature_name}")


def multi_inference_unsupported_method(method_name: str) -> ServingError:
    return ServingError(grpc.StatusCode.UNIMPLEMENTED, f"Unsupported signature method_name: {method_name}")


# --- Metadata and status (get_model_metadata_impl.cc, get_model_status_impl.cc, model_service_impl.cc) ------


def metadata_field_required() -> ServingError:
    return _invalid("GetModelMetadataRequest must specify at least one metadata_field")


def metadata_field_not_supported(field: str) -> ServingError:
    # TF Serving passes a printf pattern to errors::InvalidArgument, which concatenates instead of formatting:
    # the client really sees "...%s is not supported<field>".
    return _invalid(f"Metadata field %s is not supported{field}")


def version_not_found_for_status(model_name: str, version: int) -> ServingError:
    return ServingError(grpc.StatusCode.NOT_FOUND, f"Could not find version {version} of model {model_name}")


def no_versions_for_status(model_name: str) -> ServingError:
    return ServingError(grpc.StatusCode.NOT_FOUND, f"Could not find any versions of model {model_name}")


def reload_config_type_not_supported() -> ServingError:
    return _invalid(
        "ServerModelConfig type not supported by HandleReloadConfigRequest. "
        "Only ModelConfigList is currently supported"
    )


# --- Model server configuration (server_core.cc, main.cc) --------------------------------------------------


def duplicate_model_in_config(model_name: str) -> ServingError:
    return _invalid(f"Illegal to list model {model_name} multiple times in config list")


def relative_base_path(model_name: str, base_path: str) -> ServingError:
    return _invalid(f"Expected model {model_name} to have an absolute path or URI; got base_path()={base_path}")


def no_model_platform() -> ServingError:
    return _invalid(
        "Illegal setting neither ModelServerConfig::model_type (deprecated) nor ModelServerConfig::model_platform."
    )


def unsupported_platform(model_name: str, platform: str) -> ServingError:
    return _invalid(f"Model {model_name} requests unsupported platform {platform}")


def label_for_unavailable_version(model_name: str, version: int) -> ServingError:
    return _precondition(
        f"Request to assign label to version {version} of model {model_name}, "
        "which is not currently available for inference"
    )


def config_transition_not_allowed() -> ServingError:
    return _precondition(
        "Cannot transition to requested config. It is only legal to transition from one ModelConfigList to another."
    )


def no_model_source() -> ServingError:
    return _invalid("Both server_options.model_base_path and server_options.model_config_file are empty!")


def no_grpc_listener() -> ServingError:
    return _invalid(
        "At least one of server_options.grpc_port or server_options.grpc_socket_path must be set.")


def alts_and_ssl() -> ServingError:
    return _invalid("Either use_alts_credentials must be false or ssl_config_file must be empty.")


def batching_file_without_batching() -> ServingError:
    return _invalid("server_options.batching_parameters_file is set without setting "
                    "server_options.enable_batching to true.")


def parallelism_overconfigured() -> ServingError:
    return _invalid("Either configure server_options.tensorflow_session_parallelism or "
                    "(server_options.tensorflow_intra_op_parallelism, "
                    "server_options.tensorflow_inter_op_parallelism) separately. You cannot configure all.")


def health_check_unavailable() -> ServingError:
    return _precondition("--enable_grpc_healthcheck_service needs the grpcio-health-checking package "
                         "(albert-tf's serving extra)")


def bad_grpc_channel_argument(argument: str) -> ServingError:
    return _invalid(f"--grpc_channel_arguments: {argument!r} is not key=value")


def no_versions_found(model_name: str, base_path: str) -> ServingError:
    return ServingError(
        grpc.StatusCode.NOT_FOUND,
        f"No versions of servable {model_name} found under base path {base_path}. "
        "Did you forget to name your leaf directories as numbers (eg. /1/, /2/)?",
    )


def models_did_not_become_available(details: list[str]) -> ServingError:
    return ServingError(
        grpc.StatusCode.UNKNOWN,
        f"{len(details)} model(s) did not become available: {{" + "".join(f"{{{d}}}, " for d in details) + "}",
    )


def config_file_unreadable(path: str, reason: str) -> ServingError:
    return _invalid(f"Failed to read model config file {path}: {reason}")


def config_text_unparsable(path: str, reason: str) -> ServingError:
    return _invalid(f"Invalid protobuf file: '{path}': {reason}")


# --- Loading and warmup (saved_model_warmup_util.cc, loader) -----------------------------------------------


def savedmodel_load_failed(path: str, reason: str) -> ServingError:
    return ServingError(grpc.StatusCode.UNKNOWN, f"Failed to load SavedModel from {path}: {reason}")


def warmup_too_many_records(limit: int, path: str) -> ServingError:
    return _invalid(f"Number of warmup records exceeds the maximum ({limit}) at {path}")


def warmup_unparsable_record(path: str) -> ServingError:
    return _invalid(f"Failed to parse warmup record from {path}")


def warmup_not_tfrecord(reason: str) -> ServingError:
    return ServingError(
        grpc.StatusCode.DATA_LOSS, f"{reason}. Please verify your warmup data is in TFRecord format."
    )


def warmup_unsupported_log_type(log_type: str) -> ServingError:
    return ServingError(grpc.StatusCode.UNIMPLEMENTED, f"Unsupported log_type for warmup: {log_type}")


# --- Batching (batching_session.cc, shared_batch_scheduler.h) ----------------------------------------------


def batching_no_inputs() -> ServingError:
    return _invalid("Batching session Run() must have at least one input tensor")


def batching_no_dimension() -> ServingError:
    return _invalid("Batching session Run() input tensors must have at least one dimension")


def batching_unequal_batch_sizes() -> ServingError:
    return _invalid("Batching session Run() input tensors must have equal 0th-dimension size")


def batching_task_too_large(size: int, limit: int) -> ServingError:
    return _invalid(f"Task size {size} is larger than maximum input batch size {limit}")


def batching_queue_full() -> ServingError:
    return ServingError(
        grpc.StatusCode.UNAVAILABLE, "The batch scheduling queue to which this task was submitted is full"
    )


def batching_shapes_differ(tensor_name: str) -> ServingError:
    # The missing spaces are TF Serving's own (string concatenation in batching_session.cc).
    return _precondition(
        f"Tensors with name '{tensor_name}' from different tasks have different shapes and padding is turned off."
        "Set pad_variable_length_inputs to true, or ensure that all tensors with the same name"
        "have equal dimensions starting with the first dim."
    )


def batching_output_no_dimension() -> ServingError:
    return _precondition("Batched output tensor has 0 dimensions")


def batching_output_size_mismatch() -> ServingError:
    return _precondition(
        "Batched output tensor's 0th dimension does not equal the sum of the 0th dimension sizes of the input tensors"
    )


def batching_queue_timeout() -> ServingError:
    return ServingError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, "Run() timeout exceeded while waiting in batching queue"
    )


def batching_parameters_invalid(path: str, reason: str) -> ServingError:
    return _invalid(f"Invalid batching parameters in {path}: {reason}")


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


# --- The embedded server's own limits ---------------------------------------------------------------------


def request_too_large(size: int, limit: int) -> ServingError:
    """The embedded server's request size limit (stock REST has none; stock gRPC uses grpc's own message)."""
    return ServingError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"Request body of {size} bytes exceeds the maximum request size of {limit} bytes (--max_request_bytes)",
    )


def body_incomplete(received: int, declared: int) -> ServingError:
    return _invalid(f"Request body ended after {received} of the {declared} bytes its Content-Length declares")


def length_required() -> ServingError:
    return _invalid("Request body length unknown: send Content-Length or chunked transfer encoding")


def server_shutting_down() -> ServingError:
    return ServingError(grpc.StatusCode.UNAVAILABLE, "Server is shutting down")


def internal_error(message: str) -> ServingError:
    """An unexpected failure inside the server (a bug, not a bad request)."""
    return ServingError(grpc.StatusCode.INTERNAL, message)


def deadline_exceeded() -> ServingError:
    return ServingError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
