"""Version lifecycle: a swap under load, warmup gating, config reloads (every server kind, same models.config
and flags). Graceful shutdown is checked in test_deployment_kit.py."""

from __future__ import annotations

import collections
import http.client
import json
import os
import shutil
import threading
import time

import grpc
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.apis import get_model_status_pb2, model_management_pb2, predict_pb2

from tests.serving import saved_models
from tests.serving.conftest import SERVER_KINDS, ServerProcess, models_config_text

State = get_model_status_pb2.ModelVersionStatus
CLIENTS = 16
LOAD_SECONDS_LIMIT = 120.0


@pytest.fixture(scope="module", params=SERVER_KINDS)
def swap_server(request, tmp_path_factory):
    """A server polling a base path that starts with version 1 only."""
    work = tmp_path_factory.mktemp(f"swap-{request.param}")
    base = str(work / "models" / "swap")
    saved_models.export_half_plus_two(base, 1)
    config_path = str(work / "models.config")
    with open(config_path, "w") as f:
        f.write(models_config_text([{"name": "swap", "base_path": base}]))
    process = ServerProcess(request.param, config_path, str(work / "server.log"),
                            ["--file_system_poll_wait_seconds=1", "--max_num_load_retries=0"])
    process.base_path = base
    process.work = str(work)
    process.start({"swap": 1})
    yield process
    process.stop()


def status_of(stub, name: str) -> list[tuple[int, int]]:
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = name
    return [(s.version, s.state) for s in stub.GetModelStatus(request, timeout=10).model_version_status]


def serving_version(stub, name: str) -> int:
    return next(v for v, state in status_of(stub, name) if state == State.AVAILABLE)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_version_swap_under_load_loses_no_request(swap_server):
    stubs = swap_server.stubs()
    stop = threading.Event()
    failures, served = [], collections.Counter()
    lock = threading.Lock()
    expected = {1: float(saved_models.expected_y([1.0], 1)[0]), 2: float(saved_models.expected_y([1.0], 2)[0])}

    def grpc_client():
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "swap"
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([1.0], np.float32)))
        while not stop.is_set():
            try:
                response = stubs.predict.Predict(request, timeout=30)
                version = response.model_spec.version.value
                ok = list(response.outputs["y"].float_val) == [expected.get(version)]
                with lock:
                    served[version] += 1
                    if not ok:
                        failures.append(f"version {version} answered {list(response.outputs['y'].float_val)}")
            except grpc.RpcError as e:
                with lock:
                    failures.append(f"gRPC {e.code().name}: {e.details()}")

    def rest_client():
        connection = http.client.HTTPConnection(*swap_server.rest_address, timeout=30)
        body = json.dumps({"instances": [1.0]})
        while not stop.is_set():
            try:
                connection.request("POST", "/v1/models/swap:predict", body=body)
                response = connection.getresponse()
                reply = json.loads(response.read())
                with lock:
                    served["rest"] += 1
                    if response.status != 200 or reply.get("predictions", [None])[0] not in expected.values():
                        failures.append(f"REST {response.status}: {reply}")
            except (OSError, http.client.HTTPException, ValueError) as e:
                with lock:
                    failures.append(f"REST {type(e).__name__}: {e}")
                connection.close()
                connection = http.client.HTTPConnection(*swap_server.rest_address, timeout=30)
        connection.close()

    threads = [threading.Thread(target=grpc_client if i % 4 else rest_client, daemon=True) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: sum(served.values()) >= 50, LOAD_SECONDS_LIMIT, "the clients to get going")
        saved_models.export_half_plus_two(swap_server.base_path, 2)
        final = wait_for(
            # Version 1 passes through UNLOADING (still answering) to END; wait for the end state.
            lambda: (lambda s: s if s[0] == (2, State.AVAILABLE) and all(st == State.END for _, st in s[1:])
                     else None)(status_of(stubs.model, "swap")),
            LOAD_SECONDS_LIMIT - (time.monotonic() - started), "version 2 to replace version 1",
        )
        before = served[2]
        wait_for(lambda: served[2] >= before + 100, 60, "more requests on version 2")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        stubs.channel.close()
    assert failures == []
    assert served[1] > 0 and served[2] > 0 and served["rest"] > 0
    # Version 1 is gone: listed as END, or not listed at all.
    assert final[0] == (2, State.AVAILABLE)
    assert final[1:] in ([], [(1, State.END)])


def test_version_with_failing_warmup_never_replaces_the_serving_one(swap_server):
    stubs = swap_server.stubs()
    try:
        serving = serving_version(stubs.model, "swap")
        bad = max(v for v, _ in status_of(stubs.model, "swap")) + 1
        saved_models.clone_version(swap_server.base_path, serving, bad, warmup=saved_models.failing_warmup_logs())

        def failed():
            request = get_model_status_pb2.GetModelStatusRequest()
            request.model_spec.name = "swap"
            request.model_spec.version.value = bad
            try:
                entries = stubs.model.GetModelStatus(request, timeout=10).model_version_status
            except grpc.RpcError:
                return None
            return entries[0] if entries and entries[0].state == State.END else None

        entry = wait_for(failed, 60, f"version {bad} to fail loading")
        assert entry.status.error_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert entry.status.error_message == "Expects arg[0] to be float but string is provided"
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "swap"
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([1.0], np.float32)))
        assert stubs.predict.Predict(request, timeout=10).model_spec.version.value == serving
    finally:
        stubs.channel.close()


def reload(stub, config_text: str):
    request = model_management_pb2.ReloadConfigRequest()
    text_format.Parse(config_text, request.config)
    return stub.HandleReloadConfigRequest(request, timeout=120)


def test_reload_config(swap_server):
    stubs = swap_server.stubs()
    base = swap_server.base_path
    try:
        with pytest.raises(grpc.RpcError) as info:
            reload(stubs.model, models_config_text([{"name": "swap", "base_path": base}] * 2))
        assert (info.value.code(), info.value.details()) == (
            grpc.StatusCode.INVALID_ARGUMENT, "Illegal to list model swap multiple times in config list")

        # A new model whose only version fails to load: the reload reports it, status shows why.
        broken = os.path.join(swap_server.work, "models", "broken")
        shutil.copytree(os.path.join(base, "1"), os.path.join(broken, "1"))
        saved_models.write_warmup(os.path.join(broken, "1"), saved_models.failing_warmup_logs())
        with pytest.raises(grpc.RpcError) as info:
            reload(stubs.model, models_config_text([{"name": "swap", "base_path": base},
                                                    {"name": "broken", "base_path": broken}]))
        assert info.value.code() == grpc.StatusCode.UNKNOWN
        assert "did not become available" in info.value.details()
        assert status_of(stubs.model, "broken") == [(1, State.END)]

        # Back to one model, with a label on the serving version; the label routes requests.
        serving = serving_version(stubs.model, "swap")
        response = reload(stubs.model, models_config_text(
            [{"name": "swap", "base_path": base, "labels": {"prod": serving}}]))
        assert response.status.error_code == 0
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "swap"
        request.model_spec.version_label = "prod"
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([2.0], np.float32)))
        assert stubs.predict.Predict(request, timeout=10).model_spec.version.value == serving
        request.model_spec.name = "broken"
        with pytest.raises(grpc.RpcError) as info:
            stubs.predict.Predict(request, timeout=10)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        stubs.channel.close()
