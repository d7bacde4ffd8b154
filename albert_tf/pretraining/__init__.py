"""ALBERT pretraining: n-gram MLM + SOP records, a tf.data reader, LAMB, and distributed training.

Example:
    >>> from albert_tf.pretraining import create_pretraining_data, pretrain
    >>> report = create_pretraining_data("data/wiki_sample.txt", "spm_dir", "/tmp/wiki",   # doctest: +SKIP
    ...                                  max_seq_length=128, dupe_factor=5, num_shards=4)
    >>> pretrain("albert-base-v2", "/tmp/wiki-*.tfrecord", "/tmp/run", tokenizer="spm_dir",  # doctest: +SKIP
    ...          config_overrides="hidden_size=256,num_attention_heads=4,intermediate_size=1024",
    ...          global_batch_size=64, num_train_steps=3000, strategy="mirrored")

The names below are imported on first use (PEP 562): most submodules need TensorFlow. The strategy,
optimizer and TensorBoard helpers live in :mod:`albert_tf.training` (shared with fine-tuning) and are
re-exported here under their earlier names.
"""

from albert_tf.utils.lazy import lazy_exports as _lazy_exports

_P, _T = "albert_tf.pretraining.", "albert_tf.training."
# Public name -> defining module.
_EXPORTS = {
    "FEATURE_NAMES": _P + "data",
    "PretrainingDataReport": _P + "data",
    "create_pretraining_data": _P + "data",
    "iterate_records": _P + "data",
    "shard_file_names": _P + "data",
    "split_sentences": _P + "documents",
    "hf_pretraining_features": _P + "input",
    "mask_batch_in_graph": _P + "input",
    "pretraining_dataset": _P + "input",
    "unmask": _P + "input",
    "is_word_start_piece": _P + "masking",
    "mask_sequence": _P + "masking",
    "ngram_probabilities": _P + "masking",
    "PretrainingStep": _P + "step",
    "PretrainResult": _P + "trainer",
    "evaluate_pretrained": _P + "evaluation",
    "evaluate_pretraining": _P + "evaluation",
    "majority_baselines": _P + "evaluation",
    "metrics_from_sums": _P + "evaluation",
    "pretrain": _P + "trainer",
    "pretraining_logits": _P + "step",
    "WarmupLinearDecay": _T + "optimization",
    "create_optimizer": _T + "optimization",
    "STRATEGIES": _T + "strategy",
    "StrategyError": _T + "strategy",
    "make_strategy": _T + "strategy",
    "parse_tf_config": _T + "strategy",
    "parse_config_overrides": _T + "config_overrides",
    "read_scalars": _T + "summaries",
}

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())

__all__ = sorted(_EXPORTS)
