"""`albert-tf demo --quick`: every step of `make demo` runs on the bundled data at tiny sizes, the embedded
server answers over both protocols, and the stock TF Serving config it writes is what the server parses."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(os.path.dirname(sys.executable), "albert-tf")
HEADS = ("reviews", "fill_mask", "pretraining", "encoder", "token_classification", "question_answering",
         "multiple_choice")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("demo") / "demo_output")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("ALBERT_TF_MODEL", None)
    done = subprocess.run([CLI, "demo", "--quick", f"--output_dir={out}"], capture_output=True, text=True,
                          timeout=1500, cwd=REPO, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        return out, done.stdout, json.load(f)


def test_summary_is_printed_with_both_accuracies(demo):
    _, stdout, summary = demo
    assert "albert-tf demo summary" in stdout
    assert "with pretraining" in stdout and "from scratch" in stdout
    acc = summary["dev_accuracy"]
    for key in ("with_pretraining", "from_scratch"):
        assert 0.0 <= acc[key] <= 1.0
    assert summary["serving"]["p50_latency_ms"] > 0
    assert summary["pretraining"]["steps"] == 30


def test_server_answered_the_same_over_grpc_and_rest(demo):
    _, _, summary = demo
    grpc, rest = summary["serving"]["grpc_prediction"], summary["serving"]["rest_prediction"]
    assert grpc["label"] == rest["label"] and len(grpc["label"]) == 2
    for row_grpc, row_rest in zip(grpc["probabilities"], rest["probabilities"]):
        assert row_grpc == pytest.approx(row_rest, abs=1e-6)
        assert sum(row_grpc) == pytest.approx(1.0, abs=1e-5)
    assert len(summary["serving"]["fill_mask"]["top_k_tokens"][0]) >= 1


def test_every_head_is_exported_as_a_version(demo):
    out, _, summary = demo
    assert sorted(summary["exports"]) == sorted(HEADS)
    for name in HEADS:
        assert os.path.isfile(os.path.join(out, "models", name, "1", "saved_model.pb")), name


def test_models_configs_parse_and_point_at_the_exports(demo):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    out, stdout, summary = demo
    models = os.path.join(out, "models")
    configs = {}
    for name in ("models.config", "models.local.config"):
        with open(os.path.join(models, name), encoding="utf-8") as f:
            configs[name] = text_format.Parse(f.read(), model_server_config_pb2.ModelServerConfig())
    stock = {c.name: c.base_path for c in configs["models.config"].model_config_list.config}
    local = {c.name: c.base_path for c in configs["models.local.config"].model_config_list.config}
    assert stock == {name: f"/models/{name}" for name in HEADS}
    assert local == {name: os.path.join(models, name) for name in HEADS}
    assert f"-v {models}:/models" in summary["stock_tf_serving_command"]
    assert "--model_config_file=/models/models.config" in summary["stock_tf_serving_command"]
    assert summary["stock_tf_serving_command"] in stdout


def test_plots_are_png_files(demo):
    out, _, _ = demo
    for name in ("pretraining_curves.png", "finetuning_curves.png", "finetuning_from_scratch_curves.png"):
        with open(os.path.join(out, name), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
