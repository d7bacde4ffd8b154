"""Acceptance 3: a google-research TF1 checkpoint, written here from HF weights, loads to HF's outputs.

The HF -> google-research name mapping below is written from albert-reference.md independently of
albert_tf's own table, so a mistake in either shows up as a mismatch.
"""

import json
import re

import numpy as np
import pytest
import tensorflow as tf

from albert_tf import TFAlbertForPreTraining, TFAlbertModel
from tests.hf_oracle import hf_config, hf_tf_class, max_abs_diff
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs

_RULES = [
    (r"^albert/embeddings/word_embeddings/weight$", "bert/embeddings/word_embeddings"),
    (r"^albert/embeddings/(position|token_type)_embeddings/embeddings$", r"bert/embeddings/\1_embeddings"),
    (r"^albert/embeddings/LayerNorm/(gamma|beta)$", r"bert/embeddings/LayerNorm/\1"),
    (r"^albert/encoder/embedding_hidden_mapping_in/(kernel|bias)$", r"bert/encoder/embedding_hidden_mapping_in/\1"),
    (r"^albert/pooler/(kernel|bias)$", r"bert/pooler/dense/\1"),
    (r"^predictions/dense/(kernel|bias)$", r"cls/predictions/transform/dense/\1"),
    (r"^predictions/LayerNorm/(gamma|beta)$", r"cls/predictions/transform/LayerNorm/\1"),
    (r"^predictions/decoder/bias$", "cls/predictions/output_bias"),
    (r"^sop_classifier/classifier/kernel$", "cls/seq_relationship/output_weights"),
    (r"^sop_classifier/classifier/bias$", "cls/seq_relationship/output_bias"),
]
_LAYER = r"^albert/encoder/albert_layer_groups_\._(\d+)/albert_layers_\._(\d+)/"
_LAYER_RULES = [
    (r"attention/(query|key|value)/(kernel|bias)$", r"attention_1/self/\1/\2"),
    (r"attention/dense/(kernel|bias)$", r"attention_1/output/dense/\1"),
    (r"attention/LayerNorm/(gamma|beta)$", r"LayerNorm/\1"),
    (r"ffn/(kernel|bias)$", r"ffn_1/intermediate/dense/\1"),
    (r"ffn_output/(kernel|bias)$", r"ffn_1/intermediate/output/dense/\1"),
    (r"full_layer_layer_norm/(gamma|beta)$", r"LayerNorm_1/\1"),
]


def google_name(hf_tf_name: str):
    name = hf_tf_name.split("/", 1)[1].replace(":0", "")
    for pattern, replacement in _RULES:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name)
    match = re.match(_LAYER, name)
    if match:
        rest = name[match.end():]
        for pattern, replacement in _LAYER_RULES:
            if re.match(pattern, rest):
                prefix = f"bert/encoder/transformer/group_{match.group(1)}/inner_group_{match.group(2)}/"
                return prefix + re.sub(pattern, replacement, rest)
    return None  # e.g. predictions/bias, which HF keeps but never uses


def write_tf1_checkpoint(directory, hf_model, config_dict):
    names, tensors = [], []
    for weight in hf_model.weights:
        target = google_name(weight.name)
        if target is None:
            continue
        value = weight.numpy()
        if target == "cls/seq_relationship/output_weights":
            value = value.T  # google-research stores this one [2, H]
        names.append(target)
        tensors.append(tf.constant(value))
    # What real checkpoints also carry, which a loader must ignore.
    names += ["global_step", "bert/embeddings/word_embeddings/adam_m"]
    tensors += [tf.constant(1000, tf.int64), tf.constant(np.zeros_like(tensors[0].numpy()))]
    prefix = str(directory / "model.ckpt-1000")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
    (directory / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1000"\n')
    google_config = {k: v for k, v in config_dict.items()}
    # google-research's "gelu" is the tanh approximation, HF's gelu_new.
    google_config.update(hidden_act="gelu", net_structure_type=0, gap_size=0, num_memory_blocks=0,
                         down_scale_factor=1, layers_to_keep=[])
    (directory / "albert_config.json").write_text(json.dumps(google_config))
    return len(names)


@pytest.mark.parametrize("config_name", ["groups2_inner2", "released_layout"])
def test_tf1_checkpoint_loads_to_hf_outputs(tmp_path, config_name):
    tf.random.set_seed(5)
    config = dict(SMALL_CONFIGS[config_name], hidden_act="gelu_new")
    hf_model = hf_tf_class("TFAlbertForPreTraining")(hf_config(**config))
    inputs = make_inputs("TFAlbertForPreTraining")
    hf_model(inputs)
    write_tf1_checkpoint(tmp_path, hf_model, config)

    ours = TFAlbertForPreTraining.from_pretrained(tmp_path)
    assert ours.config.hidden_act == "gelu_new"
    expected = hf_model(inputs, output_hidden_states=True, output_attentions=True)
    actual = ours(inputs, output_hidden_states=True, output_attentions=True)
    diffs = max_abs_diff(expected, actual)
    assert max(diffs.values()) <= 1e-4, diffs

    bare = TFAlbertModel.from_pretrained(tmp_path)
    np.testing.assert_allclose(
        np.asarray(bare(inputs).last_hidden_state),
        np.asarray(hf_model.albert(**inputs).last_hidden_state), atol=1e-4)
