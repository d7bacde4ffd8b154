"""`packed_tokens`: the exports' inference path (projections on the real tokens only) against HF 4.x's TF model.

The oracle is HF's TFAlbertModel with the same weights (as in test_hf_parity); real positions and the pooled
output must agree, for right- and left-padded rows, every sharing layout of SMALL_CONFIGS.
"""

import numpy as np
import pytest

from albert_tf import TFAlbertModel
from albert_tf.modeling.layers.transformer import AlbertTransformer, packed_tokens
from tests.hf_oracle import hf_config, hf_tf_class
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs

TOLERANCE = 1e-5


def _left_padded(inputs):
    """The same rows with their padding moved to the left (HF's padding_side='left')."""
    out = {k: np.zeros_like(v) for k, v in inputs.items()}
    for row, length in enumerate(inputs["attention_mask"].sum(axis=1)):
        for key, value in inputs.items():
            out[key][row, value.shape[1] - length:] = value[row, :length]
    return out


@pytest.fixture(scope="module", params=sorted(SMALL_CONFIGS))
def models(request, tmp_path_factory):
    import tensorflow as tf

    tf.random.set_seed(0)
    hf = hf_tf_class("TFAlbertModel")(hf_config(**SMALL_CONFIGS[request.param]))
    hf(make_inputs("TFAlbertModel"))
    path = tmp_path_factory.mktemp(request.param)
    hf.save_pretrained(path)
    return hf, TFAlbertModel.from_pretrained(path)


@pytest.mark.parametrize("padding", ["right", "left"])
def test_packed_tokens_match_hf(models, padding):
    import tensorflow as tf

    hf, ours = models
    inputs = make_inputs("TFAlbertModel")
    if padding == "left":
        inputs = _left_padded(inputs)
    expected = hf(inputs, training=False)
    forward = tf.function(lambda features: ours(features, training=False))
    with packed_tokens(ours):
        actual = forward(inputs)
    real = inputs["attention_mask"].astype(bool)[..., None]
    hidden_diff = np.abs(np.where(real, expected.last_hidden_state - actual.last_hidden_state, 0)).max()
    assert hidden_diff <= TOLERANCE
    # Column 0 is computed even where it is padding, so the pooler reads what HF's does.
    assert np.abs(expected.pooler_output - actual.pooler_output).max() <= TOLERANCE
    padding_values = np.where(real, 0, actual.last_hidden_state.numpy())[:, 1:]
    assert not padding_values.any()


def test_packed_tokens_is_scoped_and_leaves_other_calls_alone(models):
    hf, ours = models
    inputs = make_inputs("TFAlbertModel")
    encoders = [layer for layer in ours._flatten_layers() if isinstance(layer, AlbertTransformer)]
    assert encoders
    with packed_tokens(ours):
        assert all(encoder.pack_tokens for encoder in encoders)
        # Hidden states and attentions need every position: the padded path runs, as HF's.
        full = ours(inputs, output_hidden_states=True, output_attentions=True, training=False)
    assert not any(encoder.pack_tokens for encoder in encoders)
    expected = hf(inputs, output_hidden_states=True, training=False)
    assert np.abs(expected.last_hidden_state - full.last_hidden_state).max() <= TOLERANCE
    assert len(full.hidden_states) == len(expected.hidden_states)
