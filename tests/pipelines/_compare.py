"""Comparison of pipeline results with the oracle's."""

import numpy as np
import tensorflow as tf

# Scores are float32 model outputs; batching (padding) and graph execution change them only by rounding.
SCORE_TOLERANCE = 1e-5


def assert_same(ours, theirs, where="result"):
    """Recursive equality: same types of containers, keys in the same order, numbers within tolerance."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: {type(ours).__name__} instead of dict"
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != HF's {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{where}: {type(ours).__name__} instead of list"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items != HF's {len(theirs)}\n{ours}\n{theirs}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, str) or theirs is None:
        assert ours == theirs, f"{where}: {ours!r} != HF's {theirs!r}"
    elif isinstance(theirs, (float, np.floating)):
        assert isinstance(ours, float), f"{where}: {type(ours).__name__} instead of float"
        assert abs(ours - float(theirs)) <= SCORE_TOLERANCE, f"{where}: {ours} != HF's {theirs}"
    elif isinstance(theirs, (int, np.integer)):
        assert isinstance(ours, int) and not isinstance(ours, bool), f"{where}: {type(ours).__name__} not int"
        assert ours == int(theirs), f"{where}: {ours} != HF's {theirs}"
    elif isinstance(theirs, tf.Tensor):
        assert isinstance(ours, tf.Tensor) and ours.shape == theirs.shape, where
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=SCORE_TOLERANCE, err_msg=where)
    else:
        raise AssertionError(f"{where}: unexpected HF value type {type(theirs).__name__}")
