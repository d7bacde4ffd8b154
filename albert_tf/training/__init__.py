"""What pre-training and fine-tuning share: ``tf.distribute`` strategies by name, the optimizer (LAMB /
AdamW with warmup and linear decay), ``--config_overrides`` parsing, and TensorBoard scalars.

Example:
    >>> from albert_tf.training import create_optimizer, make_strategy    # doctest: +SKIP
    >>> with make_strategy("mirrored").scope():                             # doctest: +SKIP
    ...     optimizer = create_optimizer(model, learning_rate=1e-3, num_train_steps=1000, warmup_steps=100)

Imported on first use (PEP 562): strategies need TensorFlow, the optimizer and the overrides do not.
"""

from albert_tf.utils.lazy import lazy_exports as _lazy_exports

_EXPORTS = {
    "WarmupLinearDecay": "albert_tf.training.optimization",
    "create_optimizer": "albert_tf.training.optimization",
    "STRATEGIES": "albert_tf.training.strategy",
    "StrategyError": "albert_tf.training.strategy",
    "is_chief": "albert_tf.training.strategy",
    "make_strategy": "albert_tf.training.strategy",
    "parse_tf_config": "albert_tf.training.strategy",
    "validate_strategy_flags": "albert_tf.training.strategy",
    "check_config_overrides": "albert_tf.training.config_overrides",
    "parse_config_overrides": "albert_tf.training.config_overrides",
    "read_scalars": "albert_tf.training.summaries",
    "summary_writer": "albert_tf.training.summaries",
    "write_scalars": "albert_tf.training.summaries",
}

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())

__all__ = sorted(_EXPORTS)
