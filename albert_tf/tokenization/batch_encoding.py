"""``BatchEncoding``: the dict returned by :class:`~albert_tf.tokenization.AlbertTokenizer`.

A plain ``dict`` subclass (so ``model(**enc)``, ``model(enc)``, ``tf.nest`` and ``keras.tree`` all see a
dict) that also allows attribute access, like HF's class.

Example:
    >>> enc = BatchEncoding({"input_ids": [[2, 10, 3]]})
    >>> enc.input_ids == enc["input_ids"]
    True
"""

from __future__ import annotations

import numpy as np


class BatchEncoding(dict):
    """Dict of model inputs with attribute access (``enc.input_ids``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no field {name!r}; fields: {sorted(self)}") from None

    def __getstate__(self):
        return dict(self)

    def __setstate__(self, state):
        self.update(state)

    def convert_to_tensors(self, tensor_type: str | None) -> "BatchEncoding":
        """Convert every field in place to ``"tf"`` (int32 tensors), ``"np"`` (int64 arrays, HF's dtype) or
        leave Python lists (``None``). Ragged (unpadded) batches cannot become tensors."""
        if tensor_type is None:
            return self
        if tensor_type not in ("tf", "np"):
            raise ValueError(f"return_tensors must be 'tf', 'np' or None, got {tensor_type!r}")
        for key, value in list(self.items()):
            try:
                arr = np.asarray(value, dtype=np.int64)
            except ValueError as err:
                raise ValueError(
                    f"cannot make a tensor of {key!r}: sequences have different lengths; "
                    "use padding=True (or 'max_length') and/or truncation=True"
                ) from err
            if tensor_type == "tf":
                import tensorflow as tf

                self[key] = tf.constant(arr, dtype=tf.int32)
            else:
                self[key] = arr
        return self


def _register_with_keras_tree() -> None:
    # Keras 3 flattens inputs with optree in its own namespace; an unregistered dict subclass would be a
    # leaf there, so `model(enc)` would not see the fields.
    try:
        import optree
    except ImportError:
        return
    try:
        optree.register_pytree_node(
            BatchEncoding,
            lambda enc: (tuple(enc[k] for k in sorted(enc)), tuple(sorted(enc)), tuple(sorted(enc))),
            lambda keys, values: BatchEncoding(zip(keys, values)),
            namespace="keras",
        )
    except ValueError:
        pass  # already registered (module reloaded)


_register_with_keras_tree()
