"""Server-side batching of ``albert-tf serve --enable_batching``.

Concurrent requests are merged (seen in the batch-size metric) and each client still gets exactly its own
answer; variable-length int inputs are zero-padded per batch and outputs cut back to each request's length.
"""

from __future__ import annotations

import os
import re
import threading
import urllib.request

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

from tests.serving.conftest import EMBEDDED, ServerProcess, models_config_text
from tests.serving.saved_models import expected_y

MAX_BATCH = 8


@pytest.fixture(scope="module")
def batching_server(model_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("batching")
    config_path, params_path, monitoring_path = (str(work / n) for n in
                                                 ("models.config", "batching.txt", "monitoring.config"))
    with open(config_path, "w") as f:
        f.write(models_config_text([{"name": "hpt", "base_path": os.path.join(model_root, "half_plus_two"),
                                     "versions": [1]}]))
    with open(params_path, "w") as f:
        f.write(f"max_batch_size {{ value: {MAX_BATCH} }}\nbatch_timeout_micros {{ value: 100000 }}\n"
                "num_batch_threads { value: 1 }\nmax_enqueued_batches { value: 100 }\npad_variable_length_inputs: true\n")
    with open(monitoring_path, "w") as f:
        f.write('prometheus_config { enable: true path: "/monitoring/prometheus/metrics" }\n')
    process = ServerProcess(EMBEDDED, config_path, str(work / "server.log"), [
        "--enable_batching", f"--batching_parameters_file={params_path}",
        f"--monitoring_config_file={monitoring_path}"]).start({"hpt": 1})
    yield process
    process.stop()


def metrics(server) -> str:
    host, port = server.rest_address
    with urllib.request.urlopen(f"http://{host}:{port}/monitoring/prometheus/metrics", timeout=30) as reply:
        return reply.read().decode()


def metric_value(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def concurrently(count: int, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except grpc.RpcError as e:
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def predict(stub, signature: str, alias: str, array: np.ndarray):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "hpt"
    request.model_spec.signature_name = signature
    request.inputs[alias].CopyFrom(tf.make_tensor_proto(array))
    return {k: tf.make_ndarray(v) for k, v in stub.Predict(request, timeout=60).outputs.items()}


def test_concurrent_requests_are_merged_and_split_back(batching_server):
    stubs = batching_server.stubs()
    before = metrics(batching_server)
    count = 2 * MAX_BATCH
    results = concurrently(count, lambda i: predict(stubs.predict, "serving_default", "x",
                                                   np.array([float(i)], np.float32)))
    after = metrics(batching_server)
    stubs.channel.close()
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result["y"], expected_y([float(i)], 1))
    batches = metric_value(after, ":albert_tf:serving:batch_size_count") - metric_value(
        before, ":albert_tf:serving:batch_size_count")
    rows = metric_value(after, ":albert_tf:serving:batch_size_sum") - metric_value(
        before, ":albert_tf:serving:batch_size_sum")
    assert rows == count
    assert batches < count  # requests shared model calls
    assert ':tensorflow:serving:request_count{model_name="hpt",status="OK"}' in after


def test_variable_length_inputs_are_padded_and_outputs_cut_back(batching_server):
    stubs = batching_server.stubs()
    lengths = [2, 3, 4, 5, 6, 7]
    inputs = [np.arange(1, n + 1, dtype=np.int32)[None, :] * (i + 1) for i, n in enumerate(lengths)]
    results = concurrently(len(lengths), lambda i: predict(stubs.predict, "sequence", "ids", inputs[i]))
    stubs.channel.close()
    for ids, result in zip(inputs, results):
        np.testing.assert_array_equal(result["doubled"], ids * 2)
        np.testing.assert_array_equal(result["total"], ids.sum(axis=1))


def test_batching_errors(batching_server):
    stubs = batching_server.stubs()
    try:
        with pytest.raises(grpc.RpcError) as info:
            predict(stubs.predict, "serving_default", "x", np.float32(1.0))
        assert (info.value.code(), info.value.details()) == (
            grpc.StatusCode.INVALID_ARGUMENT, "Batching session Run() input tensors must have at least one dimension")
        with pytest.raises(grpc.RpcError) as info:
            predict(stubs.predict, "serving_default", "x", np.zeros(MAX_BATCH + 1, np.float32))
        assert (info.value.code(), info.value.details()) == (
            grpc.StatusCode.INVALID_ARGUMENT, f"Task size {MAX_BATCH + 1} is larger than maximum input batch size "
                                              f"{MAX_BATCH}")
    finally:
        stubs.channel.close()
