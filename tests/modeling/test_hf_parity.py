"""Acceptance 1-2 of the core issue: numerics, weights and losses against HF 4.x (the outside oracle)."""

import numpy as np
import pytest

from albert_tf.modeling import ALL_MODELS
from tests.hf_oracle import hf_config, hf_tf_class, max_abs_diff
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels, num_labels_for

TOLERANCE = 1e-4
MODEL_NAMES = [cls.__name__ for cls in ALL_MODELS]
OURS = {cls.__name__: cls for cls in ALL_MODELS}


def _hf_model(name, config_name, seed=0):
    import tensorflow as tf

    tf.random.set_seed(seed)
    config = dict(SMALL_CONFIGS[config_name], num_labels=num_labels_for(name))
    model = hf_tf_class(name)(hf_config(**config))
    model(make_inputs(name))
    return model


def _compare(name, hf_model, ours, **flags):
    inputs = make_inputs(name)
    expected = hf_model(inputs, output_attentions=True, output_hidden_states=True, **flags)
    actual = ours(inputs, output_attentions=True, output_hidden_states=True, **flags)
    diffs = max_abs_diff(expected, actual)
    assert max(diffs.values()) <= TOLERANCE, diffs
    return diffs


@pytest.mark.parametrize("config_name", sorted(SMALL_CONFIGS))
@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("fmt", ["h5", "tf_safetensors"])
def test_hf_tf_checkpoint_loads_to_identical_outputs(tmp_path, name, config_name, fmt):
    hf_model = _hf_model(name, config_name)
    hf_model.save_pretrained(tmp_path, safe_serialization=(fmt == "tf_safetensors"))
    ours = OURS[name].from_pretrained(tmp_path)
    diffs = _compare(name, hf_model, ours)
    # Every output key of HF is present, hidden_states and attentions included.
    assert {"hidden_states", "attentions"} <= set(diffs)


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if n != "TFAlbertModel"])  # the bare model has no loss
def test_losses_with_labels_match_hf(tmp_path, name):
    hf_model = _hf_model(name, "groups2_inner2", seed=1)
    hf_model.save_pretrained(tmp_path)
    ours = OURS[name].from_pretrained(tmp_path)
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, num_labels_for(name))
    expected = hf_model(inputs, **labels)
    actual = ours(inputs, **labels)
    assert np.asarray(actual.loss).shape == np.asarray(expected.loss).shape
    np.testing.assert_allclose(np.asarray(actual.loss), np.asarray(expected.loss), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("config_name", sorted(SMALL_CONFIGS))
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_our_h5_loads_in_hf_tf(tmp_path, name, config_name):
    import tensorflow as tf

    tf.random.set_seed(3)
    config = dict(SMALL_CONFIGS[config_name], num_labels=num_labels_for(name))
    from albert_tf import AlbertConfig

    ours = OURS[name](AlbertConfig(**config))
    ours.save_pretrained(tmp_path, weights_format="h5")
    hf_model = hf_tf_class(name).from_pretrained(tmp_path, use_safetensors=False)
    _compare(name, hf_model, ours)


def test_regression_loss_is_mse_like_hf(tmp_path):
    import tensorflow as tf

    hf_model = hf_tf_class("TFAlbertForSequenceClassification")(
        hf_config(**dict(SMALL_CONFIGS["released_layout"], num_labels=1)))
    inputs = make_inputs("TFAlbertForSequenceClassification")
    hf_model(inputs)
    hf_model.save_pretrained(tmp_path)
    ours = OURS["TFAlbertForSequenceClassification"].from_pretrained(tmp_path)
    labels = np.array([0.5, -1.0, 2.0], np.float32)
    expected = hf_model(inputs, labels=tf.constant(labels)).loss
    actual = ours(inputs, labels=labels).loss
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=1e-5)


@pytest.mark.parametrize("name", ["TFAlbertForMaskedLM", "TFAlbertForPreTraining"])
def test_mask_positions_give_hf_logits_at_those_positions(tmp_path, name):
    """Our extra ``mask_positions`` argument (keras-hub's MaskedLMHead semantics): HF's full-sequence logits
    gathered at the positions; a -1 padding slot reads position 0."""
    hf_model = _hf_model(name, "groups2_inner2", seed=2)
    hf_model.save_pretrained(tmp_path)
    ours = OURS[name].from_pretrained(tmp_path)
    inputs = make_inputs(name)
    length = inputs["input_ids"].shape[1]
    positions = np.stack([np.array([length - 1, 1, -1]), np.array([0, 2, 3])]).astype(np.int32)
    positions = np.resize(positions, (inputs["input_ids"].shape[0], 3))
    key = "logits" if name == "TFAlbertForMaskedLM" else "prediction_logits"
    full = np.asarray(hf_model(inputs)[key])
    expected = np.take_along_axis(full, np.maximum(positions, 0)[..., None], axis=1)
    actual = np.asarray(ours(inputs, mask_positions=positions)[key])
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=TOLERANCE)
