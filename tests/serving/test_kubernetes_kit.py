"""serving/kubernetes/: the manifests name the ports, paths and probe URLs of the export layout, and a server
started with their command lines (on a temporary copy of that layout) answers their readiness probe."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import urllib.request

import pytest
import yaml

from albert_tf.export.models_config import container_path
from albert_tf.export.versioned import existing_versions
from albert_tf.serving import config as config_lib
from tests.serving import saved_models
from tests.serving.conftest import EMBEDDED, ServerProcess
from tests.serving.test_deployment_kit import KIT, defined_flags, read

K8S = os.path.join(KIT, "kubernetes")
MOUNT = "/models"  # where the image (and docker-compose.yml) expects BASE, so models.config's /models/NAME
# The stock image's entrypoint: tensorflow_model_server --port=8500 --rest_api_port=8501 ... "$@".
IMAGE_PORTS = {"grpc": 8500, "http": 8501}
# KServe's kserve-tensorflow-serving ServingRuntime (config/runtimes in kserve/kserve) runs the server so.
KSERVE_ARGS = ["--model_name={name}", "--port=9000", "--rest_api_port=8080", "--model_base_path=/mnt/models",
               "--rest_api_timeout_in_ms=60000"]


def _manifests() -> dict[str, dict]:
    found = {}
    for filename in sorted(os.listdir(K8S)):
        if filename.endswith(".yaml"):
            for doc in yaml.safe_load_all(read(K8S, filename)):
                found[doc["kind"]] = doc
    return found


@pytest.fixture(scope="module")
def manifests():
    return _manifests()


def _container(manifests) -> dict:
    (container,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def _kit_models() -> list:
    return list(config_lib.parse_model_server_config(read(KIT, "models.config")).model_config_list.config)


def test_kustomization_lists_the_deployment_kit(manifests):
    kustomization = yaml.safe_load(read(K8S, "kustomization.yaml"))
    for resource in kustomization["resources"]:
        assert os.path.exists(os.path.join(K8S, resource))
    kinds = {yaml.safe_load(read(K8S, r))["kind"] for r in kustomization["resources"]}
    assert kinds == {"Deployment", "Service", "PersistentVolumeClaim"}


def test_deployment_runs_the_stock_image_on_the_export_layout(manifests):
    container = _container(manifests)
    compose = yaml.safe_load(read(KIT, "docker-compose.yml"))["services"]["tf-serving"]
    default_tag = re.search(r":-([\d.]+)\}", compose["image"]).group(1)
    assert container["image"] == f"tensorflow/serving:{default_tag}"
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == IMAGE_PORTS
    serve_flags = defined_flags("serve")
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in manifests["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    configmap_command = read(K8S, "README.md")
    for argument in container["args"]:
        name, _, value = argument[2:].partition("=")
        assert name in serve_flags, f"{name} is not a flag of albert-tf serve / tensorflow_model_server"
        if name.endswith("_file"):
            directory, filename = os.path.split(value)
            assert volumes[mounts[directory]["name"]]["configMap"]["name"] == "tf-serving-config"
            assert os.path.exists(os.path.join(KIT, filename))
            assert f"--from-file=serving/{filename}" in configmap_command
    # BASE is the claim, mounted where models.config's base paths (`--export_dir=models/NAME`) expect it.
    models_volume = volumes[mounts[MOUNT]["name"]]
    assert mounts[MOUNT]["readOnly"] is True
    assert models_volume["persistentVolumeClaim"]["claimName"] == manifests["PersistentVolumeClaim"]["metadata"]["name"]
    for model in _kit_models():
        assert model.base_path == container_path(MOUNT, os.path.join("models", model.name))


def test_probes_and_service_name_the_model_and_ports(manifests):
    container = _container(manifests)
    readiness = container["readinessProbe"]["httpGet"]
    assert readiness["port"] == "http"
    assert readiness["path"] in {f"/v1/models/{model.name}" for model in _kit_models()}
    assert container["livenessProbe"]["tcpSocket"]["port"] == "grpc"
    service, deployment = manifests["Service"], manifests["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == labels == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["type"] == "ClusterIP"
    assert {p["targetPort"]: p["port"] for p in service["spec"]["ports"]} == IMAGE_PORTS


def test_inferenceservice_points_at_an_export_directory(manifests):
    service = manifests["InferenceService"]
    model = service["spec"]["predictor"]["model"]
    assert model["modelFormat"]["name"] == "tensorflow"
    claim = manifests["PersistentVolumeClaim"]["metadata"]["name"]
    name = service["metadata"]["name"]
    assert model["storageUri"] == f"pvc://{claim}/{name}"  # BASE/NAME, whose integer children are versions
    assert name in {m.name for m in _kit_models()}


class _CommandLineServer(ServerProcess):
    """``albert-tf serve`` with a given command line, its ports replaced by free loopback ones."""

    def __init__(self, arguments: list[str], log_path: str, grpc_port_flag: int, rest_port_flag: int):
        super().__init__(EMBEDDED, "", log_path)
        ports = {f"--port={grpc_port_flag}": f"--port={self.grpc_port}",
                 f"--rest_api_port={rest_port_flag}": f"--rest_api_port={self.rest_port}"}
        self.arguments = [ports.get(a, a) for a in arguments]
        for flag in ports.values():
            if flag not in self.arguments:
                self.arguments.append(flag)

    def command(self):
        return [sys.executable, "-m", "albert_tf.cli", "serve", *self.arguments]


def _get(server: ServerProcess, path: str) -> tuple[int, dict]:
    host, port = server.rest_address
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=60) as reply:
        return reply.status, json.loads(reply.read())


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    """The claim's contents: ``albert-tf export --export_dir=/models/sentiment``'s layout (the test model
    stands in for ALBERT)."""
    root = tmp_path_factory.mktemp("pvc")
    for model in _kit_models():
        saved_models.export_half_plus_two(str(root / model.name), 1)
        assert existing_versions(root / model.name) == [1]
    return root


def test_deployment_command_line_answers_its_readiness_probe(manifests, volume, tmp_path):
    config_dir = tmp_path / "config"  # the ConfigMap, as `kubectl create configmap --from-file` fills it
    config_dir.mkdir()
    for argument in _container(manifests)["args"]:
        name, _, value = argument[2:].partition("=")
        if name.endswith("_file"):
            shutil.copy(os.path.join(KIT, os.path.basename(value)), config_dir)
    models_config = config_dir / "models.config"
    models_config.write_text(models_config.read_text().replace(f"'{MOUNT}/", f"'{volume}/"))
    arguments = [a.replace("/config/", f"{config_dir}/") for a in _container(manifests)["args"]]
    server = _CommandLineServer(arguments + [f"--port={IMAGE_PORTS['grpc']}",
                                             f"--rest_api_port={IMAGE_PORTS['http']}"],
                                str(tmp_path / "server.log"), IMAGE_PORTS["grpc"], IMAGE_PORTS["http"])
    server.start({m.name: 1 for m in _kit_models()})
    try:
        status, body = _get(server, _container(manifests)["readinessProbe"]["httpGet"]["path"])
        assert status == 200 and body["model_version_status"][0]["state"] == "AVAILABLE"
        with socket.create_connection(("127.0.0.1", server.grpc_port), timeout=30):  # the liveness probe
            pass
    finally:
        server.stop()


def test_kserve_runtime_command_line_serves_the_storage_uri(manifests, volume, tmp_path):
    service = manifests["InferenceService"]
    name = service["metadata"]["name"]
    storage = service["spec"]["predictor"]["model"]["storageUri"].split("/", 3)[3]  # pvc://CLAIM/<path>
    arguments = [a.format(name=name).replace("/mnt/models", str(volume / storage)) for a in KSERVE_ARGS]
    server = _CommandLineServer(arguments, str(tmp_path / "server.log"), 9000, 8080)
    server.start({name: 1})
    try:
        status, body = _get(server, f"/v1/models/{name}")
        assert status == 200 and body["model_version_status"][0]["state"] == "AVAILABLE"
    finally:
        server.stop()
