"""`albert-tf predict` turns connection and usage mistakes into one line on stderr and a non-zero exit."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.serving.conftest import REPO, free_port


def _predict(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "albert_tf.cli", "predict", "--model_name=half_plus_two", "--timeout=3",
               *arguments]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": REPO})


def _one_line_error(done: subprocess.CompletedProcess, *expected: str) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("albert-tf predict: ")]
    assert len(lines) == 1, done.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_rest_against_the_grpc_port(embedded_server):
    done = _predict(f"--server={embedded_server.grpc_target}", "--protocol=rest", "1.0")
    _one_line_error(done, "is it the gRPC port?")


def test_grpc_against_the_rest_port(embedded_server):
    host, port = embedded_server.rest_address
    _one_line_error(_predict(f"--server={host}:{port}", "1.0"), "does not speak gRPC (is it the REST port?)")


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_no_server_on_the_port(protocol):
    target = f"127.0.0.1:{free_port()}"
    _one_line_error(_predict(f"--server={target}", f"--protocol={protocol}", "1.0"),
                    f"no server at {target}", "refused")


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_unknown_host(protocol):
    _one_line_error(_predict("--server=no-such-host.invalid:8500", f"--protocol={protocol}", "1.0"),
                    "resolve", "no-such-host.invalid")


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_timeout(protocol, silent_port):
    _one_line_error(_predict(f"--server=127.0.0.1:{silent_port}", f"--protocol={protocol}", "1.0"),
                    "DEADLINE_EXCEEDED", "within 3.0s")


@pytest.mark.parametrize("arguments, expected", [
    (["--server=localhost", "x"], "'localhost' is not host:port"),
    (["--inputs_json={nope"], "--inputs_json is not JSON"),
    (["--inputs_json=[1]"], "--inputs_json must be a JSON object"),
    ([], "give texts"),
])
def test_usage_mistakes(arguments, expected):
    assert _one_line_error(_predict(*arguments), expected)


def test_unknown_model_is_one_line(embedded_server):
    host, port = embedded_server.rest_address
    done = _predict(f"--server={host}:{port}", "--protocol=rest", "--model_name=nope", "1.0")
    _one_line_error(done, "NOT_FOUND: Servable not found for request: Latest(nope)")


def test_rest_client_does_not_import_tensorflow():
    code = ("import sys\nfrom albert_tf import cli\ntry:\n    cli.run(['albert-tf', 'predict', '--protocol=rest', "
            f"'--server=127.0.0.1:{free_port()}', '--model_name=m', 'x'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'grpc')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_classify_and_regress_without_a_signature_pick_it_by_method_name(embedded_server, protocol):
    """``second`` (a TF1 export) has classify/regress signatures marked by method name; without one named,
    the client runs those, while the server alone, like stock, would run serving_default."""
    from albert_tf.serving import Client, InvalidRequestError
    from tests.serving.saved_models import expected_y

    target = embedded_server.grpc_target if protocol == "grpc" else "%s:%d" % embedded_server.rest_address
    with Client(target, "second", protocol, timeout=60) as client:
        rows = client.classify([{"x": 1.0}, {"x": 3.0}])
        assert [row[1][1] for row in rows] == pytest.approx(expected_y([1.0, 3.0], 1).tolist())
        assert client.regress([{"x": 2.0}]) == pytest.approx(expected_y([2.0], 1).tolist())
    # half_plus_two's signatures are all marked predict (tf.saved_model.save): the server's default runs.
    with Client(target, "half_plus_two", protocol, timeout=60) as client, pytest.raises(InvalidRequestError):
        client.classify([{"x": 1.0}])
