"""The server's configuration files, in the same text-proto formats stock TF Serving reads.

- ``--model_config_file``: a ``ModelServerConfig`` (``model_config_list { config { ... } }``), parsed with the
  message classes shipped in tensorflow-serving-api.
- ``--batching_parameters_file``: a ``BatchingParameters`` text proto.
- ``--monitoring_config_file``: a ``MonitoringConfig`` text proto (``prometheus_config { enable: true }``).
- ``--ssl_config_file``: an ``SSLConfig`` text proto (server_key, server_cert, custom_ca, client_verify).
- ``--tensorflow_session_config_file``: a TensorFlow ``ConfigProto`` text proto.

tensorflow-serving-api does not ship BatchingParameters, MonitoringConfig or SSLConfig, so they are declared
here with the field names of TF Serving's ``session_bundle_config.proto``, ``monitoring_config.proto`` and
``ssl_config.proto`` in a private descriptor pool.
Only the text format is read, so a file written for the stock server reads the same here.

Example:
    >>> cfg = parse_model_server_config(
    ...     "model_config_list { config { name: 'm' base_path: '/models/m' model_platform: 'tensorflow' } }")
    >>> [c.name for c in cfg.model_config_list.config]
    ['m']
    >>> parse_batching_parameters("max_batch_size { value: 32 } pad_variable_length_inputs: true").max_batch_size
    32
"""

from __future__ import annotations

import dataclasses
import logging
import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format, wrappers_pb2
from tensorflow.core.protobuf import config_pb2
from tensorflow_serving.config import model_server_config_pb2

from albert_tf.serving import errors

logger = logging.getLogger("albert_tf.serving")

TENSORFLOW_PLATFORM = "tensorflow"
DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics"


def _server_option_messages():
    """Build BatchingParameters and MonitoringConfig message classes in a private descriptor pool."""
    pool = descriptor_pool.DescriptorPool()
    wrappers = descriptor_pb2.FileDescriptorProto()
    wrappers_pb2.DESCRIPTOR.CopyToProto(wrappers)
    pool.Add(wrappers)
    F = descriptor_pb2.FieldDescriptorProto
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="albert_tf/serving/server_options.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=["google/protobuf/wrappers.proto"],
    )

    def add(message, name, number, kind, type_name="", repeated=False):
        field = message.field.add(
            name=name, number=number, type=kind, label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL
        )
        if type_name:
            field.type_name = type_name

    batching = file_proto.message_type.add(name="BatchingParameters")
    int64_value, string_value = ".google.protobuf.Int64Value", ".google.protobuf.StringValue"
    add(batching, "max_batch_size", 1, F.TYPE_MESSAGE, int64_value)
    add(batching, "batch_timeout_micros", 2, F.TYPE_MESSAGE, int64_value)
    add(batching, "max_enqueued_batches", 3, F.TYPE_MESSAGE, int64_value)
    add(batching, "num_batch_threads", 4, F.TYPE_MESSAGE, int64_value)
    add(batching, "thread_pool_name", 5, F.TYPE_MESSAGE, string_value)
    add(batching, "allowed_batch_sizes", 6, F.TYPE_INT64, repeated=True)
    add(batching, "pad_variable_length_inputs", 7, F.TYPE_BOOL)

    prometheus = file_proto.message_type.add(name="PrometheusConfig")
    add(prometheus, "enable", 1, F.TYPE_BOOL)
    add(prometheus, "path", 2, F.TYPE_STRING)
    monitoring = file_proto.message_type.add(name="MonitoringConfig")
    add(monitoring, "prometheus_config", 1, F.TYPE_MESSAGE, ".tensorflow.serving.PrometheusConfig")

    ssl = file_proto.message_type.add(name="SSLConfig")
    add(ssl, "server_key", 1, F.TYPE_STRING)
    add(ssl, "server_cert", 2, F.TYPE_STRING)
    add(ssl, "custom_ca", 3, F.TYPE_STRING)
    add(ssl, "client_verify", 4, F.TYPE_BOOL)

    pool.Add(file_proto)
    get = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.serving.{name}"))
    return get("BatchingParameters"), get("MonitoringConfig"), get("SSLConfig")


