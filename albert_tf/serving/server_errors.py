"""The errors of the model server itself: its configuration and flags, loading and warming up models,
batching, and the embedded server's own limits (request size, shutdown, deadlines).

The configuration, loading and batching errors mirror stock ``tensorflow_model_server`` (server_core.cc,
main.cc, saved_model_warmup_util.cc, batching_session.cc) code for code and word for word; the last section
holds the messages the embedded server adds.

Example:
    >>> e = server_shutting_down()
    >>> (e.code.name, e.http_status, e.message)
    ('UNAVAILABLE', 503, 'Server is shutting down')
"""

from __future__ import annotations

import grpc

from albert_tf.serving.serving_error import ServingError, _invalid, _precondition


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
