"""HF's TFPreTrainedModel / PretrainedConfig API on albert_tf, checked against HF 4.x (the oracle) where HF has one.

The upstream mixin (tests/hf_suites/test_hf_modeling_suite.py) covers the API's existence and shapes; these
tests check what the keywords do: sharded checkpoints HF reads, SavedModels, subfolders, the Auto classes,
per-example sample weights, per-output metrics and resizing.
"""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
import transformers

from albert_tf import (
    AlbertConfig,
    AutoConfig,
    TFAlbertForMaskedLM,
    TFAlbertForQuestionAnswering,
    TFAlbertForSequenceClassification,
    TFAlbertModel,
    TFAutoModel,
    TFAutoModelForMaskedLM,
    TFAutoModelForQuestionAnswering,
    TFAutoModelForSequenceClassification,
)
from tests.hf_oracle import as_numpy, hf_config, hf_pt_class, hf_tf_class
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels

CONFIG = SMALL_CONFIGS["released_layout"]


def _model(cls, **overrides):
    keras.utils.set_random_seed(0)
    return cls(AlbertConfig(**{**CONFIG, **overrides}))


# -- config -------------------------------------------------------------------------------------------
def test_config_fields_and_json_match_hf():
    kwargs = dict(CONFIG, return_dict=False, torchscript=False, is_decoder=True, num_beams=3, problem_type="regression")
    ours, theirs = AlbertConfig(**kwargs), hf_config(**kwargs)
    expected = {k: v for k, v in theirs.to_dict().items() if k not in ("transformers_version", "_name_or_path")}
    expected["id2label"] = {str(k): v for k, v in expected["id2label"].items()}
    assert {k: ours.to_dict().get(k) for k in expected} == expected
    assert (ours.return_dict, ours.use_return_dict, ours.is_encoder_decoder) == (
        theirs.return_dict, theirs.use_return_dict, theirs.is_encoder_decoder)
    assert AlbertConfig(torchscript=True).use_return_dict is transformers.AlbertConfig(torchscript=True).use_return_dict
    assert json.loads(ours.to_json_string(use_diff=True)).keys() == json.loads(theirs.to_json_string()).keys() - {
        "transformers_version"}


def test_config_json_file_round_trip_and_hf_reads_it(tmp_path):
    ours = AlbertConfig(**CONFIG, id2label={0: "neg", 1: "pos"})
    ours.to_json_file(tmp_path / "c.json")
    assert AlbertConfig.from_json_file(tmp_path / "c.json") == ours
    assert transformers.AlbertConfig.from_json_file(str(tmp_path / "c.json")).label2id == {"neg": 0, "pos": 1}
    assert AlbertConfig.from_dict(ours.to_dict(), num_labels=3).num_labels == 3


def test_label_maps_stay_consistent():
    config = AlbertConfig(num_labels=5)
    config.id2label = {0: "a", 1: "b", 2: "c"}
    assert config.label2id == {"a": 0, "b": 1, "c": 2} and config.num_labels == 3
    config.label2id = {"x": 1, "y": 0}
    assert config.id2label == {0: "y", 1: "x"}
    config.num_labels = 4
    assert len(config.id2label) == len(config.label2id) == 4
    # As HF: a given label2id is kept as given, and num_labels follows id2label.
    assert AlbertConfig(id2label={0: "label"}, label2id={"label": "0"}).label2id == transformers.AlbertConfig(
        id2label={0: "label"}, label2id={"label": "0"}).label2id


# -- save_pretrained / from_pretrained keywords -------------------------------------------------------
def test_sharded_save_is_read_by_us_and_by_hf_pytorch(tmp_path):
    pytest.importorskip("torch")
    import torch

    model = _model(TFAlbertForMaskedLM)
    model.save_pretrained(tmp_path, max_shard_size="20KB")
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 1 and all(os.path.exists(tmp_path / s) for s in shards)
    assert not (tmp_path / "model.safetensors").exists()
    inputs = make_inputs("TFAlbertForMaskedLM")
    expected = model(inputs).logits.numpy()
    np.testing.assert_allclose(TFAlbertForMaskedLM.from_pretrained(tmp_path)(inputs).logits.numpy(), expected,
                               atol=1e-5)
    theirs = hf_pt_class("TFAlbertForMaskedLM").from_pretrained(tmp_path).eval()
    with torch.no_grad():
        pt_logits = theirs(**{k: torch.tensor(v, dtype=torch.long) for k, v in inputs.items()}).logits
    np.testing.assert_allclose(as_numpy(pt_logits), expected, atol=1e-4)
    # Saving unsharded again removes the old shards and index (a stale index would win when loading).
    model.save_pretrained(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "model.safetensors"]


def test_safe_serialization_false_writes_hf_tf_h5(tmp_path):
    model = _model(TFAlbertForSequenceClassification, num_labels=3)
    model.save_pretrained(tmp_path, safe_serialization=False)
    assert sorted(os.listdir(tmp_path)) == ["config.json", "tf_model.h5"]
    inputs = make_inputs("TFAlbertForSequenceClassification")
    theirs = hf_tf_class("TFAlbertForSequenceClassification").from_pretrained(tmp_path)
    np.testing.assert_allclose(theirs(inputs).logits.numpy(), model(inputs).logits.numpy(), atol=1e-4)