BatchingParametersProto, MonitoringConfigProto, SSLConfigProto = _server_option_messages()


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """Batching knobs, with SharedBatchScheduler's defaults for anything a file leaves out."""

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)
    allowed_batch_sizes: tuple[int, ...] = ()
    pad_variable_length_inputs: bool = False


@dataclasses.dataclass(frozen=True)
class MonitoringOptions:
    """Prometheus export on the REST port."""

    prometheus_enabled: bool = False
    prometheus_path: str = DEFAULT_PROMETHEUS_PATH


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise errors.config_file_unreadable(path, e.strerror or str(e)) from e


def _parse_text_proto(text: str, message, path: str):
    """ParseProtoTextFile: on a syntax error, log protobuf's own line and fail with stock's status text."""
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as e:
        # The line libprotobuf's TextFormat logs; scripts (and upstream's testBadModelConfig) grep for it.
        logger.error("Error parsing text-format %s: %s", message.DESCRIPTOR.full_name, e)
        raise errors.config_text_unparsable(path, str(e)) from e
    return message


def parse_model_server_config(text: str, path: str = "<text>") -> model_server_config_pb2.ModelServerConfig:
    """Parse a ModelServerConfig text proto (a models.config file's content)."""
    return _parse_text_proto(text, model_server_config_pb2.ModelServerConfig(), path)


def load_model_server_config(path: str) -> model_server_config_pb2.ModelServerConfig:
    """Read ``--model_config_file``."""
    return parse_model_server_config(_read(path), path)


def single_model_config(model_name: str, base_path: str) -> model_server_config_pb2.ModelServerConfig:
    """The config stock TF Serving builds from ``--model_name`` and ``--model_base_path``."""
    config = model_server_config_pb2.ModelServerConfig()
    entry = config.model_config_list.config.add()
    entry.name = model_name
    entry.base_path = base_path
    entry.model_platform = TENSORFLOW_PLATFORM
    return config


def validate_model_config_list(config: model_server_config_pb2.ModelServerConfig) -> None:
    """ServerCore's checks: unique names, absolute base paths, a platform this server serves."""
    names = set()
    for model in config.model_config_list.config:
        if model.name in names:
            raise errors.duplicate_model_in_config(model.name)
        names.add(model.name)
    for model in config.model_config_list.config:
        if not os.path.isabs(model.base_path) and "://" not in model.base_path:
            raise errors.relative_base_path(model.name, model.base_path)
    for model in config.model_config_list.config:
        platform = model.model_platform
        if not platform and model.model_type == model_server_config_pb2.TENSORFLOW:
            platform = TENSORFLOW_PLATFORM
        if not platform:
            raise errors.no_model_platform()
        if platform != TENSORFLOW_PLATFORM:
            raise errors.unsupported_platform(model.name, platform)


