"""`albert-tf serve`: run the embedded TF Serving-compatible model server.

Every flag of tensorflow_model_server 2.21 (its main.cc) is defined here with the same name, default and
meaning, so a command line or a models.config written for the stock server works unchanged. Differences on
purpose: --host (127.0.0.1; stock listens on all interfaces) and --max_request_bytes (4 MiB; stock accepts up
to 2 GiB) are this server's own. Flags that mean nothing on this CPU-only Python server (GPU, TPU, TFLite,
XLA, the profiler, thread-pool factories) are accepted and logged once as having no effect. REST is off
unless --rest_api_port is given, as in stock (the stock Docker image passes --rest_api_port=8501).
SIGTERM or Ctrl-C stops the server gracefully: no new requests, those in flight finish, every version unloads.

Example:
    $ albert-tf serve --model_name=sentiment --model_base_path=/tmp/export/sentiment --rest_api_port=8501
    $ albert-tf serve --model_config_file=serving/models.config --enable_batching \\
          --batching_parameters_file=serving/batching_parameters.txt --grpc_socket_path=/tmp/tfs.sock
"""

import dataclasses
import logging
import os
import signal
import sys
import threading

from absl import flags

_AUTO_THREADS = "Default: 4 x the CPUs this process may use, as stock."

# --- Flags with an effect here (ServerOptions fields of the same name) --------------------------------------
flags.DEFINE_integer("port", 8500, "TCP port to listen on for gRPC API. Disabled if port set to zero.")
flags.DEFINE_string("grpc_socket_path", "", "If non-empty, listen to a UNIX socket for gRPC API on the given "
                    "path. Can be either relative or absolute path.")
flags.DEFINE_integer("rest_api_port", 0, "Port to listen on for HTTP/REST API. If set to zero HTTP/REST API "
                     "will not be exported. This port must be different than the one specified in --port.")
flags.DEFINE_integer("rest_api_num_threads", None, "Number of threads for HTTP/REST API processing. "
                     + _AUTO_THREADS)
flags.DEFINE_integer("rest_api_timeout_in_ms", 30000, "Timeout for HTTP/REST API calls.")
flags.DEFINE_bool("rest_api_enable_cors_support", False, "Enable CORS headers in response")
flags.DEFINE_bool("enable_batching", False, "enable batching")
flags.DEFINE_bool("allow_version_labels_for_unavailable_models", False,
                  "If true, allows assigning unused version labels to models that are not available yet.")
flags.DEFINE_string("batching_parameters_file", "", "If non-empty, read an ascii BatchingParameters protobuf "
                    "from the supplied file name and use the contained values instead of the defaults.")
flags.DEFINE_string("model_config_file", "", "If non-empty, read an ascii ModelServerConfig protobuf from the "
                    "supplied file name, and serve the models in that file. (If used, --model_name, "
                    "--model_base_path are ignored.)")
flags.DEFINE_integer("model_config_file_poll_wait_seconds", 0, "Interval in seconds between each poll of the "
                     "filesystem for model_config_file. If unset or set to zero, poll will be done exactly once "
                     "and not periodically.")
flags.DEFINE_string("model_name", "default", "name of model (ignored if --model_config_file flag is set)",
                    allow_override=True)
flags.DEFINE_string("model_base_path", "", "path to export (ignored if --model_config_file flag is set, "
                    "otherwise required)")
flags.DEFINE_integer("num_load_threads", 0, "The number of threads in the thread-pool used to load servables. "
                     "If set as 0, servable loads are performed serially. Default: 0")
flags.DEFINE_integer("num_unload_threads", 0, "The number of threads used to unload servables. If set as 0, "
                     "unloads are performed serially. Default: 0")
flags.DEFINE_integer("max_num_load_retries", 5, "maximum number of times it retries loading a model after the "
                     "first failure, before giving up. If set to 0, a load is attempted only once. Default: 5")
flags.DEFINE_integer("load_retry_interval_micros", 60_000_000, "The interval, in microseconds, between each "
                     "servable load retry. If set negative, it doesn't wait. Default: 1 minute")
flags.DEFINE_integer("file_system_poll_wait_seconds", 1, "Interval in seconds between each poll of the "
                     "filesystem for new model version. If set to zero poll will be exactly done once and not "
                     "periodically.")
flags.DEFINE_integer("tensorflow_session_parallelism", 0, "Number of threads to use for running a Tensorflow "
                     "session. Auto-configured by default.")
flags.DEFINE_string("tensorflow_session_config_file", "", "If non-empty, read an ascii TensorFlow Session "
                    "ConfigProto protobuf from the supplied file name. Parts of it (threads, parallelism) can "
                    "be overridden via the corresponding command line flags.")
flags.DEFINE_integer("tensorflow_intra_op_parallelism", 0, "Number of threads to use to parallelize the "
                     "execution of an individual op. Auto-configured by default.")
flags.DEFINE_integer("tensorflow_inter_op_parallelism", 0, "Controls the number of operators that can be "
                     "executed simultaneously. Auto-configured by default.")
flags.DEFINE_bool("use_alts_credentials", False, "Use Google ALTS credentials")
flags.DEFINE_string("ssl_config_file", "", "If non-empty, read an ascii SSLConfig protobuf from the supplied "
                    "file name and set up a secure gRPC channel")
flags.DEFINE_string("saved_model_tags", "", "Comma-separated set of tags corresponding to the meta graph def "
                    "to load from SavedModel. Default: serve")
flags.DEFINE_string("grpc_channel_arguments", "", "A comma separated list of arguments to be passed to the grpc "
                    "server. (e.g. grpc.max_connection_age_ms=2000)")
