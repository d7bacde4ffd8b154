"""Every head on the active backend (JAX or torch) against HF's PyTorch classes (test_jax_parity: Flax).

Weights come from HF's PyTorch model (random, seeded) through model.safetensors, so ours, HF PyTorch and
HF Flax (`from_pt=True`) compute with the same numbers; inputs carry padding and two segments. The
losses are compared with HF PyTorch's (HF's Flax classes take no labels).
"""

import keras
import numpy as np
import pytest
import torch

from albert_tf.modeling import ALL_MODELS
from tests.hf_oracle import hf_config, hf_pt_class, max_abs_diff
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}
NAMES = sorted(OURS)
HEADS = [n for n in NAMES if n != "TFAlbertModel"]  # the bare model has no loss
ATOL = 1e-4


def _hf_pt(name, config_name, directory):
    torch.manual_seed(0)
    config = dict(SMALL_CONFIGS[config_name], num_labels=num_labels_for(name))
    model = hf_pt_class(name)(hf_config(**config, attn_implementation="eager")).eval()
    model.save_pretrained(directory, safe_serialization=True)
    return model


def _pt_call(model, inputs, **kwargs):
    tensors = {k: torch.from_numpy(np.asarray(v).astype(np.int64)) for k, v in inputs.items()}
    with torch.no_grad():
        return model(**tensors, **kwargs)


def _ours(output):
    """Our output object with every tensor as numpy (on torch they are tensors that require grad)."""
    return keras.tree.map_structure(keras.ops.convert_to_numpy, dict(output))


@pytest.mark.parametrize("config_name", ["groups2_inner2", "released_layout"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_hf_pytorch(tmp_path, name, config_name):
    pt_model = _hf_pt(name, config_name, tmp_path)
    ours = OURS[name].from_pretrained(tmp_path)
    inputs = make_inputs(name)
    expected = dict(_pt_call(pt_model, inputs, output_attentions=True, output_hidden_states=True))
    actual = ours(inputs, output_attentions=True, output_hidden_states=True)
    diffs = max_abs_diff(expected, _ours(actual))
    assert max(diffs.values()) <= ATOL, diffs


@pytest.mark.parametrize("name", HEADS)
def test_losses_match_hf_pytorch(tmp_path, name):
    pt_model = _hf_pt(name, "groups2_inner2", tmp_path)
    ours = OURS[name].from_pretrained(tmp_path)
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, num_labels_for(name))
    expected = float(_pt_call(pt_model, {**inputs, **labels}).loss)
    actual = keras.ops.convert_to_numpy(ours(inputs, **labels).loss)
    # HF's TF heads (whose API we keep) return per-example losses where PyTorch returns their mean.
    np.testing.assert_allclose(float(actual.mean()), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_hf_pytorch_loads_what_we_save(tmp_path, name):
    from albert_tf import AlbertConfig

    ours = OURS[name](AlbertConfig(**SMALL_CONFIGS["embedding_eq_hidden"], num_labels=num_labels_for(name)))
    ours.save_pretrained(tmp_path)
    pt_model = hf_pt_class(name).from_pretrained(tmp_path, attn_implementation="eager").eval()
    inputs = make_inputs(name)
    diffs = max_abs_diff(dict(_pt_call(pt_model, inputs, output_hidden_states=True)),
                         _ours(ours(inputs, output_hidden_states=True)))
    assert max(diffs.values()) <= ATOL, diffs
