"""ALBERT pretraining: n-gram MLM + SOP records, a tf.data reader, LAMB, and distributed training.

Example:
    >>> from albert_tf.pretraining import create_pretraining_data, pretrain
    >>> report = create_pretraining_data("data/wiki_sample.txt", "spm_dir", "/tmp/wiki",   # doctest: +SKIP
    ...                                  max_seq_length=128, dupe_factor=5, num_shards=4)
    >>> pretrain("albert-base-v2", "/tmp/wiki-*.tfrecord", "/tmp/run", tokenizer="spm_dir",  # doctest: +SKIP
    ...          config_overrides="hidden_size=256,num_attention_heads=4,intermediate_size=1024",
    ...          global_batch_size=64, num_train_steps=3000, strategy="mirrored")

The names below are imported on first use (PEP 562): most submodules need TensorFlow, while fine-tuning on
the JAX and torch backends imports ``config_overrides`` and ``optimization`` from here without it.
"""

import importlib

# public name -> the submodule that defines it
_EXPORTS = {
    "FEATURE_NAMES": "data",
    "PretrainingDataReport": "data",
    "create_pretraining_data": "data",
    "iterate_records": "data",
    "shard_file_names": "data",
    "split_sentences": "data",
    "hf_pretraining_features": "input",
    "mask_batch_in_graph": "input",
    "pretraining_dataset": "input",
    "unmask": "input",
    "is_word_start_piece": "masking",
    "mask_sequence": "masking",
    "ngram_probabilities": "masking",
    "WarmupLinearDecay": "optimization",
    "create_optimizer": "optimization",
    "STRATEGIES": "strategy",
    "StrategyError": "strategy",
    "make_strategy": "strategy",
    "parse_tf_config": "strategy",
    "PretrainingStep": "trainer",
    "PretrainResult": "trainer",
    "evaluate_pretrained": "trainer",
    "evaluate_pretraining": "trainer",
    "majority_baselines": "trainer",
    "metrics_from_sums": "trainer",
    "parse_config_overrides": "trainer",
    "pretrain": "trainer",
    "pretraining_logits": "trainer",
    "read_scalars": "trainer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
