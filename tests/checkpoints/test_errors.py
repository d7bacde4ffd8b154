"""Bad checkpoints get errors that name the problem; base -> head loading warns which weights are new."""

import logging

import numpy as np
import pytest

from albert_tf import AlbertConfig, TFAlbertForQuestionAnswering, TFAlbertForSequenceClassification, TFAlbertModel
from albert_tf.checkpoints import CheckpointError, MissingWeightsError
from albert_tf.checkpoints.formats import read_safetensors, write_safetensors
from tests.modeling.conftest import SMALL_CONFIGS

CONFIG = SMALL_CONFIGS["released_layout"]


@pytest.fixture
def base_dir(tmp_path):
    TFAlbertModel(AlbertConfig(**CONFIG)).save_pretrained(tmp_path)
    return tmp_path


def test_missing_weight_is_named(base_dir):
    path = str(base_dir / "model.safetensors")
    state = read_safetensors(path)
    del state["albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight"]
    write_safetensors(path, state)
    with pytest.raises(MissingWeightsError, match=r"albert_layers\.0\.ffn\.weight"):
        TFAlbertModel.from_pretrained(base_dir)


def test_misshaped_weight_names_both_shapes(base_dir):
    path = str(base_dir / "model.safetensors")
    state = read_safetensors(path)
    state["albert.embeddings.LayerNorm.weight"] = np.ones(5, np.float32)
    write_safetensors(path, state)
    with pytest.raises(ValueError, match=r"albert\.embeddings\.LayerNorm\.weight.*\(5,\).*\(12,\)"):
        TFAlbertModel.from_pretrained(base_dir)


def test_corrupt_and_absent_files(tmp_path, base_dir):
    (base_dir / "model.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match="Cannot read safetensors"):
        TFAlbertModel.from_pretrained(base_dir)
    AlbertConfig(**CONFIG).save_pretrained(tmp_path / "empty")
    with pytest.raises(CheckpointError, match="No weights found"):
        TFAlbertModel.from_pretrained(tmp_path / "empty")
    with pytest.raises(OSError, match="No such model directory"):
        TFAlbertModel.from_pretrained(tmp_path / "nowhere" / "x")


def test_hub_id_without_network_says_why():
    # HF_HUB_OFFLINE=1 in tests: the download must fail with a message naming the hub and the id.
    with pytest.raises(OSError, match="albert/albert-base-v2.*hub"):
        TFAlbertModel.from_pretrained("albert/albert-base-v2")


def test_base_into_head_warns_which_weights_are_new(base_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="albert_tf"):
        model = TFAlbertForSequenceClassification.from_pretrained(base_dir, num_labels=4)
    assert "classifier.weight" in caplog.text and "newly initialized" in caplog.text
    assert model.config.num_labels == 4


def test_ignore_mismatched_sizes_reinitialises_the_head(tmp_path):
    TFAlbertForSequenceClassification(AlbertConfig(**CONFIG, num_labels=3)).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"classifier\.(weight|bias)"):
        TFAlbertForSequenceClassification.from_pretrained(tmp_path, num_labels=5)
    model = TFAlbertForSequenceClassification.from_pretrained(tmp_path, num_labels=5, ignore_mismatched_sizes=True)
    assert tuple(model.classifier.kernel.shape) == (24, 5)


def test_head_checkpoint_into_base_and_other_head(tmp_path):
    qa = TFAlbertForQuestionAnswering(AlbertConfig(**CONFIG, num_labels=2))
    qa.save_pretrained(tmp_path)
    base = TFAlbertModel.from_pretrained(tmp_path)  # pooler is absent from a QA checkpoint: initialised
    ids = np.array([[2, 9, 8, 3]])
    np.testing.assert_array_equal(np.asarray(base(ids).last_hidden_state), np.asarray(qa.albert(input_ids=ids)["last_hidden_state"]))
