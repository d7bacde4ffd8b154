"""Fixtures that run a model server as a separate process over test SavedModels.

``server`` is parametrized over the embedded server (``albert-tf serve``) and stock
``tensorflow_model_server``: both get the same models.config and the same flags, and the tests talk to them
only over the network with the official tensorflow_serving.apis stubs or raw HTTP. The stock server runs when
env ``TF_SERVING_BINARY`` names its binary; without it only the embedded server runs (the stock binary is
not installable here). Servers listen on free loopback ports only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types

import grpc
import pytest
from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc

from albert_tf.utils.net import free_port  # noqa: F401  (the tests import it from here)
from tests.serving import saved_models

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STOCK_BINARY = os.environ.get("TF_SERVING_BINARY", "")
EMBEDDED, STOCK = "embedded", "tensorflow_model_server"
START_TIMEOUT = 180.0


def models_config_text(entries: list[dict]) -> str:
    """A ModelServerConfig text proto; each entry: name, base_path, optional policy and labels."""
    blocks = []
    for e in entries:
        lines = [f"    name: '{e['name']}'", f"    base_path: '{e['base_path']}'", "    model_platform: 'tensorflow'"]
        if "versions" in e:
            specific = " ".join(f"versions: {v}" for v in e["versions"])
            lines.append(f"    model_version_policy {{ specific {{ {specific} }} }}")
        for label, version in e.get("labels", {}).items():
            lines.append(f"    version_labels {{ key: '{label}' value: {version} }}")
        blocks.append("  config {\n" + "\n".join(lines) + "\n  }")
    return "model_config_list {\n" + "\n".join(blocks) + "\n}\n"


class ServerProcess:
    """One server process: ``albert-tf serve`` or ``tensorflow_model_server``, same flags."""

    def __init__(self, kind: str, config_path: str, log_path: str, flags: list[str] = ()):
        self.kind = kind
        self.config_path = config_path
        self.log_path = log_path
        self.flags = list(flags)
        self.grpc_port = free_port()
        self.rest_port = free_port()
        self.process = None

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_address(self) -> tuple[str, int]:
        return "127.0.0.1", self.rest_port

    def command(self) -> list[str]:
        flags = [f"--port={self.grpc_port}", f"--rest_api_port={self.rest_port}",
                 f"--model_config_file={self.config_path}", *self.flags]
        if self.kind == STOCK:
            return [STOCK_BINARY, *flags]
        return [sys.executable, "-m", "albert_tf.cli", "serve", *flags]

    def start(self, wait_for: dict[str, int]) -> "ServerProcess":
        """Start and wait until each model has ``wait_for[model]`` AVAILABLE versions."""
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                        cwd=REPO)
        deadline = time.monotonic() + START_TIMEOUT
        channel = grpc.insecure_channel(self.grpc_target)
        stub = model_service_pb2_grpc.ModelServiceStub(channel)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n{self.log()}")
                if all(self._available(stub, name) >= count for name, count in wait_for.items()):
                    return self
                time.sleep(0.2)
        finally:
            channel.close()
        self.stop()
        raise RuntimeError(f"{self.kind} not ready after {START_TIMEOUT}s:\n{self.log()}")

    @staticmethod
    def _available(stub, name: str) -> int:
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = name
        try:
            response = stub.GetModelStatus(request, timeout=2)
        except grpc.RpcError:
            return 0
        return sum(s.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE for s in response.model_version_status)

    def stop(self, sig=signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)
        finally:
            self._log.close()

    def log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-20000:]

    def stubs(self):
        channel = grpc.insecure_channel(self.grpc_target)
        return types.SimpleNamespace(
            channel=channel,
            predict=prediction_service_pb2_grpc.PredictionServiceStub(channel),
            model=model_service_pb2_grpc.ModelServiceStub(channel),
        )


@pytest.fixture(scope="session")
def model_root(tmp_path_factory):
    """BASE/half_plus_two/{1,2} (TF2 tf.Module exports with warmup records) and BASE/second/1 (a TF1-style
    export whose classify and regress signatures share their input)."""
    root = tmp_path_factory.mktemp("models")
    base = str(root / "half_plus_two")
    saved_models.export_half_plus_two(base, 1)
    saved_models.export_half_plus_two(base, 2)
    second = str(root / "second")
    os.makedirs(second)
    saved_models.export_tf1_estimator_style(second, 1)
    return str(root)


_SHARED: dict[str, ServerProcess] = {}


def _shared_server(kind: str, model_root: str, tmp_path_factory) -> ServerProcess:
    if kind not in _SHARED:
        work = tmp_path_factory.mktemp(f"server-{kind}")
        config_path = str(work / "models.config")
        with open(config_path, "w") as f:
            f.write(models_config_text([
                {"name": "half_plus_two", "base_path": os.path.join(model_root, "half_plus_two"),
                 "versions": [1, 2], "labels": {"stable": 1, "canary": 2}},
                {"name": "second", "base_path": os.path.join(model_root, "second")},
            ]))
        process = ServerProcess(kind, config_path, str(work / "server.log"),
                                ["--allow_version_labels_for_unavailable_models=true"])
        _SHARED[kind] = process.start({"half_plus_two": 2, "second": 1})
    return _SHARED[kind]


# The stock server joins the parametrization only where its binary exists (it cannot be installed here).
SERVER_KINDS = [EMBEDDED] + ([STOCK] if STOCK_BINARY else [])


@pytest.fixture(scope="session", params=SERVER_KINDS)
def server(request, model_root, tmp_path_factory):
    """The shared server of each kind: half_plus_two versions 1 and 2 (labels stable=1, canary=2), second."""
    return _shared_server(request.param, model_root, tmp_path_factory)


@pytest.fixture(scope="session")
def embedded_server(model_root, tmp_path_factory):
    """The shared embedded server, for checks of what only it implements (limits, its own process)."""
    return _shared_server(EMBEDDED, model_root, tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_servers():
    yield
    for process in _SHARED.values():
        process.stop()


@pytest.fixture
def stubs(server):
    handles = server.stubs()
    yield handles
    handles.channel.close()


@pytest.fixture(scope="session")
def sentiment_project(tmp_path_factory):
    """serving/README.md's starting point and its first step, shared by the tests that need a real
    ``albert-tf export``: a project directory with ``runs/sentiment`` (a tiny ALBERT sentiment classifier and
    its tokenizer, as ``albert-tf finetune`` leaves them) and ``serving/`` (the repository's kit), in which
    the README's own export command has run. ``project.export`` is (command, shown output, CompletedProcess);
    its SavedModel is ``models/sentiment/1``."""
    from tests.serving import documented

    project = documented.Project(str(tmp_path_factory.mktemp("project")))
    tokenizer = documented.train_small_tokenizer(project.path("spm"))
    documented.save_tiny_run(project.path("runs", "sentiment"), tokenizer, "TFAlbertForSequenceClassification",
                             id2label=documented.SENTIMENT_LABELS)
    os.symlink(os.path.join(REPO, "serving"), project.path("serving"))
    command, output = documented.serving_readme_export_command()
    project.export = (command, output, project.run(project.localize(command)))
    return project
