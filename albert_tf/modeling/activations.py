"""HF activation names mapped to Keras functions: the one table of `hidden_act` values."""

from __future__ import annotations

import keras


def _gelu_tanh(x):
    return keras.activations.gelu(x, approximate=True)


def _gelu_erf(x):
    return keras.activations.gelu(x, approximate=False)


# HF's ACT2FN names. "gelu_new", "gelu_fast" and "gelu_pytorch_tanh" are all the tanh approximation.
ACTIVATIONS = {
    "gelu_new": _gelu_tanh,
    "gelu_fast": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "gelu": _gelu_erf,
    "relu": keras.activations.relu,
    "silu": keras.activations.silu,
    "swish": keras.activations.silu,
    "tanh": keras.activations.tanh,
    "sigmoid": keras.activations.sigmoid,
}


def get_activation(name: str):
    """Returns the Keras function for an HF `hidden_act` name.

    Example:
        >>> get_activation("gelu_new").__name__
        '_gelu_tanh'
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown hidden_act {name!r}; supported: {', '.join(sorted(ACTIVATIONS))}") from None
