"""Bad input never takes the server down: malformed requests, oversized requests, memory over time."""

from __future__ import annotations

import http.client
import itertools
import json
import random
import socket

import grpc
import numpy as np
import psutil
import pytest
import tensorflow as tf
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import classification_pb2, predict_pb2

from tests.serving.test_conformance import MODEL, predict_request, rest

MALFORMED_COUNT = 200


def _grpc_cases(stubs):
    def predict(mutate):
        def send():
            request = predict_request()
            mutate(request)
            stubs.predict.Predict(request, timeout=30)
        return send

    raw_predict = stubs.channel.unary_unary(
        "/tensorflow.serving.PredictionService/Predict",
        request_serializer=lambda b: b, response_deserializer=lambda b: b)
    rng = random.Random(0)

    def huge_shape(r):
        r.inputs["x"].Clear()
        r.inputs["x"].dtype = types_pb2.DT_FLOAT
        r.inputs["x"].tensor_shape.dim.add(size=1 << 40)
        r.inputs["x"].float_val.append(1.0)

    return [
        predict(lambda r: r.inputs["x"].CopyFrom(tf.make_tensor_proto([b"text"]))),
        predict(lambda r: setattr(r.inputs["x"], "dtype", types_pb2.DT_INVALID)),
        predict(huge_shape),
        predict(lambda r: setattr(r.model_spec, "name", "nope")),
        predict(lambda r: setattr(r.model_spec, "signature_name", "nope")),
        predict(lambda r: r.output_filter.append("nope")),
        predict(lambda r: r.ClearField("model_spec")),
        predict(lambda r: r.inputs["z"].CopyFrom(r.inputs["x"])),
        lambda: stubs.predict.Classify(classification_pb2.ClassificationRequest(
            model_spec={"name": MODEL, "signature_name": "classify"}), timeout=30),
        lambda: raw_predict(bytes(rng.randrange(256) for _ in range(64)), timeout=30),
    ]


def _rest_cases(server):
    bodies = [
        b'{"instances": [1.0,',
        b'{"instances": "nope"}',
        b'{"instances": [[1.0], [2.0, 3.0]]}',
        b'{"inputs": {"x": [true]}}',
        b"\xff\xfe not utf-8",
        b"[" * 100000,
        json.dumps({"instances": [{"b64": "!!!"}], "signature_name": "text"}).encode(),
        json.dumps({"signature_name": "classify", "examples": [{"x": [None]}]}).encode(),
    ]
    paths = ["/v1/models/half_plus_two:predict", "/v1/models/half_plus_two:classify", "/v1/models/:predict",
             "/v1/models/half_plus_two/versions/99999999999999999999:predict"]

    def send(path, body):
        def call():
            status, _ = rest(server, "POST", path, body)
            assert 400 <= status < 600
        return call

    return [send(path, body) for path, body in itertools.product(paths, bodies)]


def _assert_healthy(server, stubs):
    response = stubs.predict.Predict(predict_request([1.0]), timeout=30)
    assert list(response.outputs["y"].float_val) == [3.5]
    assert rest(server, "POST", f"/v1/models/{MODEL}:predict", {"instances": [1.0]}) == (200, {"predictions": [3.5]})


def test_malformed_requests_leave_the_server_healthy_and_its_memory_flat(server, stubs):
    cases = _grpc_cases(stubs) + _rest_cases(server)

    def run(case):
        try:
            case()
        except grpc.RpcError as e:
            assert e.code() not in (grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE), e

    process = psutil.Process(server.process.pid)
    for case in cases:  # first pass: lazy initialisation of every error path is not a leak
        run(case)
    _assert_healthy(server, stubs)
    baseline = process.memory_info().rss
    for case in itertools.islice(itertools.cycle(cases), MALFORMED_COUNT):
        run(case)
    _assert_healthy(server, stubs)
    grown = process.memory_info().rss / baseline - 1
    assert grown <= 0.10, f"RSS grew by {grown:.1%} over {MALFORMED_COUNT} malformed requests"


def test_request_size_limit(embedded_server):
    limit = 4 * 1024 * 1024  # the default --max_request_bytes
    stubs = embedded_server.stubs()
    try:
        with pytest.raises(grpc.RpcError) as info:
            stubs.predict.Predict(predict_request(np.zeros(limit // 4 + 16, np.float32)), timeout=30)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        stubs.channel.close()
    # REST: the limit applies to the declared length, before the body is read.
    with socket.create_connection(embedded_server.rest_address, timeout=30) as sock:
        sock.sendall(f"POST /v1/models/{MODEL}:predict HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Length: {limit + 1}\r\n\r\n".encode() + b'{"instances": [')
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        body = json.loads(reply.read())
    assert reply.status == 429
    assert body == {"error": f"Request body of {limit + 1} bytes exceeds the maximum request size of {limit} bytes "
                             "(--max_request_bytes)"}
    assert rest(embedded_server, "POST", f"/v1/models/{MODEL}:predict", {"instances": [1.0]})[0] == 200