flags.DEFINE_integer("grpc_max_threads", None, "Max grpc server threads to handle grpc messages. "
                     + _AUTO_THREADS)
flags.DEFINE_bool("enable_model_warmup", True, "Enables model warmup, which triggers lazy initializations "
                  "(such as TF optimizations) at load time, to reduce first request latency.")
flags.DEFINE_integer("num_request_iterations_for_warmup", 0, "Number of times a request is iterated during "
                     "warmup replay. This value is used only if > 0.")
flags.DEFINE_bool("version", False, "Display version")
flags.DEFINE_string("monitoring_config_file", "", "If non-empty, read an ascii MonitoringConfig protobuf from "
                    "the supplied file name")
flags.DEFINE_bool("enable_signature_method_name_check", False, "Enable method_name check for SignatureDef. "
                  "Disable this if serving native TF2 regression/classification models.")
flags.DEFINE_bool("enable_grpc_healthcheck_service", False, "Enable the standard gRPC healthcheck service.")
flags.DEFINE_bool("enable_serialization_as_tensor_content", False,
                  "Enable serialization of predict response as tensor content.")
# --- This server's own ----------------------------------------------------------------------------------
flags.DEFINE_string("host", "127.0.0.1", "albert-tf only: address to bind gRPC and REST to (stock: all "
                    "interfaces). Use 0.0.0.0 to accept remote clients.")
flags.DEFINE_integer("max_request_bytes", 4 * 1024 * 1024, "albert-tf only: largest request accepted; larger "
                     "ones get RESOURCE_EXHAUSTED (gRPC) / 429 (REST). Stock accepts up to 2 GiB.")

# --- Stock flags with no meaning here: name -> (default, why). Accepted, logged once when given. -----------
NO_EFFECT = {
    "enable_per_model_batching_parameters": (False, "per-model batching_params.pbtxt is not read"),
    "flush_filesystem_caches": (True, "a Python server keeps no filesystem caches of its own to flush"),
    "platform_config_file": ("", "only the TensorFlow platform is served; configure it with the other flags"),
    "per_process_gpu_memory_fraction": (0.0, "no GPU"),
    "remove_unused_fields_from_bundle_metagraph": (True, "the MetaGraphDef is not kept after loading"),
    "prefer_tflite_model": (False, "no TensorFlow Lite runtime"),
    "num_tflite_pools": (0, "no TensorFlow Lite runtime"),
    "num_tflite_interpreters_per_pool": (1, "no TensorFlow Lite runtime"),
    "xla_cpu_compilation_enabled": (False, "XLA JIT is left as TensorFlow configures it"),
    "xla_gpu_compilation_enabled": (False, "no GPU"),
    "enable_profiler": (True, "no profiler service"),
    "thread_pool_factory_config_file": ("", "no custom thread-pool factories"),
    "mixed_precision": ("", "no mixed-precision rewrite (a GPU/TPU feature)"),
    "skip_initialize_tpu": (False, "no TPU"),
}
_DEFINE = {bool: flags.DEFINE_bool, str: flags.DEFINE_string, int: flags.DEFINE_integer, float: flags.DEFINE_float}
for _name, (_default, _why) in NO_EFFECT.items():
    _DEFINE[type(_default)](_name, _default, f"Stock flag, accepted; no effect here: {_why}.")

FLAGS = flags.FLAGS
logger = logging.getLogger("albert_tf.serving")


def server_options():
    """ServerOptions from the flags of the same names (unset thread counts keep ServerOptions' auto default)."""
    from albert_tf.serving import ServerOptions

    values = {f.name: FLAGS[f.name].value for f in dataclasses.fields(ServerOptions)}
    values = {name: value for name, value in values.items() if value is not None}
    # Relative paths are resolved here, for the command line's convenience; models.config needs absolute.
    values["model_base_path"] = os.path.abspath(FLAGS.model_base_path) if FLAGS.model_base_path else ""
    return ServerOptions(**values)


def _version_text() -> str:
    from importlib import metadata

    import tensorflow as tf

    import albert_tf

    return (f"TensorFlow ModelServer: {metadata.version('tensorflow-serving-api')} (albert-tf "
            f"{albert_tf.__version__})\nTensorFlow Library: {tf.__version__}")


def main(argv):
    if FLAGS.version:
        print(_version_text())
        return 0
    if len(argv) > 1:
        raise SystemExit(f"albert-tf serve: unexpected arguments {argv[1:]}")
    from albert_tf.serving import ModelServer
    from albert_tf.serving.errors import ServingError

    logging.getLogger("albert_tf.serving").setLevel(logging.DEBUG if FLAGS.verbosity >= 1 else logging.INFO)
    for name, (_, why) in NO_EFFECT.items():
        if FLAGS[name].present:
            logger.warning("--%s has no effect in albert-tf serve: %s.", name, why)
    try:
        options = server_options()
        server = ModelServer(options)
        stop_requested = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop_requested.set())
        server.start()
    except (ServingError, OSError) as e:
        print(f"Failed to start server. Error: {e}", file=sys.stderr, flush=True)
        return 1
    # Tests and scripts wait for this line; the ports are the bound ones.
    where = [f"grpc={options.host}:{server.grpc_port}" if options.port else "",
             f"grpc=unix:{options.grpc_socket_path}" if options.grpc_socket_path else "",
             f"rest={options.host}:{server.rest_port}" if server.rest_port else ""]
    print("albert-tf serve: ready " + " ".join(w for w in where if w), flush=True)
    while not stop_requested.wait(1.0):
        pass
    server.stop()
    return 0
