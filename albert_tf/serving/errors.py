"""Every error the embedded server can return, with TF Serving's status codes and exact messages.

This is the one place for the wording. Each function mirrors one error site of stock
``tensorflow_model_server`` (2.20-2.21) and names the TF Serving source it comes from, so a client that
matches on a message or a code sees no difference between the two servers. Messages the embedded server
adds (request size limit, shutdown) are marked as its own.

The definitions live in four modules, all re-exported here (callers use ``errors.<name>``):

- ``serving_error``: ServingError, ``http_status``, ``code_from_number``;
- ``request_errors``: ModelSpec and servable lookup, Predict, Classify/Regress/MultiInference, metadata, status;
- ``server_errors``: configuration and flags, loading and warmup, batching, the embedded server's own limits;
- ``rest_errors``: REST routing and REST JSON.

Example:
    >>> from albert_tf.serving import errors
    >>> e = errors.servable_not_found_latest("ads")
    >>> (e.code.name, e.http_status, e.message)
    ('NOT_FOUND', 404, 'Servable not found for request: Latest(ads)')
"""

from __future__ import annotations

from albert_tf.serving.serving_error import (  # noqa: F401
    _CODE_BY_NUMBER, _HTTP_STATUS, _NODE_ANNOTATION, ServingError, _braces, _invalid, _precondition,
    code_from_number, http_status,
)
from albert_tf.serving.request_errors import (  # noqa: F401
    _TENSOR_NAME_LINE, _public, classes_scores_disagree, classification_batch_size,
    classify_regress_signature_not_found, dtype_mismatch, duplicate_output_alias,
    expected_batch_by_classes_shape, expected_classes_dtype, expected_one_input_tensor,
    expected_one_or_two_outputs, expected_one_output_tensor, expected_scores_dtype,
    input_alias_not_in_request, input_is_empty, input_size_mismatch, metadata_field_not_supported,
    metadata_field_required, missing_model_spec, model_spec_has_no_name, multi_inference_duplicate_signature,
    multi_inference_empty_model_name, multi_inference_mixed_models, multi_inference_signature_not_found,
    multi_inference_unsupported_method, no_classification_inputs, no_classification_outputs,
    no_regression_inputs, no_regression_outputs, no_versions_for_status, output_alias_not_found,
    predict_signature_not_found, regression_batch_size, regression_output_dtype, regression_output_shape,
    reload_config_type_not_supported, request_input_not_in_signature, servable_not_found_latest,
    servable_not_found_specific, tensor_parsing_error, unexpected_prediction_signature_method,
    unexpected_signature_method, unrecognized_version_label, version_not_found_for_status,
)
from albert_tf.serving.server_errors import (  # noqa: F401
    alts_and_ssl, bad_grpc_channel_argument, batching_file_without_batching, batching_no_dimension,
    batching_no_inputs, batching_output_no_dimension, batching_output_size_mismatch,
    batching_parameters_invalid, batching_queue_full, batching_queue_timeout, batching_shapes_differ,
    batching_task_too_large, batching_unequal_batch_sizes, body_incomplete, config_file_unreadable,
    config_text_unparsable, config_transition_not_allowed, deadline_exceeded, duplicate_model_in_config,
    health_check_unavailable, internal_error, label_for_unavailable_version, length_required,
    models_did_not_become_available, no_grpc_listener, no_model_platform, no_model_source, no_versions_found,
    parallelism_overconfigured, relative_base_path, request_too_large, savedmodel_load_failed,
    server_shutting_down, unsupported_platform, warmup_not_tfrecord, warmup_too_many_records,
    warmup_unparsable_record, warmup_unsupported_log_type,
)
from albert_tf.serving.rest_errors import (  # noqa: F401
    cors_origin_missing, json_base64_format, json_base64_undecodable, json_empty_document,
    json_empty_input_map, json_empty_results, json_empty_tensor_map, json_example_not_object,
    json_expecting_object, json_expecting_value, json_feature_bad_type, json_feature_kind_mismatch,
    json_feature_uint64, json_format_error, json_inputs_plain_value_multiple_inputs,
    json_instance_element_failed, json_instance_keys_mismatch, json_instances_plain_list_multiple_inputs,
    json_list_too_deep, json_list_wrong_size, json_lossy_decimal, json_missing_inputs_or_instances,
    json_missing_named_input, json_output_batch_mismatch, json_output_dtype_unsupported,
    json_output_without_shape, json_parse_error, json_signature_name_not_string, json_tensor_shape_mismatch,
    json_tensor_size_mismatch, json_type_error, json_unknown_named_input, json_unsupported_dtype,
    json_value_at_wrong_level, malformed_request, missing_model_name, rest_signature_not_found,
    version_not_numeric,
)
