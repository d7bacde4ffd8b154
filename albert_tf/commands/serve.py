"""`albert-tf serve`: run the embedded TF Serving-compatible model server.

The flags are tensorflow_model_server's (same names, defaults and meaning), so a command line or a
models.config written for the stock server works here unchanged; --host, --max_request_bytes and
--grpc_max_threads are this server's own. SIGTERM or Ctrl-C stops it gracefully: no new requests, those in
flight finish, then every version is unloaded.

Example:
    $ albert-tf serve --model_name=sentiment --model_base_path=/tmp/export/sentiment
    $ albert-tf serve --model_config_file=serving/models.config --enable_batching \
          --batching_parameters_file=serving/batching_parameters.txt
"""

import logging
import os
import signal
import sys
import threading

from absl import flags

flags.DEFINE_integer("port", 8500, "Port to listen on for gRPC API.")
flags.DEFINE_integer("rest_api_port", 8501, "Port to listen on for HTTP/REST API. 0 disables the REST API.")
flags.DEFINE_string("host", "127.0.0.1", "Address to bind both APIs to. Use 0.0.0.0 to accept remote clients.")
flags.DEFINE_string("model_name", "default", "Name of the model (with --model_base_path).", allow_override=True)
flags.DEFINE_string("model_base_path", "", "Path to export: its integer-named children are the versions.")
flags.DEFINE_string("model_config_file", "", "A ModelServerConfig text file; overrides --model_name/--model_base_path.")
flags.DEFINE_integer("model_config_file_poll_wait_seconds", 0,
                     "Re-read --model_config_file this often (seconds) and apply changes. 0: read once.")
flags.DEFINE_integer("file_system_poll_wait_seconds", 1,
                     "Interval in seconds between polls of each model's base path for new versions. 0: poll once.")
flags.DEFINE_bool("enable_batching", False, "Merge concurrent requests into one model call.")
flags.DEFINE_string("batching_parameters_file", "", "A BatchingParameters text file (with --enable_batching).")
flags.DEFINE_string("monitoring_config_file", "", "A MonitoringConfig text file (Prometheus on the REST port).")
flags.DEFINE_bool("enable_model_warmup", True, "Run assets.extra/tf_serving_warmup_requests before serving a version.")
flags.DEFINE_bool("allow_version_labels_for_unavailable_models", False,
                  "Allow version labels to point at versions that are not loaded yet (needed for labels at startup).")
flags.DEFINE_integer("max_num_load_retries", 5, "Retries of a failed version load.")
flags.DEFINE_integer("load_retry_interval_micros", 60_000_000, "Wait between load retries, in microseconds.")
flags.DEFINE_integer("max_request_bytes", 4 * 1024 * 1024,
                     "Largest request accepted; larger ones get RESOURCE_EXHAUSTED (gRPC) / 429 (REST).")
flags.DEFINE_integer("grpc_max_threads", 64, "Threads serving gRPC requests.")
flags.DEFINE_integer("rest_api_num_threads", 64, "REST requests processed at once.")
flags.DEFINE_integer("rest_api_timeout_in_ms", 30000, "Deadline of each REST request; 0: none.")

FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise SystemExit(f"albert-tf serve: unexpected arguments {argv[1:]}")
    from albert_tf.serving import ModelServer, ServerOptions
    from albert_tf.serving.errors import ServingError

    logging.getLogger("albert_tf.serving").setLevel(logging.DEBUG if FLAGS.verbosity >= 1 else logging.INFO)
    options = ServerOptions(
        port=FLAGS.port,
        rest_api_port=FLAGS.rest_api_port,
        host=FLAGS.host,
        model_name=FLAGS.model_name,
        # Relative paths are resolved here, for the command line's convenience; models.config needs absolute.
        model_base_path=os.path.abspath(FLAGS.model_base_path) if FLAGS.model_base_path else "",
        model_config_file=FLAGS.model_config_file,
        model_config_file_poll_wait_seconds=FLAGS.model_config_file_poll_wait_seconds,
        file_system_poll_wait_seconds=FLAGS.file_system_poll_wait_seconds,
        enable_batching=FLAGS.enable_batching,
        batching_parameters_file=FLAGS.batching_parameters_file,
        monitoring_config_file=FLAGS.monitoring_config_file,
        enable_model_warmup=FLAGS.enable_model_warmup,
        allow_version_labels_for_unavailable_models=FLAGS.allow_version_labels_for_unavailable_models,
        max_num_load_retries=FLAGS.max_num_load_retries,
        load_retry_interval_micros=FLAGS.load_retry_interval_micros,
        max_request_bytes=FLAGS.max_request_bytes,
        grpc_max_threads=FLAGS.grpc_max_threads,
        rest_api_num_threads=FLAGS.rest_api_num_threads,
        rest_api_timeout_in_ms=FLAGS.rest_api_timeout_in_ms,
    )
    server = ModelServer(options)
    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    try:
        server.start()
    except (ServingError, OSError) as e:
        print(f"Failed to start server. Error: {e}", file=sys.stderr)
        return 1
    # Tests and scripts wait for this line; the ports are the bound ones (port 0 picks a free port).
    print(f"albert-tf serve: ready grpc={options.host}:{server.grpc_port} rest={options.host}:{server.rest_port}",
          flush=True)
    while not stop_requested.wait(1.0):
        pass
    server.stop()
    return 0
