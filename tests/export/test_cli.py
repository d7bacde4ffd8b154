"""The command line: `albert-tf export`, `albert-tf saved_model_cli` (show/run with tensorflow-text ops
registered), and stock `saved_model_cli`, which fails on tokenizer ops but runs an `--ids_only` export."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.export.examples import encode_text_inputs
from albert_tf.export.signatures import TASKS
from tests.export.conftest import REPO, make_model

TEXTS = ["A quiet, moving film.", "Le café était très animé."]
STOCK_CLI = [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]
OUR_CLI = [sys.executable, "-m", "albert_tf.cli"]


def run(args, **kwargs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def cli_export(tmp_path_factory, tokenizer):
    """A model directory (config.json + model.safetensors + spiece.model) exported by `albert-tf export` with no
    optional flag: max_length follows the model (64 positions here; a fixed default of 512 failed)."""
    model_dir = str(tmp_path_factory.mktemp("model_dir"))
    model = make_model("sequence_classification", tokenizer.vocab_size, seed=11)
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    base = tmp_path_factory.mktemp("cli_models")
    export_dir = str(base / "reviews")
    result = run(OUR_CLI + ["export", f"--model={model_dir}", "--task=sequence_classification",
                            f"--export_dir={export_dir}"])
    assert result.returncode == 0, result.stderr[-3000:]
    return model_dir, export_dir, result.stdout.strip().splitlines()[-1]


def test_export_command_writes_next_version_and_refuses_to_overwrite(cli_export):
    model_dir, export_dir, printed = cli_export
    assert printed == os.path.join(export_dir, "1")
    assert os.path.isfile(os.path.join(printed, "saved_model.pb"))
    with open(os.path.join(printed, "assets.extra", "albert_tf_export.json"), encoding="utf-8") as f:
        assert json.load(f)["options"]["max_length"] == 64  # the model's max_position_embeddings
    again = run(OUR_CLI + ["export", f"--model={model_dir}", "--task=sequence_classification",
                           f"--export_dir={export_dir}", "--version=1"])
    assert again.returncode != 0 and "already exists" in again.stderr
    assert os.listdir(export_dir) == ["1"]


@pytest.mark.parametrize("task", [t for t in TASKS if t != "sequence_classification"])  # that one: cli_export
def test_export_command_needs_no_optional_flag_for_any_head(tmp_path, tokenizer, task):
    """Every head of a 128-position model exports with the required flags only (max_length, QA windows and
    the rest default from the model), and the version answers its own warmup requests (replayed at export)."""
    model_dir = str(tmp_path / "model")
    make_model(task, tokenizer.vocab_size, max_position_embeddings=128).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    result = run(OUR_CLI + ["export", f"--model={model_dir}", f"--task={task}", f"--export_dir={tmp_path / task}"])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(os.path.join(tmp_path, task, "1", "assets.extra", "albert_tf_export.json"), encoding="utf-8") as f:
        assert json.load(f)["options"]["max_length"] == 128


def test_show_all_lists_typed_signatures(cli_export):
    result = run(OUR_CLI + ["saved_model_cli", "show", f"--dir={cli_export[2]}", "--all"])
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for fragment in ("signature_def['serving_default']", "signature_def['predict_ids']", "signature_def['classify']",
                     "inputs['text'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1)",
                     "inputs['input_ids'] tensor_info:\n        dtype: DT_INT32\n        shape: (-1, -1)",
                     "outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3)",
                     "outputs['label'] tensor_info:\n        dtype: DT_STRING",
                     "Method name is: tensorflow/serving/classify"):
        assert fragment in out, fragment


def test_our_cli_runs_text_where_stock_cli_cannot(cli_export, tmp_path):
    path = cli_export[2]
    args = ["run", f"--dir={path}", "--tag_set=serve", "--signature_def=serving_default",
            f"--input_exprs=text={TEXTS!r}"]
    stock = run(STOCK_CLI + args + [f"--outdir={tmp_path / 'stock'}"])
    assert stock.returncode != 0
    assert "Op type not registered 'SentencepieceOp'" in stock.stderr
    ours = run(OUR_CLI + ["saved_model_cli"] + args + [f"--outdir={tmp_path / 'ours'}"])
    assert ours.returncode == 0, ours.stderr[-3000:]
    expected = tf.saved_model.load(path).signatures["serving_default"](text=tf.constant(TEXTS))
    for name in ("logits", "probabilities", "label_id"):
        got = np.load(tmp_path / "ours" / f"{name}.npy", allow_pickle=False)
        np.testing.assert_allclose(got, expected[name].numpy(), atol=1e-6, rtol=0)


def test_stock_cli_runs_ids_only_export(exports, tokenizer, tmp_path):
    exp = exports["ids_only"]
    ids = encode_text_inputs(exp.task, tokenizer, {"text": np.array(TEXTS, object)}, 32)
    exprs = ";".join(f"{k}={v.tolist()!r}" for k, v in ids.items())
    for cli in (STOCK_CLI, OUR_CLI + ["saved_model_cli"]):
        result = run(cli + ["run", f"--dir={exp.path}", "--tag_set=serve", "--signature_def=serving_default",
                            f"--input_exprs={exprs}", f"--outdir={tmp_path / cli[-1]}"])
        assert result.returncode == 0, result.stderr[-3000:]
        logits = np.load(tmp_path / cli[-1] / "logits.npy", allow_pickle=False)
        expected = exp.model(**ids, training=False).logits
        np.testing.assert_allclose(logits, np.asarray(expected), atol=1e-5, rtol=0)


def test_saved_model_cli_wrapper_usage_errors():
    result = run(OUR_CLI + ["saved_model_cli", "frobnicate", "--dir=/nonexistent"])
    assert result.returncode != 0 and "usage: albert-tf saved_model_cli" in (result.stderr + result.stdout)
    result = run(OUR_CLI + ["saved_model_cli", "run", "--dir=/nonexistent"])
    assert result.returncode != 0 and "--tag_set" in (result.stderr + result.stdout)
