"""The errors of a request to a model: ModelSpec and servable lookup, Predict, Classify/Regress/MultiInference,
metadata and status, each with stock ``tensorflow_model_server``'s code and exact message.

Each function mirrors one error site of TF Serving (2.20-2.21) and names the source file it comes from
(server_core.cc, predict_util.cc, classifier.cc, regressor.cc, multi_inference.cc, get_model_*_impl.cc).

Example:
    >>> e = servable_not_found_latest("ads")
    >>> (e.code.name, e.http_status, e.message)
    ('NOT_FOUND', 404, 'Servable not found for request: Latest(ads)')
"""

from __future__ import annotations

import re
from typing import Iterable

import grpc

from albert_tf.serving.serving_error import ServingError, _braces, _invalid, _precondition

# A SignatureDef's TensorInfo names (graph tensors such as "StatefulPartitionedCall_4:0") in its text form.
_TENSOR_NAME_LINE = re.compile(r"^[ \t]*name: \"[^\"\n]*\"\n", re.MULTILINE)


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
