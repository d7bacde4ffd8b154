"""End to end on the fixtures: fine-tuning a tiny ALBERT lowers the loss for every task, `evaluate`
reports the task's metrics, and the output directory is a model directory that HF's classes read."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from albert_tf import (AlbertConfig, TFAlbertForPreTraining, TFAlbertForSequenceClassification,
                       TFAlbertForTokenClassification)
from albert_tf.finetuning import DataFormatError, evaluate, finetune
from albert_tf.training.strategy import StrategyError
from tests.finetuning.conftest import TINY, fixture


def _run(task, train, dev, out, spm_dir, **kwargs):
    config = kwargs.pop("config", None) or AlbertConfig(vocab_size=1000, **TINY)
    kwargs.setdefault("global_batch_size", 8)
    return finetune(task, config, fixture(train), fixture(dev) if dev else None, str(out), tokenizer=spm_dir,
                    verbose=False, **kwargs)


def _lowered(result, factor):
    losses = result["train_loss"]
    assert np.isfinite(losses).all()
    assert losses[-1] < factor * losses[0], losses


def _scalars(log_dir):
    values = {}
    for name in sorted(os.listdir(log_dir)):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, name)):
            for value in event.summary.value:
                values.setdefault(value.tag, []).append((event.step, float(tf.make_ndarray(value.tensor))))
    return values


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory, spm_dir):
    out = tmp_path_factory.mktemp("reviews")
    # ~70 steps: a randomly initialised ALBERT sits near ln 2 for a few dozen steps before it learns.
    return out, _run("sequence_classification", "reviews_train.csv", "reviews_dev.csv", out, spm_dir, epochs=14,
                     learning_rate=5e-3, max_seq_length=32)


def test_classification_lowers_the_loss_and_keeps_the_best_epoch(classifier_run):
    out, result = classifier_run
    _lowered(result, 0.5)
    history = result["history"]
    assert [h["epoch"] for h in history] == list(range(1, 15))
    accuracies = [h["eval"]["accuracy"] for h in history]
    assert result["primary_metric"] == "accuracy" and result["best_metric"] == max(accuracies)
    assert result["best_epoch"] == accuracies.index(max(accuracies)) + 1  # the first epoch reaching the best
    assert result["metrics"] == history[result["best_epoch"] - 1]["eval"]
    assert result["initial_metrics"]["eval_loss"] == pytest.approx(np.log(2), abs=0.01)  # untrained: chance
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f)["best_metric"] == result["best_metric"]


def test_evaluate_reproduces_the_best_epoch(classifier_run):
    out, result = classifier_run
    metrics = evaluate("classification", str(out), fixture("reviews_dev.csv"), batch_size=8,
                       output_file=str(out / "eval.json"), predictions_file=str(out / "preds.json"))
    assert metrics["accuracy"] == result["metrics"]["accuracy"]
    assert metrics["macro_f1"] == pytest.approx(result["metrics"]["macro_f1"])
    assert metrics["eval_loss"] == pytest.approx(result["metrics"]["eval_loss"], rel=1e-5)
    with open(out / "eval.json", encoding="utf-8") as f:
        assert json.load(f) == pytest.approx(metrics)
    with open(out / "preds.json", encoding="utf-8") as f:
        predictions = json.load(f)
    assert len(predictions) == 16 and predictions[0]["line"] == 2
    assert {p["prediction"] for p in predictions} <= {"fresh", "rotten"}


def test_output_dir_is_an_hf_model_directory(classifier_run, spm_dir):
    import torch
    import transformers

    out, _ = classifier_run
    ours = TFAlbertForSequenceClassification.from_pretrained(str(out))
    assert ours.config.id2label == {0: "fresh", 1: "rotten"}
    hf = transformers.AlbertForSequenceClassification.from_pretrained(str(out)).eval()
    assert hf.config.id2label == {0: "fresh", 1: "rotten"}
    hf_tokenizer = transformers.AlbertTokenizer.from_pretrained(str(out))
    enc = hf_tokenizer(["A sly, intricate and appealing film.", "Dull."], padding=True, return_tensors="np")
    with torch.no_grad():
        expected = hf(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits.numpy()
    np.testing.assert_allclose(np.asarray(ours(dict(enc)).logits), expected, atol=1e-4)
    with open(out / "finetune_settings.json", encoding="utf-8") as f:
        assert json.load(f)["max_seq_length"] == 32


def test_tensorboard_logs(classifier_run):
    out, result = classifier_run
    train = _scalars(out / "logs" / "train")
    assert "loss" in train and "learning_rate" in train and len(train["epoch_loss"]) == 14
    evaluation = _scalars(out / "logs" / "eval")
    assert [v for _, v in evaluation["accuracy"]] == pytest.approx(
        [result["initial_metrics"]["accuracy"]] + [h["eval"]["accuracy"] for h in result["history"]])


def test_regression(tmp_path, spm_dir):
    result = _run("regression", "similarity.jsonl", "similarity.jsonl", tmp_path, spm_dir, epochs=8,
                  learning_rate=3e-3)
    _lowered(result, 0.7)
    assert result["primary_metric"] == "mse" and set(result["metrics"]) >= {"mse", "pearson", "eval_loss"}
    assert result["best_metric"] == min(h["eval"]["mse"] for h in result["history"])
    metrics = evaluate("sequence_classification", str(tmp_path), fixture("similarity.jsonl"))
    assert metrics["mse"] == pytest.approx(result["metrics"]["mse"], rel=1e-5)
    assert AlbertConfig.from_pretrained(str(tmp_path)).num_labels == 1


def test_token_classification(tmp_path, spm_dir):
    result = _run("ner", "ner_train.conll", "ner_dev.conll", tmp_path, spm_dir, epochs=8, learning_rate=3e-3)
    _lowered(result, 0.6)
    assert result["primary_metric"] == "f1"
    assert result["metrics"]["accuracy"] > result["initial_metrics"]["accuracy"]
    metrics = evaluate("token_classification", str(tmp_path), fixture("ner_dev.conll"))
    assert set(metrics) >= {"accuracy", "precision", "recall", "f1", "per_type", "eval_loss"}
    assert metrics["f1"] == pytest.approx(result["metrics"]["f1"])
    assert AlbertConfig.from_pretrained(str(tmp_path)).id2label[0] == "O"


@pytest.mark.parametrize("version", ["v1.1", "v2.0"])
def test_question_answering(tmp_path, spm_dir, version):
    result = _run("squad", f"squad_{version}_train.json", f"squad_{version}_dev.json", tmp_path, spm_dir,
                  epochs=6, learning_rate=3e-3, max_seq_length=96, doc_stride=32, max_query_length=32)
    _lowered(result, 0.8)
    metrics = evaluate("question_answering", str(tmp_path), fixture(f"squad_{version}_dev.json"),
                       predictions_file=str(tmp_path / "predictions.json"))
    keys = {"exact_match", "f1"} if version == "v1.1" else {"exact", "f1", "total", "HasAns_exact", "NoAns_exact"}
    assert set(metrics) >= keys
    assert metrics["f1"] == pytest.approx(result["metrics"]["f1"])
    assert metrics["num_windows"] > metrics["num_examples"]  # contexts longer than one window
    with open(tmp_path / "predictions.json", encoding="utf-8") as f:
        predictions = json.load(f)  # what the official scripts read: {id: answer text}
    assert set(predictions) == {e["id"] for a in json.load(open(fixture(f"squad_{version}_dev.json")))["data"]
                                for p in a["paragraphs"] for e in p["qas"]}


def test_multiple_choice(tmp_path, spm_dir):
    result = _run("mc", "mc_train.jsonl", "mc_dev.jsonl", tmp_path, spm_dir, epochs=10, learning_rate=3e-3,
                  global_batch_size=4)
    _lowered(result, 0.8)
    metrics = evaluate("multiple_choice", str(tmp_path), fixture("mc_dev.jsonl"))
    assert metrics["accuracy"] == result["metrics"]["accuracy"] and metrics["num_examples"] == 8


def test_starts_from_a_pretrained_directory(tmp_path, spm_dir, tokenizer):
    keras.utils.set_random_seed(1)
    pretrained = TFAlbertForPreTraining(AlbertConfig(vocab_size=tokenizer.vocab_size, **TINY))
    pretrained.save_pretrained(str(tmp_path / "pre"))
    tokenizer.save_pretrained(str(tmp_path / "pre"))  # DIR models carry spiece.model next to config.json
    result = finetune("classification", str(tmp_path / "pre"), fixture("reviews_train.csv"), fixture("reviews_dev.csv"),
                      str(tmp_path / "out"), epochs=1, learning_rate=1e-9, global_batch_size=8, verbose=False)
    assert result["num_train_steps"] == 5
    tuned = TFAlbertForSequenceClassification.from_pretrained(str(tmp_path / "out"))
    assert tuned.config.id2label == {0: "fresh", 1: "rotten"}
    np.testing.assert_allclose(tuned.albert.embeddings.word_embeddings.embeddings.numpy(),
                               pretrained.albert.embeddings.word_embeddings.embeddings.numpy(), atol=1e-6)
    # A fine-tuned directory keeps its label ids and its head when training continues on the same labels.
    again = finetune("classification", str(tmp_path / "out"), fixture("reviews_dev.csv"), None, str(tmp_path / "more"),
                     epochs=1, learning_rate=1e-9, global_batch_size=8, verbose=False)
    assert again["best_epoch"] == 1
    more = TFAlbertForSequenceClassification.from_pretrained(str(tmp_path / "more"))
    np.testing.assert_allclose(more.classifier.kernel.numpy(), tuned.classifier.kernel.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="change the shape of the pre-trained model"):
        finetune("classification", str(tmp_path / "pre"), fixture("reviews_train.csv"), None, str(tmp_path / "x"),
                 config_overrides={"hidden_size": 64}, verbose=False)


def test_bfloat16_mixed_precision(tmp_path, spm_dir):
    result = _run("ner", "ner_train.conll", None, tmp_path, spm_dir, epochs=2, learning_rate=3e-3,
                  mixed_precision="bfloat16", global_batch_size=4)
    assert result["hyperparameters"]["mixed_precision"] == "mixed_bfloat16"
    _lowered(result, 0.95)
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    saved = TFAlbertForTokenClassification.from_pretrained(str(tmp_path))
    assert saved.classifier.kernel.dtype == "float32" and saved.config.id2label[0] == "O"


def test_bad_inputs_fail_before_training(tmp_path, spm_dir):
    bad = tmp_path / "dev.csv"
    bad.write_text("label,text\nfresh,fine\nspoiled,bad\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"dev.csv:3: label 'spoiled'"):
        finetune("classification", AlbertConfig(vocab_size=1000, **TINY), fixture("reviews_train.csv"), str(bad),
                 str(tmp_path / "a"), tokenizer=spm_dir, verbose=False)
    assert not os.path.exists(tmp_path / "a" / "config.json")
    with pytest.raises(FileNotFoundError, match="pass tokenizer="):
        finetune("classification", "albert-base-v2", fixture("reviews_train.csv"), None, str(tmp_path / "b"))
    with pytest.raises(StrategyError, match="strategy must be one of"):
        finetune("classification", "albert-base-v2", fixture("reviews_train.csv"), None, str(tmp_path / "c"),
                 strategy="parameter_server")
    with pytest.raises(ValueError, match="multi_worker"):
        finetune("classification", "albert-base-v2", fixture("reviews_train.csv"), None, str(tmp_path / "d"),
                 strategy="multi_worker")
    with pytest.raises(ValueError, match="max_position_embeddings"):
        _run("classification", "reviews_train.csv", None, tmp_path / "e", spm_dir, max_seq_length=512)
    with pytest.raises(ValueError, match="unknown task"):
        finetune("summarization", "albert-base-v2", fixture("reviews_train.csv"), None, str(tmp_path / "f"))
