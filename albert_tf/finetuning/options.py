"""Fine-tuning option parsing and validation: ``--mixed_precision`` values, device strategies, shape fields.

:func:`keras_policy` maps a ``--mixed_precision`` value to a Keras dtype policy (``PRECISIONS``);
``_check_single_device_flags`` refuses ``tf.distribute`` strategies and ``--tpu`` off the TensorFlow backend
(``SINGLE_DEVICE_STRATEGIES``); ``_SHAPE_FIELDS`` are the config fields a pre-trained model keeps and
``JAX_LENGTH_MULTIPLE`` the batch-length rounding on JAX. :func:`~albert_tf.finetuning.trainer.finetune`
uses them all.
"""

from __future__ import annotations

# Config fields that decide weight shapes: a pre-trained model keeps them.
_SHAPE_FIELDS = ("vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_hidden_groups",
                 "num_attention_heads", "intermediate_size", "inner_group_num", "max_position_embeddings",
                 "type_vocab_size")
# The strategies that mean one device, the only kind off the TensorFlow backend.
SINGLE_DEVICE_STRATEGIES = ("default", "one_device")
# On JAX, training batch lengths are rounded up to a multiple of this (one compiled step per shape).
JAX_LENGTH_MULTIPLE = 16
# --mixed_precision values -> Keras dtype policies.
PRECISIONS = {None: "float32", "": "float32", "none": "float32", "float32": "float32",
              "float16": "mixed_float16", "mixed_float16": "mixed_float16",
              "bfloat16": "mixed_bfloat16", "mixed_bfloat16": "mixed_bfloat16"}


def keras_policy(mixed_precision: str | None) -> str:
    """The Keras dtype policy for a ``--mixed_precision`` value (``float16``, ``bfloat16`` or none).

    >>> keras_policy("bfloat16"), keras_policy(None)
    ('mixed_bfloat16', 'float32')
    """
    key = mixed_precision.lower() if isinstance(mixed_precision, str) else mixed_precision
    if key not in PRECISIONS:
        raise ValueError(f"mixed_precision must be one of float16, bfloat16 or none; got {mixed_precision!r}")
    return PRECISIONS[key]


def _check_single_device_flags(strategy: str, tpu: str | None) -> None:
    """Off the TensorFlow backend there is no tf.distribute: fine-tuning runs on one device."""
    import keras

    backend = keras.backend.backend()
    if strategy not in SINGLE_DEVICE_STRATEGIES:
        raise ValueError(f"--strategy={strategy} is a tf.distribute strategy, which needs KERAS_BACKEND=tensorflow; "
                         f"on {backend} finetune runs on one device (--strategy=default)")
    if tpu:
        raise ValueError(f"--tpu={tpu} needs KERAS_BACKEND=tensorflow (TPUStrategy); on {backend} finetune runs "
                         "on one device")
