"""``albert_tf.serving.Client`` over both protocols, and ``albert-tf predict``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from albert_tf.serving import (
    Client,
    DeadlineExceededError,
    InvalidRequestError,
    ModelNotFoundError,
    ServerUnreachableError,
)
from tests.serving.conftest import REPO, free_port
from tests.serving.saved_models import expected_y

MODEL = "half_plus_two"


@pytest.fixture(params=["grpc", "rest"])
def client(request, server):
    target = server.grpc_target if request.param == "grpc" else "%s:%d" % server.rest_address
    with Client(target, MODEL, request.param, timeout=30) as c:
        yield c


def test_predict_named_inputs_and_texts(client):
    np.testing.assert_array_equal(client.predict({"x": [1.0, 2.0]})["y"], expected_y([1.0, 2.0], 2))
    outputs = client.predict(["hello big world", "one"], signature_name="text")
    assert outputs["num_words"].tolist() == [3, 1]
    assert outputs["upper_bytes"].tolist() == [b"HELLO BIG WORLD", b"ONE"]
    assert set(client.predict({"x": [1.0], "y": [2.0]}, signature_name="two_inputs", output_filter=["sum"])) == {"sum"}


def test_classify_regress(client):
    rows = client.classify([{"x": 1.0}, {"x": 3.0}], signature_name="classify")
    assert [[label for label, _ in row] for row in rows] == [["negative", "positive"]] * 2
    assert [row[1][1] for row in rows] == pytest.approx(expected_y([1.0, 3.0], 2).tolist())
    assert client.regress([{"x": 2.0}], signature_name="regress") == pytest.approx(expected_y([2.0], 2).tolist())


def test_metadata_and_status(client):
    metadata = client.metadata()
    assert metadata["version"] == 2
    assert metadata["signatures"]["serving_default"]["inputs"] == {"x": {"dtype": "DT_FLOAT", "shape": [-1]}}
    assert [(s["version"], s["state"], s["error_code"]) for s in client.status()] == [
        (2, "AVAILABLE", "OK"), (1, "AVAILABLE", "OK")]


def test_pinned_version_and_label(server):
    with Client(server.grpc_target, MODEL, version=1) as c:
        np.testing.assert_array_equal(c.predict({"x": [0.0]})["y"], expected_y([0.0], 1))
    with Client("%s:%d" % server.rest_address, MODEL, "rest", version_label="stable") as c:
        np.testing.assert_array_equal(c.predict({"x": [0.0]})["y"], expected_y([0.0], 1))


def test_clear_exceptions(client, server):
    with Client(client.target, "nope", client.protocol) as missing, pytest.raises(ModelNotFoundError) as info:
        missing.predict({"x": [1.0]})
    assert info.value.message == "Servable not found for request: Latest(nope)"
    with pytest.raises(InvalidRequestError):
        client.predict({"x": ["not a number"]}, signature_name="two_inputs")
    # Over gRPC the server stops the step at the deadline; REST has no deadline on the wire, so keep it short.
    steps = 2_000_000 if client.protocol == "grpc" else 100_000
    with pytest.raises(DeadlineExceededError):
        client.predict({"steps": [steps]}, signature_name="busy", timeout=0.2)
    with Client(f"127.0.0.1:{free_port()}", MODEL, client.protocol, timeout=5) as nobody, \
            pytest.raises(ServerUnreachableError):
        nobody.status()


def test_predict_command(server):
    command = [sys.executable, "-m", "albert_tf.cli", "predict", f"--server={server.grpc_target}",
               f"--model_name={MODEL}", "--signature_name=text", "hello big world", "two words"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["text"], line["outputs"]["num_words"], line["outputs"]["upper_bytes"]) for line in lines] == [
        ("hello big world", 3, "HELLO BIG WORLD"), ("two words", 2, "TWO WORDS")]
