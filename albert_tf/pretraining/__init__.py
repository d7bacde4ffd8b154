"""ALBERT pretraining: n-gram MLM + SOP records, a tf.data reader, LAMB, and distributed training.

Example:
    >>> from albert_tf.pretraining import create_pretraining_data, pretrain
    >>> report = create_pretraining_data("data/wiki_sample.txt", "spm_dir", "/tmp/wiki",   # doctest: +SKIP
    ...                                  max_seq_length=128, dupe_factor=5, num_shards=4)
    >>> pretrain("albert-base-v2", "/tmp/wiki-*.tfrecord", "/tmp/run", tokenizer="spm_dir",  # doctest: +SKIP
    ...          config_overrides="hidden_size=256,num_attention_heads=4,intermediate_size=1024",
    ...          global_batch_size=64, num_train_steps=3000, strategy="mirrored")
"""

from albert_tf.pretraining.data import (
    FEATURE_NAMES,
    PretrainingDataReport,
    create_pretraining_data,
    iterate_records,
    shard_file_names,
    split_sentences,
)
from albert_tf.pretraining.input import (
    hf_pretraining_features,
    mask_batch_in_graph,
    pretraining_dataset,
    unmask,
)
from albert_tf.pretraining.masking import is_word_start_piece, mask_sequence, ngram_probabilities
from albert_tf.pretraining.optimization import WarmupLinearDecay, create_optimizer
from albert_tf.pretraining.strategy import STRATEGIES, StrategyError, make_strategy, parse_tf_config
from albert_tf.pretraining.trainer import (
    PretrainingStep,
    PretrainResult,
    evaluate_pretrained,
    evaluate_pretraining,
    majority_baselines,
    metrics_from_sums,
    parse_config_overrides,
    pretrain,
    pretraining_logits,
    read_scalars,
)

__all__ = [
    "FEATURE_NAMES",
    "PretrainResult",
    "PretrainingDataReport",
    "PretrainingStep",
    "STRATEGIES",
    "StrategyError",
    "WarmupLinearDecay",
    "create_optimizer",
    "create_pretraining_data",
    "evaluate_pretrained",
    "evaluate_pretraining",
    "hf_pretraining_features",
    "is_word_start_piece",
    "iterate_records",
    "majority_baselines",
    "make_strategy",
    "mask_batch_in_graph",
    "mask_sequence",
    "metrics_from_sums",
    "ngram_probabilities",
    "parse_config_overrides",
    "parse_tf_config",
    "pretrain",
    "pretraining_dataset",
    "pretraining_logits",
    "read_scalars",
    "shard_file_names",
    "split_sentences",
    "unmask",
]
