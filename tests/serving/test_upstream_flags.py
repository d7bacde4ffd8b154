"""`albert-tf serve` takes every flag of tensorflow_model_server 2.21 with stock's default and meaning.

STOCK_FLAGS is transcribed from tensorflow/serving's model_servers/main.cc (the flag list) and server.h
(``Server::Options`` defaults); the behaviour checks run ``albert-tf serve`` as its own process and talk to
it with the official stubs, grpc.health.v1 and raw HTTP. Expected error texts are stock's (server.cc,
classifier.cc, http_server.cc).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2, predict_pb2, prediction_service_pb2_grpc

from tests.serving.conftest import EMBEDDED, REPO, ServerProcess, free_port, models_config_text
from tests.serving.saved_models import example, expected_y

CPU_DEPENDENT = None  # stock: 4 x port::NumSchedulableCPUs()
STOCK_FLAGS = {
    "port": 8500, "grpc_socket_path": "", "rest_api_port": 0, "rest_api_num_threads": CPU_DEPENDENT,
    "rest_api_timeout_in_ms": 30000, "rest_api_enable_cors_support": False, "enable_batching": False,
    "allow_version_labels_for_unavailable_models": False, "batching_parameters_file": "",
    "enable_per_model_batching_parameters": False, "model_config_file": "",
    "model_config_file_poll_wait_seconds": 0, "model_name": "default", "model_base_path": "",
    "num_load_threads": 0, "num_unload_threads": 0, "max_num_load_retries": 5,
    "load_retry_interval_micros": 60_000_000, "file_system_poll_wait_seconds": 1, "flush_filesystem_caches": True,
    "tensorflow_session_parallelism": 0, "tensorflow_session_config_file": "", "tensorflow_intra_op_parallelism": 0,
    "tensorflow_inter_op_parallelism": 0, "use_alts_credentials": False, "ssl_config_file": "",
    "platform_config_file": "", "per_process_gpu_memory_fraction": 0.0, "saved_model_tags": "",
    "grpc_channel_arguments": "", "grpc_max_threads": CPU_DEPENDENT, "enable_model_warmup": True,
    "num_request_iterations_for_warmup": 0, "version": False, "monitoring_config_file": "",
    "remove_unused_fields_from_bundle_metagraph": True, "prefer_tflite_model": False,
    "num_tflite_pools": CPU_DEPENDENT, "num_tflite_interpreters_per_pool": 1,
    "enable_signature_method_name_check": False, "xla_cpu_compilation_enabled": False,
    "xla_gpu_compilation_enabled": False, "enable_profiler": True, "thread_pool_factory_config_file": "",
    "mixed_precision": "", "skip_initialize_tpu": False, "enable_grpc_healthcheck_service": False,
    "enable_serialization_as_tensor_content": False,
}


def serve(*args, timeout=180):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    return subprocess.run([sys.executable, "-m", "albert_tf.cli", "serve", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=timeout)


def test_every_stock_flag_with_stock_default():
    script = ("import json, albert_tf.commands.serve as s; from absl import flags; "
              f"print(json.dumps({{n: flags.FLAGS[n].default for n in {sorted(STOCK_FLAGS)!r}}}))")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    ours = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                                     cwd=REPO, check=True).stdout)
    for name, default in STOCK_FLAGS.items():
        if default is not CPU_DEPENDENT:
            assert ours[name] == default, name


def test_version():
    result = serve("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("TensorFlow ModelServer: ")
    assert lines[1] == f"TensorFlow Library: {tf.__version__}"


@pytest.mark.parametrize("args, message", [
    (["--port=0", "--model_base_path=/nonexistent"],
     "At least one of server_options.grpc_port or server_options.grpc_socket_path must be set."),
    (["--model_base_path=/nonexistent", "--batching_parameters_file=/nonexistent"],
     "server_options.batching_parameters_file is set without setting server_options.enable_batching to true."),
    (["--model_base_path=/nonexistent", "--tensorflow_session_parallelism=1", "--tensorflow_intra_op_parallelism=1",
      "--tensorflow_inter_op_parallelism=1"], "You cannot configure all."),
    (["--model_base_path=/nonexistent", "--use_alts_credentials", "--ssl_config_file=/nonexistent"],
     "Either use_alts_credentials must be false or ssl_config_file must be empty."),
])
def test_start_errors_are_stock_ones(args, message):
    result = serve(*args)
    assert result.returncode != 0
    assert "Failed to start server. Error: INVALID_ARGUMENT: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def flagged_server(model_root, tmp_path_factory):
    """One server started with the flags that change behaviour, plus no-effect ones."""
    work = tmp_path_factory.mktemp("flags")
    config_path = str(work / "models.config")
    with open(config_path, "w") as f:
        f.write(models_config_text([{"name": "half_plus_two", "base_path": os.path.join(model_root, "half_plus_two"),
                                     "versions": [1]}]))
    process = ServerProcess(EMBEDDED, config_path, str(work / "server.log"), [
        f"--grpc_socket_path={work / 'grpc.sock'}", "--grpc_channel_arguments=grpc.max_connection_idle_ms=60000",
        "--enable_grpc_healthcheck_service", "--rest_api_enable_cors_support",
        "--enable_serialization_as_tensor_content", "--enable_signature_method_name_check",
        "--tensorflow_intra_op_parallelism=1", "--tensorflow_inter_op_parallelism=1", "--num_load_threads=2",
        # The export's warmup has a classify record, which the method-name check below would reject.
        "--num_unload_threads=1", "--enable_model_warmup=false", "--saved_model_tags=serve",
        "--grpc_max_threads=8", "--rest_api_num_threads=4", "--enable_profiler=false", "--prefer_tflite_model=false",
    ])
    process.socket_path = str(work / "grpc.sock")
    process.start({"half_plus_two": 1})
    yield process
    process.stop()


def test_no_effect_flags_are_logged_once(flagged_server):
    log = flagged_server.log()
    for name in ("enable_profiler", "prefer_tflite_model"):
        assert log.count(f"--{name} has no effect in albert-tf serve") == 1


def test_grpc_health_checking_service(flagged_server):
    pytest.importorskip("grpc_health.v1", reason="grpcio-health-checking (setup.cfg) not installed")
    # The submodules are not attributes of the package until imported by name.
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    with grpc.insecure_channel(flagged_server.grpc_target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "ModelService", "PredictionService"):
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert response.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as info:
            stub.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=10)
        assert info.value.code() == grpc.StatusCode.NOT_FOUND


def _predict(target: str, x):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "half_plus_two"
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.asarray(x, np.float32)))
    with grpc.insecure_channel(target) as channel:
        return prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=30)


def test_unix_socket_and_tensor_content_responses(flagged_server):
    for target in (flagged_server.grpc_target, f"unix:{flagged_server.socket_path}"):
        y = _predict(target, [1.0, 4.0]).outputs["y"]
        assert not y.float_val and y.tensor_content  # --enable_serialization_as_tensor_content
        np.testing.assert_allclose(tf.make_ndarray(y), expected_y([1.0, 4.0], version=1))


def test_signature_method_name_check(flagged_server):
    # tf.saved_model.save writes method_name tensorflow/serving/predict for every signature.
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = "half_plus_two"
    request.model_spec.signature_name = "classify"
    request.input.example_list.examples.add().CopyFrom(example(1.0))
    with grpc.insecure_channel(flagged_server.grpc_target) as channel:
        with pytest.raises(grpc.RpcError) as info:
            prediction_service_pb2_grpc.PredictionServiceStub(channel).Classify(request, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details() == ("Expected classification signature method_name to be "
                                    "tensorflow/serving/classify. Was: tensorflow/serving/predict")


def test_cors_headers_and_preflight(flagged_server):
    connection = http.client.HTTPConnection(*flagged_server.rest_address, timeout=30)
    try:
        connection.request("GET", "/v1/models/half_plus_two")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Access-Control-Allow-Origin") == "*"
        assert response.getheader("Access-Control-Allow-Methods") == "POST, GET"
        assert response.getheader("Access-Control-Allow-Headers") == "Content-Type"
        connection.request("OPTIONS", "/v1/models/half_plus_two:predict", headers={"Origin": "https://example.com"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        connection.request("OPTIONS", "/v1/models/half_plus_two:predict")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (
            400, {"error": "Origin header is missing in CORS preflight"})
    finally:
        connection.close()


def test_rest_is_off_by_default_as_in_stock(model_root, tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "albert_tf.cli", "serve", f"--port={port}", "--model_name=half_plus_two",
         f"--model_base_path={os.path.join(model_root, 'half_plus_two')}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO))
    try:
        for line in process.stdout:
            if line.startswith("albert-tf serve: ready"):
                assert line.split() == ["albert-tf", "serve:", "ready", f"grpc=127.0.0.1:{port}"]
                break
        else:
            pytest.fail(f"server exited with {process.wait()}")
    finally:
        process.terminate()
        process.wait(30)


def test_unknown_saved_model_tags_fail_the_load(model_root):
    result = serve("--port=0", f"--grpc_socket_path={os.path.join(model_root, 'tags.sock')}",
                   "--model_name=half_plus_two", f"--model_base_path={os.path.join(model_root, 'half_plus_two')}",
                   "--saved_model_tags=serve,gpu", "--max_num_load_retries=0")
    assert result.returncode != 0
    assert "did not become available" in result.stderr
    assert "Traceback" not in result.stderr


def test_ssl_config_file(model_root, tmp_path):
    """--ssl_config_file: an SSLConfig text proto; TLS clients get answers, plaintext ones do not."""
    if not shutil.which("openssl"):
        pytest.skip("openssl (to make a throwaway certificate) is not installed")
    key, cert = tmp_path / "server.key", tmp_path / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ssl_config = tmp_path / "ssl.config"
    ssl_config.write_text(f"server_key: {json.dumps(key.read_text())}\nserver_cert: {json.dumps(cert.read_text())}\n"
                          "client_verify: false\n")
    config_path = tmp_path / "models.config"
    config_path.write_text(models_config_text([{"name": "half_plus_two", "versions": [1],
                                                 "base_path": os.path.join(model_root, "half_plus_two")}]))
    process = ServerProcess(EMBEDDED, str(config_path), str(tmp_path / "server.log"),
                            [f"--ssl_config_file={ssl_config}"])
    process.process = subprocess.Popen(process.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, cwd=REPO, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
                                                                     PYTHONPATH=REPO))
    try:
        for line in process.process.stdout:
            if line.startswith("albert-tf serve: ready"):
                break
        else:
            pytest.fail(f"server exited with {process.process.wait()}")
        credentials = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "half_plus_two"
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([2.0], np.float32)))
        with grpc.secure_channel(process.grpc_target, credentials,
                                 options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=30)
        np.testing.assert_allclose(tf.make_ndarray(response.outputs["y"]), expected_y([2.0], version=1))
        with grpc.insecure_channel(process.grpc_target) as channel:
            with pytest.raises(grpc.RpcError) as info:
                prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        process.process.terminate()
        process.process.wait(30)