def parse_batching_parameters(text: str, path: str = "<text>") -> BatchingOptions:
    """Parse a BatchingParameters text proto into BatchingOptions."""
    proto = BatchingParametersProto()
    try:
        text_format.Parse(text, proto)
    except text_format.ParseError as e:
        raise errors.batching_parameters_invalid(path, str(e)) from e
    defaults = BatchingOptions()
    pick = lambda field, default: getattr(proto, field).value if proto.HasField(field) else default
    options = BatchingOptions(
        max_batch_size=pick("max_batch_size", defaults.max_batch_size),
        batch_timeout_micros=pick("batch_timeout_micros", defaults.batch_timeout_micros),
        max_enqueued_batches=pick("max_enqueued_batches", defaults.max_enqueued_batches),
        num_batch_threads=pick("num_batch_threads", defaults.num_batch_threads),
        allowed_batch_sizes=tuple(proto.allowed_batch_sizes),
        pad_variable_length_inputs=proto.pad_variable_length_inputs,
    )
    if options.max_batch_size < 1 or options.num_batch_threads < 1 or options.max_enqueued_batches < 1:
        raise errors.batching_parameters_invalid(
            path, "max_batch_size, num_batch_threads and max_enqueued_batches must be at least 1"
        )
    if options.batch_timeout_micros < 0:
        raise errors.batching_parameters_invalid(path, "batch_timeout_micros must not be negative")
    sizes = options.allowed_batch_sizes
    if sizes:
        if any(b <= a for a, b in zip(sizes, sizes[1:])) or sizes[0] < 1:
            raise errors.batching_parameters_invalid(path, "allowed_batch_sizes must be positive and increasing")
        if sizes[-1] != options.max_batch_size:
            raise errors.batching_parameters_invalid(
                path, "the last entry of allowed_batch_sizes must equal max_batch_size"
            )
    return options


def load_batching_parameters(path: str) -> BatchingOptions:
    """Read ``--batching_parameters_file`` (no path: the defaults stock TF Serving uses)."""
    return parse_batching_parameters(_read(path), path) if path else BatchingOptions()


def parse_monitoring_config(text: str, path: str = "<text>") -> MonitoringOptions:
    """Parse a MonitoringConfig text proto."""
    proto = _parse_text_proto(text, MonitoringConfigProto(), path)
    prometheus = proto.prometheus_config
    return MonitoringOptions(
        prometheus_enabled=prometheus.enable, prometheus_path=prometheus.path or DEFAULT_PROMETHEUS_PATH
    )


def load_monitoring_config(path: str) -> MonitoringOptions:
    """Read ``--monitoring_config_file`` (no path: monitoring off)."""
    return parse_monitoring_config(_read(path), path) if path else MonitoringOptions()


def load_ssl_config(path: str):
    """Read ``--ssl_config_file`` into an SSLConfig message."""
    return _parse_text_proto(_read(path), SSLConfigProto(), path)


def session_config(*, session_config_file: str = "", session_parallelism: int = 0, intra_op_parallelism: int = 0,
                   inter_op_parallelism: int = 0) -> config_pb2.ConfigProto:
    """The Session ConfigProto stock builds from --tensorflow_session_config_file and the *_parallelism flags.

    >>> session_config(intra_op_parallelism=2).intra_op_parallelism_threads
    2
    """
    proto = config_pb2.ConfigProto()
    if session_config_file:
        _parse_text_proto(_read(session_config_file), proto, session_config_file)
    if intra_op_parallelism > 0 and inter_op_parallelism > 0 and session_parallelism > 0:
        raise errors.parallelism_overconfigured()
    if intra_op_parallelism > 0 or inter_op_parallelism > 0:
        proto.intra_op_parallelism_threads = intra_op_parallelism
        proto.inter_op_parallelism_threads = inter_op_parallelism
    else:  # 0 (the default) lets TensorFlow size both pools
        proto.intra_op_parallelism_threads = session_parallelism
        proto.inter_op_parallelism_threads = session_parallelism
    return proto


def parse_grpc_channel_arguments(text: str) -> list[tuple[str, int | str]]:
    """--grpc_channel_arguments: ``k=v,k2=v2``; values that parse as int32 are passed as ints (as stock does).

    >>> parse_grpc_channel_arguments("grpc.max_connection_age_ms=2000,grpc.lb_policy_name=grpclb")
    [('grpc.max_connection_age_ms', 2000), ('grpc.lb_policy_name', 'grpclb')]
    """
    result = []
    for argument in text.split(",") if text else []:
        key, sep, value = argument.partition("=")
        if not sep or not key:
            raise errors.bad_grpc_channel_argument(argument)
        try:
            number = int(value)
            result.append((key, number if -2**31 <= number < 2**31 else value))
        except ValueError:
            result.append((key, value))
    return result
