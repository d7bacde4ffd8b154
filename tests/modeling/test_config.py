"""AlbertConfig against HF's AlbertConfig: defaults, config.json both ways, presets."""

import json

import pytest
import transformers

from albert_tf import AlbertConfig, TFAlbertModel
from albert_tf.modeling.config import PRESETS


def test_defaults_equal_hf_defaults():
    ours = AlbertConfig().to_dict()
    theirs = transformers.AlbertConfig().to_dict()
    for key, value in theirs.items():
        if key in ("transformers_version",):
            continue
        if key == "id2label":
            value = {str(k): v for k, v in value.items()}
        if key in ours:
            assert ours[key] == value, key
    for key in ("hidden_act", "layer_norm_eps", "num_hidden_groups", "inner_group_num", "classifier_dropout_prob",
                "embedding_size", "vocab_size", "pad_token_id", "bos_token_id", "eos_token_id"):
        assert ours[key] == theirs[key], key
    assert AlbertConfig().hidden_act == "gelu_new" and AlbertConfig().layer_norm_eps == 1e-12


def test_hf_reads_our_config_json(tmp_path):
    ours = AlbertConfig(hidden_size=48, num_attention_heads=4, intermediate_size=96, id2label={0: "neg", 1: "pos"},
                        num_hidden_groups=2, inner_group_num=3)
    ours.save_pretrained(tmp_path)
    theirs = transformers.AlbertConfig.from_pretrained(tmp_path)
    assert theirs.id2label == {0: "neg", 1: "pos"} and theirs.label2id == {"neg": 0, "pos": 1}
    assert (theirs.hidden_size, theirs.num_hidden_groups, theirs.inner_group_num) == (48, 2, 3)


def test_we_read_hf_config_json_and_keep_unknown_fields(tmp_path):
    theirs = transformers.AlbertConfig(hidden_size=64, num_attention_heads=4, num_labels=5, finetuning_task="sst2")
    theirs.save_pretrained(tmp_path)
    ours = AlbertConfig.from_pretrained(tmp_path)
    assert ours.num_labels == 5 and ours.id2label[4] == "LABEL_4"
    assert ours.to_dict()["finetuning_task"] == "sst2"
    raw = json.loads((tmp_path / "config.json").read_text())
    ours.save_pretrained(tmp_path / "again")
    again = json.loads((tmp_path / "again" / "config.json").read_text())
    for key, value in raw.items():
        if key != "transformers_version":
            assert again[key] == value, key


@pytest.mark.parametrize("name, shape", [
    ("albert-base-v2", (768, 12, 12)), ("albert-large-v2", (1024, 24, 16)),
    ("albert-xlarge-v2", (2048, 24, 16)), ("albert-xxlarge-v2", (4096, 12, 64)),
    ("albert-base-v1", (768, 12, 12)),
])
def test_presets_match_the_released_shapes(name, shape):
    config = AlbertConfig.from_preset(name)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == shape
    assert (config.embedding_size, config.vocab_size, config.max_position_embeddings) == (128, 30000, 512)
    assert AlbertConfig.from_preset("albert/" + name) == config
    assert len(PRESETS) == 8


@pytest.mark.parametrize("name, millions", [("albert-base-v2", 11), ("albert-large-v2", 17)])
def test_preset_parameter_counts_match_the_paper(name, millions):
    model = TFAlbertModel(AlbertConfig.from_preset(name))
    assert int(model.count_params() / 1e6) == millions  # the paper rounds down: 11.7M -> 11M


@pytest.mark.parametrize("bad, message", [
    (dict(hidden_size=30, num_attention_heads=4), "not a multiple"),
    (dict(num_hidden_groups=13), "exceeds"),
    (dict(hidden_act="nope"), "Unknown hidden_act"),
    (dict(vocab_size=0), "vocab_size"),
    (dict(position_embedding_type="relative_key"), "absolute"),
])
def test_invalid_configs_are_named(bad, message):
    # As in HF, any values are accepted at construction; building a model names the bad field.
    config = AlbertConfig(**bad)
    assert transformers.AlbertConfig(**bad).to_dict()[next(iter(bad))] == next(iter(bad.values()))
    with pytest.raises(ValueError, match=message):
        TFAlbertModel(config)


def test_unknown_preset_and_wrong_model_type(tmp_path):
    with pytest.raises(ValueError, match="Unknown ALBERT preset"):
        AlbertConfig.from_preset("albert-huge")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ValueError, match="'bert' model"):
        AlbertConfig.from_pretrained(tmp_path)


def test_from_dict_with_new_labels_keeps_the_label_maps_consistent():
    old = AlbertConfig(id2label={0: "LABEL_0", 1: "LABEL_1"}).to_dict()
    config = AlbertConfig.from_dict(old, id2label={0: "rotten", 1: "fresh"})
    assert config.label2id == {"rotten": 0, "fresh": 1}
    config = AlbertConfig.from_dict(old, label2id={"neg": 0, "pos": 1})
    assert config.id2label == {0: "neg", 1: "pos"}
    assert AlbertConfig.from_dict(config.to_dict(), num_labels=2).id2label == {0: "neg", 1: "pos"}
