"""Every kind of malformed request in ``tests/serving/malformed.py`` gets a client error, never a crash.

A server of its own (so its log holds only these requests) is sent each case once over loopback: gRPC cases
must come back INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION / ... (INTERNAL only for bytes that are not
a request message, as stock's C++ gRPC answers), REST cases with a 4xx and ``{"error": ...}``, every message
naming the problem without graph internals. Afterwards the server still answers good requests with the
values the model's formula gives, and its log holds no traceback.
"""

from __future__ import annotations

import http.client
import json
import os

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from tests.serving import malformed
from tests.serving.conftest import EMBEDDED, ServerProcess, models_config_text
from tests.serving.saved_models import expected_y


@pytest.fixture(scope="module")
def fuzz_server(model_root, tmp_path_factory):
    work = tmp_path_factory.mktemp("malformed")
    config_path = work / "models.config"
    config_path.write_text(models_config_text([
        {"name": malformed.MODEL, "base_path": os.path.join(model_root, "half_plus_two"), "versions": [1, 2]},
        {"name": "second", "base_path": os.path.join(model_root, "second")},
    ]))
    process = ServerProcess(EMBEDDED, str(config_path), str(work / "server.log"))
    process.start({malformed.MODEL: 2, "second": 1})
    yield process
    malformed.close_channels()
    process.stop()


def _good_answers(server: ServerProcess) -> tuple[list[float], dict]:
    channel = grpc.insecure_channel(server.grpc_target)
    try:
        request = predict_pb2.PredictRequest()
        request.model_spec.name = malformed.MODEL
        request.inputs["x"].CopyFrom(tf.make_tensor_proto([1.0, 2.0], dtype=tf.float32))
        response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=60)
    finally:
        channel.close()
    connection = http.client.HTTPConnection(*server.rest_address, timeout=60)
    try:
        connection.request("POST", f"/v1/models/{malformed.MODEL}:predict", body=b'{"instances": [1.0, 2.0]}')
        reply = connection.getresponse()
        assert reply.status == 200
        rest = json.loads(reply.read())
    finally:
        connection.close()
    return list(response.outputs["y"].float_val), rest


def test_catalogue_covers_both_protocols():
    protocols = [case.protocol for case in malformed.CASES.values()]
    assert len(protocols) >= 50
    assert protocols.count("grpc") >= 20 and protocols.count("rest") >= 30


def test_every_malformed_request_gets_a_client_error(fuzz_server):
    target = malformed.Target("127.0.0.1", fuzz_server.grpc_port, fuzz_server.rest_port)
    outcomes = malformed.run_all(target)
    wrong = {name: (o.code, o.message[:300]) for name, o in outcomes.items() if not o.ok}
    assert not wrong, f"{len(wrong)} of {len(outcomes)} malformed requests were not answered as client errors"
    # Spot checks of the wording against TF Serving's own messages.
    assert outcomes["grpc_no_model_spec"].message == "Missing ModelSpec"
    assert outcomes["grpc_unknown_model"].code == "NOT_FOUND"
    assert outcomes["rest_lone_surrogate"].message == (
        "JSON Parse error: The surrogate pair in string is invalid. at offset: 16")
    assert outcomes["rest_over_size_limit"].code == "429"
    assert outcomes["grpc_kernel_shape_error"].message == (
        "Input to reshape is a tensor with 3 values, but the requested shape requires a multiple of 2")


def test_server_still_answers_correctly_and_logged_no_traceback(fuzz_server):
    target = malformed.Target("127.0.0.1", fuzz_server.grpc_port, fuzz_server.rest_port)
    malformed.run_all(target)  # whatever ran before, once more: the server must be unchanged by it
    y = expected_y([1.0, 2.0], 2).tolist()
    grpc_values, rest_reply = _good_answers(fuzz_server)
    assert grpc_values == y
    assert rest_reply == {"predictions": y}
    assert fuzz_server.process.poll() is None
    log = fuzz_server.log()
    assert "Traceback" not in log, log[-3000:]
