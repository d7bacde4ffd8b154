"""The deployment kit in serving/: its files parse as TF Serving's text protos, its commands use real flags,
``albert-tf serve`` runs with exactly the compose file's command line and the kit's configs, and it shuts
down as the README says."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.request

import grpc
import numpy as np
import pytest
import tensorflow as tf
import yaml
from tensorflow_serving.apis import predict_pb2

from albert_tf.serving import config as config_lib
from tests.serving import saved_models
from tests.serving.conftest import EMBEDDED, REPO, ServerProcess

KIT = os.path.join(REPO, "serving")


def read(*parts) -> str:
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


def defined_flags(command_module: str) -> set[str]:
    return set(re.findall(r'flags\.DEFINE_\w+\(\s*"(\w+)"', read(REPO, "albert_tf", "commands", f"{command_module}.py")))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(read(KIT, "docker-compose.yml"))


def test_config_files_parse_as_tf_serving_text_protos():
    models = config_lib.parse_model_server_config(read(KIT, "models.config"))
    config_lib.validate_model_config_list(models)
    for model in models.model_config_list.config:
        assert model.base_path == f"/models/{model.name}"  # `albert-tf export --export_dir=models/NAME`, mounted
    batching = config_lib.parse_batching_parameters(read(KIT, "batching_parameters.txt"))
    assert batching.max_batch_size >= 1 and not batching.pad_variable_length_inputs
    monitoring = config_lib.parse_monitoring_config(read(KIT, "monitoring.config"))
    assert monitoring.prometheus_enabled
    scrape = yaml.safe_load(read(KIT, "prometheus.yml"))["scrape_configs"][0]
    assert scrape["metrics_path"] == monitoring.prometheus_path
    assert scrape["static_configs"][0]["targets"] == ["tf-serving:8501"]


def test_compose_mounts_what_its_flags_read(compose):
    service = compose["services"]["tf-serving"]
    assert {"127.0.0.1:8500:8500", "127.0.0.1:8501:8501"} == set(service["ports"])
    mounts = {target.split(":")[0]: source for source, target in (v.split(":", 1) for v in service["volumes"])}
    assert mounts["/models"] == "../models"
    serve_flags = defined_flags("serve")
    for argument in service["command"]:
        name, _, value = argument[2:].partition("=")
        assert name in serve_flags, f"{name} is not a flag of albert-tf serve / tensorflow_model_server"
        if name.endswith("_file"):
            assert mounts[value] == "./" + os.path.basename(value) and os.path.exists(os.path.join(KIT, mounts[value]))


def test_readme_commands_use_real_flags():
    readme = read(KIT, "README.md")
    known = {"serve": defined_flags("serve"), "export": defined_flags("export"), "predict": defined_flags("predict")}
    known["docker"] = known["serve"]  # the stock server's flags carry the same names
    commands = re.findall(r"^\$ (albert-tf (?:serve|export|predict)|docker run)(.*?)(?=^\S|\Z)", readme,
                          re.MULTILINE | re.DOTALL)
    assert len(commands) >= 6
    for program, rest in commands:
        kind = "docker" if program == "docker run" else program.split()[1]
        tail = rest.split("tensorflow/serving:", 1)[1] if kind == "docker" else rest
        for name in re.findall(r"--(\w+)(?:=|\s|$)", tail):
            assert name in known[kind], f"README: {program} --{name} is not a flag"


@pytest.fixture(scope="module")
def kit_server(compose, tmp_path_factory):
    """``albert-tf serve`` with the compose file's command line and the kit's files, on models laid out as
    ``albert-tf export --export_dir=models/sentiment`` leaves them (the test model stands in for ALBERT)."""
    work = tmp_path_factory.mktemp("kit")
    models = work / "models"
    saved_models.export_half_plus_two(str(models / "sentiment"), 1)
    # The README's local copy of models.config: container paths replaced by this machine's.
    local_config = work / "models.config"
    local_config.write_text(read(KIT, "models.config").replace("'/models/", f"'{models}/"))
    arguments = [a.replace("/config/", KIT + "/") for a in compose["services"]["tf-serving"]["command"]]
    process = ServerProcess(EMBEDDED, str(local_config), str(work / "server.log"),
                            [a for a in arguments if not a.startswith("--model_config_file=")])
    yield process.start({"sentiment": 1})
    process.stop()


def test_embedded_server_runs_with_the_kit(kit_server):
    host, port = kit_server.rest_address
    with urllib.request.urlopen(f"http://{host}:{port}/v1/models/sentiment/labels/stable", timeout=30) as reply:
        assert json.loads(reply.read())["model_version_status"][0]["state"] == "AVAILABLE"
    with urllib.request.urlopen(f"http://{host}:{port}/monitoring/prometheus/metrics", timeout=30) as reply:
        assert reply.status == 200


def test_sigterm_lets_requests_in_flight_finish(kit_server):
    """The README's promise for `albert-tf serve`: on SIGTERM no new requests, those in flight finish."""
    stubs = kit_server.stubs()
    results = []

    def busy_request():
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "sentiment"
        request.model_spec.signature_name = "busy"
        request.inputs["steps"].CopyFrom(tf.make_tensor_proto(np.array([100000], np.int32)))
        try:
            response = stubs.predict.Predict(request, timeout=120)
            results.append(("ok", response.outputs["done"].float_val[0]))
        except grpc.RpcError as e:
            results.append((e.code().name, e.details()))

    threads = [threading.Thread(target=busy_request) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the requests are now being computed (each takes seconds)
        kit_server.process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        late = predict_pb2.PredictRequest()
        late.model_spec.name = "sentiment"
        late.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([1.0], np.float32)))
        with pytest.raises(grpc.RpcError) as info:
            stubs.predict.Predict(late, timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        for thread in threads:
            thread.join(timeout=120)
        assert kit_server.process.wait(60) == 0
    finally:
        stubs.channel.close()
    assert [r[0] for r in results] == ["ok"] * 4, results