def test_saved_model_export_serves_the_model_and_never_overwrites(tmp_path):
    model = _model(TFAlbertForQuestionAnswering)
    model.save_pretrained(tmp_path, saved_model=True, version=3)
    loaded = tf.saved_model.load(str(tmp_path / "saved_model" / "3"))
    inputs = {k: tf.constant(v) for k, v in make_inputs("TFAlbertForQuestionAnswering").items()}
    served = loaded.signatures["serving_default"](**inputs)
    np.testing.assert_allclose(served["start_logits"].numpy(), model(inputs).start_logits.numpy(), atol=1e-5)
    with pytest.raises(FileExistsError, match="version"):
        model.save_pretrained(tmp_path, saved_model=True, version=3)


def test_subfolder_and_output_loading_info(tmp_path):
    _model(TFAlbertModel).save_pretrained(tmp_path / "encoder")
    assert AlbertConfig.from_pretrained(tmp_path, subfolder="encoder").hidden_size == CONFIG["hidden_size"]
    model, info = TFAlbertForMaskedLM.from_pretrained(tmp_path, subfolder="encoder", output_loading_info=True)
    assert isinstance(model, TFAlbertForMaskedLM)
    assert "predictions.bias" in info["missing_keys"] and info["mismatched_keys"] == []
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.save_pretrained(tmp_path / "x", not_an_hf_keyword=1)


# -- Auto classes ---------------------------------------------------------------------------------------
def test_auto_classes_pick_the_head_and_name_unknown_model_types(tmp_path):
    _model(TFAlbertForMaskedLM).save_pretrained(tmp_path / "albert")
    assert type(TFAutoModel.from_pretrained(tmp_path / "albert")) is TFAlbertModel
    assert type(TFAutoModelForMaskedLM.from_pretrained(tmp_path / "albert")) is TFAlbertForMaskedLM
    classifier = TFAutoModelForSequenceClassification.from_pretrained(tmp_path / "albert", num_labels=4)
    assert type(classifier) is TFAlbertForSequenceClassification and classifier.config.num_labels == 4
    assert type(TFAutoModelForQuestionAnswering.from_config(AlbertConfig(**CONFIG))) is TFAlbertForQuestionAnswering
    assert AutoConfig.from_pretrained(tmp_path / "albert").model_type == "albert"
    hf_dir = tmp_path / "bert"
    transformers.BertConfig(hidden_size=16, num_attention_heads=2).save_pretrained(hf_dir)
    for load in (AutoConfig.from_pretrained, TFAutoModel.from_pretrained):
        with pytest.raises(ValueError, match="model_type 'bert'"):
            load(hf_dir)
    with pytest.raises(OSError, match="from_pretrained"):
        TFAutoModel()


# -- training --------------------------------------------------------------------------------------------
def test_sample_weight_with_the_hf_loss_weights_each_example(tmp_path):
    name = "TFAlbertForQuestionAnswering"
    model = _model(TFAlbertForQuestionAnswering)
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, 2)
    weights = np.array([1.0, 0.0, 3.0], np.float32)
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    # Keras hands sample_weight to the loss only with labels as y (it drops it when y is None).
    loss = model.evaluate(inputs, labels, sample_weight=weights, batch_size=3, verbose=0)
    # The oracle: HF's TF model on the same weights gives the per-example losses.
    model.save_pretrained(tmp_path, weights_format="h5")
    per_example = hf_tf_class(name).from_pretrained(tmp_path)(inputs, **labels).loss.numpy()
    assert per_example.shape == (3,) and not np.isclose(np.mean(per_example * weights), np.mean(per_example))
    np.testing.assert_allclose(loss, np.mean(per_example * weights), rtol=1e-5)


def test_fit_with_metrics_on_the_two_output_heads():
    name = "TFAlbertForQuestionAnswering"
    model = _model(TFAlbertForQuestionAnswering)
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, 2)
    model.compile(optimizer=keras.optimizers.SGD(0.0), metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = model.fit({**inputs, **labels}, epochs=1, batch_size=3, verbose=0).history
    assert {"start_logits_sparse_categorical_accuracy", "end_logits_sparse_categorical_accuracy"} <= set(history)
    out = model(inputs)
    for output, label in (("start_logits", "start_positions"), ("end_logits", "end_positions")):
        accuracy = np.mean(np.argmax(out[output].numpy(), -1) == labels[label])
        assert history[f"{output}_sparse_categorical_accuracy"][0] == pytest.approx(accuracy)


def test_resize_token_embeddings_keeps_old_rows_and_the_tie():
    model = _model(TFAlbertForMaskedLM)
    inputs = make_inputs("TFAlbertForMaskedLM")
    before = model(inputs).logits.numpy()
    model.resize_token_embeddings(CONFIG["vocab_size"] + 5)
    after = model(inputs).logits.numpy()
    assert after.shape[-1] == CONFIG["vocab_size"] + 5 and model.config.vocab_size == CONFIG["vocab_size"] + 5
    np.testing.assert_allclose(after[..., :CONFIG["vocab_size"]], before, atol=1e-5)
    np.testing.assert_array_equal(model.get_bias()["bias"].numpy()[CONFIG["vocab_size"]:], 0.0)
    assert len(model.weights) == len({id(w) for w in model.weights})  # the old variables are gone
    model.resize_token_embeddings(CONFIG["vocab_size"] - 1)
    assert model(inputs).logits.shape[-1] == CONFIG["vocab_size"] - 1
