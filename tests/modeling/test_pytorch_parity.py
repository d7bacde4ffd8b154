"""PyTorch-format safetensors (the hub's format) against HF's PyTorch classes, both directions.

HF's TF `from_pretrained` cannot read PyTorch-format safetensors (`'builtins.safe_open' object is not
iterable`), so the PyTorch classes are the oracle for this format. torch is in the `torch` extra that CI installs.
"""

import numpy as np
import pytest
import torch

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.hf_oracle import as_numpy, hf_config, hf_pt_class, max_abs_diff
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}
NAMES = sorted(OURS)


def _pt_outputs(pt_model, name):
    inputs = {k: torch.from_numpy(v.astype(np.int64)) for k, v in make_inputs(name).items()}
    with torch.no_grad():
        out = pt_model(**inputs, output_attentions=True, output_hidden_states=True)
    return {k: v for k, v in out.items()}


@pytest.mark.parametrize("name", NAMES)
def test_loads_pytorch_safetensors_written_by_hf(tmp_path, name):
    torch.manual_seed(0)
    config = dict(SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name))
    pt_model = hf_pt_class(name)(hf_config(**config)).eval()
    pt_model.save_pretrained(tmp_path, safe_serialization=True)
    ours = OURS[name].from_pretrained(tmp_path)
    actual = ours(make_inputs(name), output_attentions=True, output_hidden_states=True)
    diffs = max_abs_diff(_pt_outputs(pt_model, name), actual)
    assert max(diffs.values()) <= 1e-4, diffs


@pytest.mark.parametrize("name", NAMES)
def test_our_safetensors_load_in_hf_pytorch(tmp_path, name):
    config = dict(SMALL_CONFIGS["embedding_eq_hidden"], num_labels=num_labels_for(name))
    ours = OURS[name](AlbertConfig(**config))
    ours.save_pretrained(tmp_path)
    pt_model = hf_pt_class(name).from_pretrained(tmp_path).eval()
    actual = ours(make_inputs(name), output_attentions=True, output_hidden_states=True)
    diffs = max_abs_diff(_pt_outputs(pt_model, name), actual)
    assert max(diffs.values()) <= 1e-4, diffs


def test_pytorch_bin_is_read_with_weights_only(tmp_path):
    torch.manual_seed(0)
    pt_model = hf_pt_class("TFAlbertModel")(hf_config(**SMALL_CONFIGS["released_layout"])).eval()
    pt_model.save_pretrained(tmp_path, safe_serialization=False)
    assert (tmp_path / "pytorch_model.bin").exists()
    ours = OURS["TFAlbertModel"].from_pretrained(tmp_path)
    diffs = max_abs_diff(_pt_outputs(pt_model, "TFAlbertModel"), ours(make_inputs("TFAlbertModel"),
                         output_attentions=True, output_hidden_states=True))
    assert max(diffs.values()) <= 1e-4, diffs


class _Payload:
    def __reduce__(self):
        return (print, ("arbitrary code ran",))


def test_pytorch_bin_with_arbitrary_pickle_is_refused(tmp_path):
    from albert_tf.checkpoints import CheckpointError

    AlbertConfig(**SMALL_CONFIGS["released_layout"]).save_pretrained(tmp_path)
    torch.save({"albert.embeddings.word_embeddings.weight": _Payload()}, tmp_path / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="weights_only=True"):
        OURS["TFAlbertModel"].from_pretrained(tmp_path)


def test_pt_outputs_helper_is_numpy():
    assert as_numpy(torch.ones(2)).tolist() == [1.0, 1.0]
