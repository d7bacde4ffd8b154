"""The training step and loop in one process: loss against HF, learning, exact resume, XLA, mixed precision."""

import json
import os

import numpy as np
import pytest

from albert_tf import TFAlbertForPreTraining, TFAlbertModel
from albert_tf.pretraining import (
    evaluate_pretrained,
    hf_pretraining_features,
    metrics_from_sums,
    pretrain,
    pretraining_dataset,
    pretraining_logits,
    read_scalars,
)
from albert_tf.pretraining.trainer import pretraining_sums
from tests.hf_oracle import hf_config, hf_tf_class
from tests.pretraining.conftest import TINY_CONFIG, records_glob

STEPS = 60
RUN = dict(config_overrides=TINY_CONFIG, global_batch_size=16, num_train_steps=STEPS, warmup_steps=5,
           learning_rate=0.05, save_checkpoints_steps=10, log_every_steps=10, steps_per_execution=5, seed=11,
           shuffle_buffer_size=200, progress_bar=False)


def _metrics(model_dir):
    with open(os.path.join(model_dir, "metrics.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _losses(model_dir):
    return {row["step"]: row for row in _metrics(model_dir) if "loss" in row and row.get("split") != "eval"}


def test_pretraining_loss_equals_hf(tmp_path, tiny_records):
    """Gathering at masked positions before the vocabulary projection gives HF's full-sequence loss."""
    import tensorflow as tf

    tf.random.set_seed(0)
    hf_model = hf_tf_class("TFAlbertForPreTraining")(hf_config(vocab_size=1000, **TINY_CONFIG))
    batch = next(iter(pretraining_dataset(records_glob(tiny_records), 8, seed=2)))
    hf_inputs = hf_pretraining_features(batch)
    expected = hf_model(hf_inputs, training=False).loss
    hf_model.save_pretrained(tmp_path)
    ours = TFAlbertForPreTraining.from_pretrained(tmp_path)
    mlm_logits, sop_logits = pretraining_logits(ours, batch, training=False)
    metrics = metrics_from_sums({k: float(v) for k, v in pretraining_sums(batch, mlm_logits, sop_logits).items()})
    np.testing.assert_allclose(metrics["loss"], float(np.asarray(expected).reshape(())), rtol=1e-5)
    # And our model's own HF-style loss on the same features agrees (the model.fit path).
    np.testing.assert_allclose(float(np.asarray(ours(hf_inputs).loss).reshape(())), metrics["loss"], rtol=1e-5)


@pytest.fixture(scope="module")
def full_run(tiny_records, spm_dir, tmp_path_factory):
    model_dir = str(tmp_path_factory.mktemp("full_run"))
    result = pretrain("albert-base-v2", records_glob(tiny_records), model_dir, tokenizer=spm_dir,
                      eval_files=tiny_records.output_files[1], eval_steps=5, **RUN)
    return result


def test_short_run_lowers_the_loss_and_writes_everything(full_run, tiny_records, spm_dir):
    assert full_run.global_step == STEPS and full_run.restored_step == 0
    losses = _losses(full_run.model_dir)
    assert sorted(losses) == list(range(10, STEPS + 1, 10))
    assert losses[STEPS]["loss"] < losses[10]["loss"] - 0.5, {s: r["loss"] for s, r in losses.items()}
    # TensorBoard curves, checkpoints and the exported model directory.
    scalars = read_scalars(os.path.join(full_run.model_dir, "train"))
    assert {"loss", "mlm_accuracy", "sop_accuracy", "learning_rate"} <= set(scalars)
    assert [step for step, _ in scalars["loss"]] == sorted(losses)
    assert "mlm_accuracy" in read_scalars(os.path.join(full_run.model_dir, "eval"))
    assert os.path.exists(os.path.join(full_run.model_dir, "checkpoints", f"ckpt-{STEPS}.index"))
    export = full_run.export_dir
    assert sorted(os.listdir(export)) == ["config.json", "model.safetensors", "special_tokens_map.json",
                                          "spiece.model", "tokenizer_config.json"]
    with open(os.path.join(export, "spiece.model"), "rb") as a, open(os.path.join(spm_dir, "spiece.model"), "rb") as b:
        assert a.read() == b.read()
    reloaded = TFAlbertForPreTraining.from_pretrained(export)
    assert reloaded.config.vocab_size == 1000 and reloaded.config.hidden_size == 32
    TFAlbertModel.from_pretrained(export)
    assert full_run.eval_metrics["examples"] == 5 * 16
    assert {"unigram_mlm_accuracy", "majority_sop_accuracy"} <= set(full_run.eval_metrics)
    # The exported model evaluates as the trained one did.
    again = evaluate_pretrained(export, tiny_records.output_files[1], batch_size=16, max_steps=5)
    for key in ("loss", "mlm_accuracy", "sop_accuracy", "unigram_mlm_accuracy"):
        assert again[key] == pytest.approx(full_run.eval_metrics[key], abs=1e-5), key


def test_stopping_and_resuming_gives_the_uninterrupted_run(full_run, tiny_records, spm_dir, tmp_path):
    """Same step, optimizer state and data position: the resumed run ends with the same weights."""
    model_dir = str(tmp_path / "resumed")
    first = pretrain("albert-base-v2", records_glob(tiny_records), model_dir, tokenizer=spm_dir,
                     stop_after_steps=30, **RUN)
    assert first.global_step == 30 and first.export_dir is None
    second = pretrain("albert-base-v2", records_glob(tiny_records), model_dir, tokenizer=spm_dir, **RUN)
    assert second.restored_step == 30 and second.global_step == STEPS and second.steps_this_run == 30
    reference, resumed = _losses(full_run.model_dir), _losses(model_dir)
    for step in range(10, STEPS + 1, 10):
        assert resumed[step]["loss"] == pytest.approx(reference[step]["loss"], rel=1e-5), step
    expected = TFAlbertForPreTraining.from_pretrained(full_run.export_dir)
    actual = TFAlbertForPreTraining.from_pretrained(second.export_dir)
    for a, b in zip(expected.weights, actual.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)


def test_resuming_with_other_data_settings_is_refused(full_run, tiny_records):
    with pytest.raises(ValueError, match="global_batch_size"):
        pretrain("albert-base-v2", records_glob(tiny_records), full_run.model_dir,
                 **dict(RUN, global_batch_size=8, num_train_steps=STEPS + 10))


def test_xla_step_matches_the_plain_step(full_run, tiny_records, spm_dir, tmp_path):
    result = pretrain("albert-base-v2", records_glob(tiny_records), str(tmp_path / "xla"), tokenizer=spm_dir,
                      jit_compile=True, stop_after_steps=10, **RUN)
    xla = _losses(result.model_dir)[10]
    plain = _losses(full_run.model_dir)[10]
    for key in ("loss", "mlm_accuracy", "sop_accuracy"):
        assert xla[key] == pytest.approx(plain[key], abs=2e-3), key


def test_float16_from_init_checkpoint_into_a_remote_model_dir(full_run, tiny_records, spm_dir):
    """Mixed float16 (LossScaleOptimizer) from pretrained weights, with model_dir on a tf.io.gfile filesystem
    (ram://, standing in for gs://): checkpoints, metrics.jsonl and the export all go through gfile."""
    import tensorflow as tf

    model_dir = "ram://albert_tf_test/float16"
    result = pretrain("albert-base-v2", records_glob(tiny_records), model_dir, tokenizer=spm_dir,
                      mixed_precision="float16", init_checkpoint=full_run.export_dir,
                      **dict(RUN, num_train_steps=10))
    assert result.global_step == 10 and np.isfinite(result.metrics["loss"])
    # Starting from the trained weights, not from scratch: the first interval is already far below ln(V).
    assert result.metrics["loss"] < _losses(full_run.model_dir)[10]["loss"] - 0.3
    rows = [json.loads(line) for line in tf.io.gfile.GFile(model_dir + "/metrics.jsonl").read().splitlines()]
    assert rows[0]["init_checkpoint"] == full_run.export_dir
    assert [r["event"] for r in rows if "event" in r] == ["start", "checkpoint", "exported"]
    assert tf.io.gfile.exists(model_dir + "/checkpoints/ckpt-10.index")
    assert sorted(tf.io.gfile.listdir(result.export_dir)) == [
        "config.json", "model.safetensors", "special_tokens_map.json", "spiece.model", "tokenizer_config.json"]


def test_bad_arguments_name_the_problem(tiny_records, spm_dir, tmp_path):
    with pytest.raises(ValueError, match="mixed_precision"):
        pretrain("albert-base-v2", records_glob(tiny_records), str(tmp_path), mixed_precision="int8")
    with pytest.raises(ValueError, match="not key=value"):
        pretrain("albert-base-v2", records_glob(tiny_records), str(tmp_path), config_overrides="hidden_size")
    with pytest.raises(ValueError, match="tokenizer has 1000 pieces"):
        pretrain("albert-base-v2", records_glob(tiny_records), str(tmp_path), tokenizer=spm_dir,
                 config_overrides=dict(TINY_CONFIG, vocab_size=30000))
    with pytest.raises(FileNotFoundError, match="no pretraining record file"):
        pretrain("albert-base-v2", str(tmp_path / "none-*"), str(tmp_path))
    with pytest.raises(ValueError, match="max_position_embeddings"):
        pretrain("albert-base-v2", records_glob(tiny_records), str(tmp_path),
                 config_overrides=dict(TINY_CONFIG, max_position_embeddings=32))
