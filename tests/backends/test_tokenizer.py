"""The Python tokenizers without TensorFlow: ids equal HF's slow AlbertTokenizer on real lines, and every
``return_tensors`` / ``BatchEncoding.convert_to_tensors`` value has the type, dtype and values HF 4.x gives
for the same call (the conftest's fixture fails the test if any of it imports TensorFlow)."""

import jax
import numpy as np
import pytest
import torch
import transformers

from albert_tf.tokenization import AlbertTokenizer, AlbertTokenizerFast, AutoTokenizer, BatchEncoding
from tests.pipelines.conftest import spm_dir  # noqa: F401  (fixture: a SentencePiece model trained here)
from tests.tokenization.conftest import corpus_lines

TENSOR_TYPES = {"np": np.ndarray, "pt": torch.Tensor, "jax": jax.Array}


@pytest.fixture(scope="module")
def lines():
    corpus = corpus_lines()
    return corpus[::len(corpus) // 40][:40]  # 40 real lines from all over the wiki text and the reviews


@pytest.fixture(scope="module")
def hf_slow(spm_dir):  # noqa: F811
    return transformers.AlbertTokenizer.from_pretrained(spm_dir)


@pytest.fixture(scope="module", params=["AlbertTokenizer", "AlbertTokenizerFast", "AutoTokenizer"])
def ours(request, spm_dir):  # noqa: F811
    cls = {"AlbertTokenizer": AlbertTokenizer, "AlbertTokenizerFast": AlbertTokenizerFast,
           "AutoTokenizer": AutoTokenizer}[request.param]
    return cls.from_pretrained(spm_dir)


def test_ids_equal_hf_slow_on_real_lines(ours, hf_slow, lines):
    assert len(lines) == 40 and any(any(c.isdigit() for c in line) for line in lines)
    for line in lines:
        assert ours(line)["input_ids"] == hf_slow(line)["input_ids"], line
    pairs = list(zip(lines[::2], lines[1::2]))
    kwargs = {"padding": True, "truncation": True, "max_length": 48}
    assert dict(ours(lines[::2], lines[1::2], **kwargs)) == dict(hf_slow(lines[::2], lines[1::2], **kwargs))
    assert ours.decode(ours(pairs[0][0])["input_ids"]) == hf_slow.decode(hf_slow(pairs[0][0])["input_ids"])


@pytest.mark.parametrize("tensor_type", sorted(TENSOR_TYPES))
def test_return_tensors_match_hf(ours, hf_slow, lines, tensor_type):
    for args, kwargs in (((lines[:6],), {"padding": True, "truncation": True, "max_length": 32,
                                         "return_special_tokens_mask": True, "return_length": True}),
                         ((lines[6],), {}),
                         ((lines[7], lines[8]), {"max_length": 40, "padding": "max_length", "truncation": True})):
        got = ours(*args, return_tensors=tensor_type, **kwargs)
        expected = hf_slow(*args, return_tensors=tensor_type, **kwargs)
        _assert_same_tensors(got, expected, TENSOR_TYPES[tensor_type])


@pytest.mark.parametrize("tensor_type", sorted(TENSOR_TYPES))
def test_convert_to_tensors_matches_hf(tensor_type):
    # Floats keep their type, empty fields get HF's integer dtype, prepend_batch_axis adds the axis.
    data = {"input_ids": [[2, 10, 3], [2, 11, 3]], "weights": [[0.5, 1.5, 1.0], [1.0, 0.25, 2.0]], "empty": []}
    _assert_same_tensors(BatchEncoding(data, tensor_type=tensor_type),
                         transformers.BatchEncoding(data, tensor_type=tensor_type), TENSOR_TYPES[tensor_type])
    single = {"input_ids": [2, 10, 3], "attention_mask": [1, 1, 1]}
    _assert_same_tensors(BatchEncoding(single).convert_to_tensors(tensor_type, prepend_batch_axis=True),
                         transformers.BatchEncoding(single).convert_to_tensors(tensor_type, prepend_batch_axis=True),
                         TENSOR_TYPES[tensor_type])
    # Tensors of the requested type stay as they are; another framework's become it; numpy values keep
    # their dtype (all as HF).
    mixed = {"input_ids": torch.tensor([[2, 10, 3]]), "attention_mask": np.ones((1, 3), np.int64),
             "token_type_ids": np.zeros((1, 3), np.int32), "rows": [np.array([1, 2], np.int32)],
             "scores": [np.array([0.5, 2.0], np.float32)]}
    _assert_same_tensors(BatchEncoding(dict(mixed), tensor_type=tensor_type),
                         transformers.BatchEncoding(dict(mixed), tensor_type=tensor_type), TENSOR_TYPES[tensor_type])


@pytest.mark.parametrize("tensor_type", ["pt", "jax"])
def test_ragged_batches_are_an_error_like_hf(ours, hf_slow, lines, tensor_type):
    with pytest.raises(ValueError):
        hf_slow(lines[:2], return_tensors=tensor_type)
    with pytest.raises(ValueError, match="different lengths"):
        ours(lines[:2], return_tensors=tensor_type)


def test_tf_tensors_without_tensorflow_is_one_line_error(ours, hf_slow, lines):
    with pytest.raises(ImportError):
        hf_slow(lines[0], return_tensors="tf")
    with pytest.raises(ImportError, match=r"^return_tensors='tf' needs tensorflow, which is not installed$"):
        ours(lines[0], return_tensors="tf")


def _assert_same_tensors(got, expected, tensor_type):
    assert list(got.keys()) == list(expected.keys())
    for key in expected:
        a, b = got[key], expected[key]
        assert isinstance(a, tensor_type) and type(a) is type(b), (key, type(a), type(b))
        assert a.dtype == b.dtype, (key, a.dtype, b.dtype)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=key)
