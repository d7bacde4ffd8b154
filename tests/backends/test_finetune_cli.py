"""`albert-tf finetune` on the active backend (JAX or torch), in an environment without TensorFlow.

The CLI runs in a child process on this backend: numpy batches feed Keras' fit, evaluation calls the model,
and no tf.distribute, tf.data or tf.function is involved. The checkpoint it keeps is then read by our
from_pretrained and by HF's PyTorch class, whose predictions on the dev file must reproduce the metrics the
run reported for its best epoch.
"""

import csv
import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
from tests.backends.conftest import subprocess_env
from tests.finetuning.conftest import REPO, TINY, fixture, spm_dir  # noqa: F401  (spm_dir: a fixture)

BACKEND = keras.backend.backend()
CLI = [sys.executable, "-m", "albert_tf.cli", "finetune"]
EPOCHS = 14
# Without TensorFlow the run writes no event files and says so once; with it (a JAX run in the main
# environment) TensorFlow's summary writer is used.
HAS_TF = importlib.util.find_spec("tensorflow") is not None


def _run(args, timeout=600):
    env = dict(subprocess_env(BACKEND), PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory, spm_dir):  # noqa: F811
    work = tmp_path_factory.mktemp(f"finetune_{BACKEND}")
    config = AlbertConfig(vocab_size=1000, **TINY).save_pretrained(str(work / "shape"))
    out = work / "reviews"
    # ~70 steps: a randomly initialised ALBERT sits near ln 2 for a few dozen steps before it learns
    # (the same run as tests/finetuning/test_finetune.py's on TensorFlow).
    done = _run(["--task=sequence_classification", f"--model={config}", f"--tokenizer={spm_dir}",
                 f"--train_file={fixture('reviews_train.csv')}", f"--eval_file={fixture('reviews_dev.csv')}",
                 f"--output_dir={out}", f"--epochs={EPOCHS}", "--learning_rate=5e-3", "--global_batch_size=8",
                 "--max_seq_length=32"])
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "metrics.json", encoding="utf-8") as f:
        return out, done, json.load(f)


def test_finetune_lowers_the_loss_and_writes_metrics(finetuned):
    out, done, result = finetuned
    assert f"{BACKEND} backend, one device" in done.stdout
    summary = json.loads(done.stdout[done.stdout.index("{\n"):])  # after the progress bar and epoch lines
    assert summary["best_checkpoint_dir"] == str(out) and summary["metrics"] == result["metrics"]
    losses = result["train_loss"]
    assert len(losses) == EPOCHS and np.isfinite(losses).all()
    assert losses[-1] < 0.8 * losses[0], losses
    accuracies = [h["eval"]["accuracy"] for h in result["history"]]
    assert result["best_metric"] == max(accuracies) > result["initial_metrics"]["accuracy"]
    assert result["best_epoch"] == accuracies.index(max(accuracies)) + 1
    assert result["initial_metrics"]["eval_loss"] == pytest.approx(np.log(2), abs=0.01)  # untrained: chance
    if HAS_TF:
        assert sorted(os.listdir(out / "logs")) == ["eval", "train"]
    else:
        assert done.stderr.count("TensorBoard event files need TensorFlow") == 1, done.stderr[-3000:]
        assert not os.path.exists(out / "logs")


def test_checkpoint_reloads_and_predicts_the_reported_metrics(finetuned):
    import torch
    import transformers

    out, _, result = finetuned
    with open(fixture("reviews_dev.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]

    hf = transformers.AlbertForSequenceClassification.from_pretrained(str(out)).eval()
    hf_tokenizer = transformers.AlbertTokenizer.from_pretrained(str(out))
    enc = hf_tokenizer(texts, padding=True, truncation=True, max_length=32, return_tensors="np")
    with torch.no_grad():
        expected = hf(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits.numpy().astype(np.float64)

    ours = TFAlbertForSequenceClassification.from_pretrained(str(out))
    assert ours.config.id2label == hf.config.id2label == {0: "fresh", 1: "rotten"}
    logits = keras.ops.convert_to_numpy(ours(dict(enc), training=False).logits)
    np.testing.assert_allclose(logits, expected, atol=1e-4)

    # The checkpoint is the best epoch's model: HF's predictions give the metrics reported for it.
    best = result["metrics"]
    predicted = [hf.config.id2label[i] for i in expected.argmax(-1)]
    assert np.mean([p == y for p, y in zip(predicted, labels)]) == best["accuracy"]
    assert hf.config.label2id == {"fresh": 0, "rotten": 1}
    label_ids = np.array([hf.config.label2id[y] for y in labels])
    shifted = expected - expected.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    assert -log_probs[np.arange(len(labels)), label_ids].mean() == pytest.approx(best["eval_loss"], rel=1e-4)

    # `evaluate` (the same prediction loop, on this backend) scores the reloaded checkpoint alike.
    from albert_tf.finetuning import evaluate

    metrics = evaluate("sequence_classification", str(out), fixture("reviews_dev.csv"))
    assert metrics["accuracy"] == best["accuracy"]
    assert metrics["eval_loss"] == pytest.approx(best["eval_loss"], rel=1e-5)


def test_tf_distribute_flags_are_refused(tmp_path, spm_dir):  # noqa: F811
    config = AlbertConfig(vocab_size=1000, **TINY).save_pretrained(str(tmp_path / "shape"))
    common = [f"--model={config}", f"--tokenizer={spm_dir}", "--task=sequence_classification",
              f"--train_file={fixture('reviews_train.csv')}"]
    done = _run(common + [f"--output_dir={tmp_path / 'mirrored'}", "--strategy=mirrored"])
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"albert-tf finetune: --strategy=mirrored is a tf.distribute strategy, which needs KERAS_BACKEND=tensorflow; "
        f"on {BACKEND} finetune runs on one device (--strategy=default)")

    from albert_tf.finetuning import finetune

    with pytest.raises(ValueError, match=r"^--tpu=local needs KERAS_BACKEND=tensorflow"):
        finetune("sequence_classification", config, fixture("reviews_train.csv"), None, str(tmp_path / "tpu"),
                 tokenizer=spm_dir, tpu="local")
