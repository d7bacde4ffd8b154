"""`model(encoded_input)` with our tokenizer's BatchEncoding equals keyword arguments, for all seven heads,
and equals HF's TF model called the same way on the same weights."""

import numpy as np
import pytest
import tensorflow as tf
import transformers

from albert_tf.modeling import ALL_MODELS
from albert_tf.tokenization import AlbertTokenizer, BatchEncoding
from tests.pipelines.conftest import TINY_CONFIG

TEXTS = ["Replace me by any text you'd like.", "Anarchism is a political philosophy."]
PAIRS = ["It advocates self-governed societies.", "The term is a compound word."]


@pytest.fixture(scope="module")
def tokenizer(spm_dir):
    return AlbertTokenizer.from_pretrained(spm_dir)


def _encoded(tokenizer, name, return_tensors):
    encoding = tokenizer(TEXTS, PAIRS, padding=True, return_tensors=return_tensors)
    assert isinstance(encoding, BatchEncoding)
    if name.endswith("MultipleChoice"):
        # The HF multiple-choice recipe: one prompt, two choices, a batch axis added in front.
        encoding = tokenizer([TEXTS[0]] * 2, PAIRS, padding=True, return_tensors=return_tensors)
        expand = tf.expand_dims if return_tensors == "tf" else (lambda v, axis: np.expand_dims(v, axis))
        encoding = BatchEncoding({k: expand(v, 0) for k, v in encoding.items()})
    return encoding


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_batch_encoding_positional_equals_keywords_and_hf(cls, tokenizer, tmp_path):
    name = cls.__name__
    tf.random.set_seed(7)
    num_labels = 3 if name.endswith(("SequenceClassification", "TokenClassification")) else 2
    hf_model = getattr(transformers, name)(transformers.AlbertConfig(**TINY_CONFIG, num_labels=num_labels))
    hf_model(_encoded(tokenizer, name, "tf"))  # build
    hf_model.save_pretrained(tmp_path)
    model = cls.from_pretrained(tmp_path)

    for return_tensors in ("tf", "np"):
        encoding = _encoded(tokenizer, name, return_tensors)
        expected = hf_model(encoding)  # HF's TF model called the model card's way
        positional = model(encoding)
        keywords = model(input_ids=encoding["input_ids"], attention_mask=encoding["attention_mask"],
                         token_type_ids=encoding["token_type_ids"])
        unpacked = model(**encoding)
        assert list(positional.keys()) == list(keywords.keys()) == list(unpacked.keys()) == list(expected.keys())
        for key in keywords.keys():
            where = f"{name} {key} ({return_tensors})"
            np.testing.assert_array_equal(np.asarray(positional[key]), np.asarray(keywords[key]), err_msg=where)
            np.testing.assert_array_equal(np.asarray(unpacked[key]), np.asarray(keywords[key]), err_msg=where)
            np.testing.assert_allclose(np.asarray(positional[key]), np.asarray(expected[key]), atol=1e-5,
                                       err_msg=where)
