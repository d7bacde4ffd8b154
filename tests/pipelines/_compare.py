"""Comparison of pipeline results with the oracle's (no TensorFlow import: tests/backends use it too)."""

import numpy as np

from tests.hf_oracle import as_numpy

# Scores are float32 model outputs; batching (padding) and graph execution change them only by rounding.
SCORE_TOLERANCE = 1e-5


def _framework(value) -> str | None:
    """The framework a tensor belongs to (``tensorflow``, ``torch``, ``jax``), None for anything else."""
    root = type(value).__module__.split(".")[0]
    root = "jax" if root == "jaxlib" else root
    return root if root in ("tensorflow", "torch", "jax") else None


def assert_same(ours, theirs, where="result", tensor_type=None):
    """Recursive equality: same types of containers, keys in the same order, numbers within tolerance.

    A tensor of the oracle's must be matched by a tensor of ``tensor_type`` (default: the oracle's own
    framework) with the same shape and values.
    """
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: {type(ours).__name__} instead of dict"
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != HF's {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]", tensor_type)
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{where}: {type(ours).__name__} instead of list"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items != HF's {len(theirs)}\n{ours}\n{theirs}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{i}]", tensor_type)
    elif isinstance(theirs, str) or theirs is None:
        assert ours == theirs, f"{where}: {ours!r} != HF's {theirs!r}"
    elif isinstance(theirs, (float, np.floating)):
        assert isinstance(ours, float), f"{where}: {type(ours).__name__} instead of float"
        assert abs(ours - float(theirs)) <= SCORE_TOLERANCE, f"{where}: {ours} != HF's {theirs}"
    elif isinstance(theirs, (int, np.integer)):
        assert isinstance(ours, int) and not isinstance(ours, bool), f"{where}: {type(ours).__name__} not int"
        assert ours == int(theirs), f"{where}: {ours} != HF's {theirs}"
    elif _framework(theirs):
        kind = type(ours).__name__
        if tensor_type is None:
            assert _framework(ours) == _framework(theirs), f"{where}: {kind}, not a {_framework(theirs)} tensor"
        else:
            assert isinstance(ours, tensor_type), f"{where}: {kind} instead of {tensor_type.__name__}"
        shapes = tuple(ours.shape), tuple(theirs.shape)
        assert shapes[0] == shapes[1], f"{where}: shape {shapes[0]} != HF's {shapes[1]}"
        np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), atol=SCORE_TOLERANCE, err_msg=where)
    else:
        raise AssertionError(f"{where}: unexpected HF value type {type(theirs).__name__}")
