"""HF call conventions: keyword tensors, a dict/BatchEncoding first, lists, numpy; flags; clear errors."""

import numpy as np
import pytest
import tensorflow as tf
import transformers

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.hf_oracle import hf_config, hf_tf_class, max_abs_diff
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}


def _model(name):
    tf.random.set_seed(0)
    return OURS[name](AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))


@pytest.mark.parametrize("name", sorted(OURS))
def test_batch_encoding_dict_list_and_keywords_agree(name):
    model = _model(name)
    inputs = make_inputs(name)
    expected = model(**inputs)
    variants = [
        model(inputs),
        model(transformers.BatchEncoding({k: tf.constant(v) for k, v in inputs.items()})),
        model([inputs["input_ids"], inputs["attention_mask"], inputs["token_type_ids"]]),
        model(input_ids=inputs["input_ids"].tolist(), attention_mask=inputs["attention_mask"].tolist(),
              token_type_ids=inputs["token_type_ids"].tolist()),
        model({k: v.astype(np.int64) for k, v in inputs.items()}),
    ]
    for actual in variants:
        for key in expected.keys():
            np.testing.assert_array_equal(np.asarray(actual[key]), np.asarray(expected[key]))


@pytest.mark.parametrize("name", sorted(OURS))
def test_return_dict_false_gives_hf_tuple_order(name):
    model = _model(name)
    inputs = make_inputs(name)
    as_dict = model(inputs, output_hidden_states=True)
    as_tuple = model(inputs, output_hidden_states=True, return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == len(as_dict)
    np.testing.assert_array_equal(np.asarray(as_tuple[0]), np.asarray(list(as_dict.values())[0]))


def test_inputs_embeds_and_position_ids_match_hf(tmp_path):
    name = "TFAlbertModel"
    hf = hf_tf_class(name)(hf_config(**SMALL_CONFIGS["released_layout"]))
    inputs = make_inputs(name)
    hf(inputs)
    hf.save_pretrained(tmp_path)
    ours = OURS[name].from_pretrained(tmp_path)
    embeds = np.random.default_rng(0).normal(size=(3, 8, 12)).astype(np.float32)
    positions = np.tile(np.arange(8)[::-1], (3, 1)).astype(np.int32)
    kwargs = dict(inputs_embeds=embeds, attention_mask=inputs["attention_mask"], position_ids=positions)
    diffs = max_abs_diff(hf(input_ids=None, **kwargs), ours(**kwargs))
    assert max(diffs.values()) <= 1e-4, diffs


def test_config_flags_drive_outputs_like_hf():
    config = AlbertConfig(**SMALL_CONFIGS["released_layout"], output_hidden_states=True)
    model = OURS["TFAlbertModel"](config)
    out = model(make_inputs("TFAlbertModel"))
    assert len(out.hidden_states) == config.num_hidden_layers + 1 and out.attentions is None


def test_clear_errors():
    model = _model("TFAlbertModel")
    inputs = make_inputs("TFAlbertModel")
    with pytest.raises(ValueError, match="head_mask"):
        model(inputs, head_mask=np.ones((4, 2)))
    with pytest.raises(ValueError, match="rank 2"):
        model(input_ids=inputs["input_ids"][0])
    with pytest.raises(ValueError, match="both input_ids and inputs_embeds"):
        model(input_ids=inputs["input_ids"], inputs_embeds=np.zeros((3, 8, 8), np.float32))
    with pytest.raises(ValueError, match="either input_ids or inputs_embeds"):
        model(attention_mask=inputs["attention_mask"])
    with pytest.raises(ValueError, match="attention_mask.*does not match"):
        model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"][:, :5])
    mc = _model("TFAlbertForMultipleChoice")
    with pytest.raises(ValueError, match=r"rank 3 \(\[batch, num_choices, sequence\]"):
        mc(inputs)
    with pytest.raises(ValueError, match="num_labels == 2"):
        OURS["TFAlbertForQuestionAnswering"](AlbertConfig(**SMALL_CONFIGS["released_layout"], num_labels=3))
