"""HF-style output objects: attribute access, key access and tuple-like indexing.

Like transformers' `ModelOutput`, only fields that are not None are items, in declaration order,
so `outputs[0]` is the first present field and `dict(outputs)` holds just the tensors.
They are pytree nodes for Keras (optree) and for the active backend's own tree utilities (jax.tree_util,
torch.utils._pytree), so `model.predict`, `tf.function`, `jax.jit` and torch's tree maps return them intact.

Example:
    >>> import numpy as np
    >>> out = MaskedLMOutput(logits=np.zeros((1, 3, 5)))
    >>> out.logits.shape, out["logits"].shape, out.loss is None, list(out.keys())
    ((1, 3, 5), (1, 3, 5), True, ['logits'])
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras
import optree


class ModelOutput(dict):
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        items = dict(*args, **kwargs)
        unknown = set(items) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {sorted(unknown)}; fields: {self.FIELDS}")
        super().__init__((k, items[k]) for k in self.FIELDS if items.get(k) is not None)

    def __getattr__(self, name: str) -> Any:
        if name in self.FIELDS:
            return self.get(name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.FIELDS:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        self[name] = value

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, slice)):
            return self.to_tuple()[key]
        return super().__getitem__(key)

    def to_tuple(self) -> tuple:
        return tuple(self[k] for k in self.FIELDS if k in self)

    def __reduce__(self):
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={getattr(v, 'shape', v)}" for k, v in self.items())
        return f"{type(self).__name__}({inner})"


def _output(name: str, fields: tuple[str, ...]) -> type[ModelOutput]:
    cls = type(name, (ModelOutput,), {"FIELDS": fields, "__doc__": f"HF's `TF{name}`: fields {', '.join(fields)}."})
    cls.__module__ = __name__
    optree.register_pytree_node(
        cls,
        lambda out: (tuple(out.values()), tuple(out.keys()), tuple(out.keys())),
        lambda keys, values, _cls=cls: _cls(zip(keys, values)),
        namespace="keras",
    )
    _register_with_backend(cls)
    return cls


def _register_with_backend(cls: type[ModelOutput]) -> None:
    """JAX's jit and torch's pytree walk their own registries, not optree's keras namespace."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        jax.tree_util.register_pytree_node(
            cls, lambda out: (tuple(out.values()), tuple(out.keys())),
            lambda keys, values, _cls=cls: _cls(zip(keys, values)),
        )
    elif backend == "torch":
        from torch.utils import _pytree

        _pytree.register_pytree_node(
            cls, lambda out: (list(out.values()), tuple(out.keys())),
            lambda values, keys, _cls=cls: _cls(zip(keys, values)),
            serialized_type_name=f"{cls.__module__}.{cls.__name__}",
        )


_TAIL = ("hidden_states", "attentions")
BaseModelOutputWithPooling = _output(
    "BaseModelOutputWithPooling", ("last_hidden_state", "pooler_output") + _TAIL
)
AlbertForPreTrainingOutput = _output(
    "AlbertForPreTrainingOutput", ("loss", "prediction_logits", "sop_logits") + _TAIL
)
MaskedLMOutput = _output("MaskedLMOutput", ("loss", "logits") + _TAIL)
SequenceClassifierOutput = _output("SequenceClassifierOutput", ("loss", "logits") + _TAIL)
TokenClassifierOutput = _output("TokenClassifierOutput", ("loss", "logits") + _TAIL)
MultipleChoiceModelOutput = _output("MultipleChoiceModelOutput", ("loss", "logits") + _TAIL)
QuestionAnsweringModelOutput = _output(
    "QuestionAnsweringModelOutput", ("loss", "start_logits", "end_logits") + _TAIL
)
