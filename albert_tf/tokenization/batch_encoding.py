"""``BatchEncoding``: the dict returned by :class:`~albert_tf.tokenization.AlbertTokenizer`.

A plain ``dict`` subclass (so ``model(**enc)``, ``model(enc)``, ``tf.nest`` and ``keras.tree`` all see a
dict) that also allows attribute access, like HF's class.

Example:
    >>> enc = BatchEncoding({"input_ids": [[2, 10, 3]]})
    >>> enc.input_ids == enc["input_ids"]
    True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def to_py_obj(obj):
    """Tensors / arrays (TF, NumPy, PyTorch, JAX) -> nested Python lists and ints, anything else unchanged."""
    if isinstance(obj, Mapping):
        return {k: to_py_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_py_obj(o) for o in obj]
    if hasattr(obj, "numpy") and not isinstance(obj, np.ndarray):  # tf / torch tensors
        obj = obj.detach().cpu().numpy() if hasattr(obj, "detach") else obj.numpy()
    if isinstance(obj, (np.ndarray, np.number)) or type(obj).__module__.startswith("jax"):
        return np.asarray(obj).tolist()
    return obj


_TENSOR_TYPES = ("tf", "np", "pt", "jax")


class BatchEncoding(dict):
    """Dict of model inputs with attribute access (``enc.input_ids``); HF's ``BatchEncoding``.

    ``tensor_type`` converts on construction, ``prepend_batch_axis`` wraps a single encoding in a batch of
    one first.
    """

    def __init__(self, data=None, encoding=None, tensor_type=None, prepend_batch_axis: bool = False,
                 n_sequences=None):
        super().__init__(data or {})
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type, prepend_batch_axis=prepend_batch_axis)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_n_sequences",):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no field {name!r}; fields: {sorted(self)}") from None

    def __getstate__(self):
        return {"data": dict(self), "n_sequences": self.__dict__.get("_n_sequences")}

    def __setstate__(self, state):
        if "data" in state and set(state) <= {"data", "n_sequences"}:
            self.update(state["data"])
            self._n_sequences = state.get("n_sequences")
        else:  # pickles from before n_sequences was kept
            self.update(state)

    def __reduce__(self):
        return (BatchEncoding, (), self.__getstate__())

    @property
    def data(self) -> dict:
        """The fields as a plain dict (HF's ``BatchEncoding.data``)."""
        return dict(self)

    @property
    def is_fast(self) -> bool:
        """False: there are no Rust ``tokenizers.Encoding`` objects behind this encoding."""
        return False

    @property
    def encodings(self):
        return None

    @property
    def n_sequences(self):
        return self.__dict__.get("_n_sequences")

    def to(self, device) -> "BatchEncoding":
        """Move PyTorch tensors to ``device`` (HF's ``BatchEncoding.to``); other values are left as they are."""
        for key, value in self.items():
            if hasattr(value, "to") and callable(value.to):
                self[key] = value.to(device)
        return self

    def convert_to_tensors(self, tensor_type: str | None = None, prepend_batch_axis: bool = False) -> "BatchEncoding":
        """Convert every field in place: ``"tf"`` (int32 tensors), ``"np"`` (int64 arrays, HF's dtype),
        ``"pt"`` (torch int64), ``"jax"`` (jax arrays), or leave Python lists (``None``). Ragged (unpadded)
        batches cannot become tensors."""
        if tensor_type is None:
            return self
        tensor_type = getattr(tensor_type, "value", tensor_type)  # HF's TensorType enum
        if tensor_type not in _TENSOR_TYPES:
            raise ValueError(f"return_tensors must be one of {_TENSOR_TYPES} or None, got {tensor_type!r}")
        for key, value in list(self.items()):
            if prepend_batch_axis:
                value = [value]
            try:
                arr = np.asarray(to_py_obj(value), dtype=np.int64)
            except ValueError as err:
                raise ValueError(
                    f"cannot make a tensor of {key!r}: sequences have different lengths; "
                    "use padding=True (or 'max_length') and/or truncation=True"
                ) from err
            self[key] = _as_tensor(arr, tensor_type)
        return self


def _as_tensor(arr, tensor_type: str):
    if tensor_type == "np":
        return arr
    if tensor_type == "tf":
        import tensorflow as tf

        return tf.constant(arr, dtype=tf.int32)
    try:
        if tensor_type == "pt":
            import torch

            return torch.from_numpy(arr)
        import jax.numpy as jnp

        return jnp.asarray(arr)
    except ImportError:
        need = {"pt": "torch", "jax": "jax"}[tensor_type]
        raise ImportError(f"return_tensors={tensor_type!r} needs {need}, which is not installed") from None


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
