"""Acceptance 5: bad input gets a clear error naming the problem (InvalidArgument, which TF Serving returns
as a 400), never a crash or a kernel's internal error; over-long text is truncated, not refused."""

import numpy as np
import pytest
import tensorflow as tf

from tests.export.conftest import LONG, MAX_LENGTH


def call(loaded, key, signature="serving_default", **inputs):
    return loaded(key).signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})


def assert_error(message, fn):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn()
    assert message in str(info.value), str(info.value)[-600:]


def test_empty_batch(loaded):
    assert_error("empty batch: input text has no rows",
                 lambda: call(loaded, "sequence_classification", text=tf.zeros([0], tf.string),
                              text_pair=tf.zeros([0], tf.string)))
    assert_error("empty batch: input question has no rows",
                 lambda: call(loaded, "question_answering", question=tf.zeros([0], tf.string),
                              context=tf.zeros([0], tf.string)))
    assert_error("empty batch: input question has no rows",
                 lambda: call(loaded, "multiple_choice", question=tf.zeros([0], tf.string),
                              choices=tf.zeros([0, 3], tf.string)))
    empty_ids = np.zeros([0, 0], np.int32)
    assert_error("empty batch: input_ids has no elements",
                 lambda: call(loaded, "sequence_classification", "predict_ids", input_ids=empty_ids,
                              attention_mask=empty_ids, token_type_ids=empty_ids))
    assert_error("empty batch: input inputs has no examples",
                 lambda: call(loaded, "sequence_classification", "classify", inputs=tf.zeros([0], tf.string)))


def test_empty_strings(loaded):
    assert_error("input text[1] is empty (no tokens)",
                 lambda: call(loaded, "masked_lm", text=["a [MASK].", "   "]))
    assert_error("input text_pair[0] is empty (no tokens)",
                 lambda: call(loaded, "sequence_classification", text=["fine"], text_pair=[""]))
    assert_error("input context[1] is empty (no tokens)",
                 lambda: call(loaded, "question_answering", question=["who?", "what?"], context=["Ann.", ""]))
    assert_error("input choices[1, 2] is empty (no tokens)",
                 lambda: call(loaded, "multiple_choice", question=["q", "r"], choices=[["a", "b", "c"], ["d", "e", " "]]))
    assert_error("input choices needs at least one choice per question",
                 lambda: call(loaded, "multiple_choice", question=["q"], choices=tf.zeros([1, 0], tf.string)))


def test_invalid_utf8(loaded):
    assert_error("input text[1] is not valid UTF-8",
                 lambda: call(loaded, "base", text=[b"fine", b"caf\xe9 au lait"]))
    assert_error("input context[0] is not valid UTF-8",
                 lambda: call(loaded, "question_answering", question=["who?"], context=[b"\xff\xfe"]))


def test_missing_mask_for_fill_mask(loaded):
    assert_error("fill-mask: input text[1] has no [MASK] token",
                 lambda: call(loaded, "masked_lm", text=["a [MASK] b", "no mask here"]))
    ids = np.array([[2, 10, 11, 3]], np.int32)
    assert_error("fill-mask: input_ids row 0 has no [MASK] token",
                 lambda: call(loaded, "masked_lm", "predict_ids", input_ids=ids, attention_mask=np.ones_like(ids),
                              token_type_ids=np.zeros_like(ids)))


def test_long_text_is_truncated_to_max_length(loaded):
    out = call(loaded, "base", text=[LONG * 3, "short"])
    assert out["attention_mask"].shape[1] == MAX_LENGTH
    assert out["attention_mask"].numpy()[0].sum() == MAX_LENGTH


def test_question_too_long_to_truncate_the_context(loaded):
    # HF's only_second truncation cannot shorten the question; the model has 64 positions.
    assert_error("need more than the 64 positions of the model",
                 lambda: call(loaded, "question_answering", question=[LONG], context=["Ann was there."]))


def test_mismatched_rows(loaded):
    assert_error("inputs text_pair and text must have the same number of rows",
                 lambda: call(loaded, "sequence_classification", text=["a", "b"], text_pair=["c"]))


def test_bad_ids(loaded):
    good = np.array([[2, 10, 11, 3], [2, 12, 3, 0]], np.int32)
    mask = (good > 0).astype(np.int32)
    types = np.zeros_like(good)
    ids_call = lambda **kw: call(loaded, "sequence_classification", "predict_ids",
                                 **dict(dict(input_ids=good, attention_mask=mask, token_type_ids=types), **kw))
    ids_call()  # fine as given
    assert_error("input_ids has ids outside [0, 1000)", lambda: ids_call(input_ids=good + 5000))
    assert_error("token_type_ids has values outside [0, 2)", lambda: ids_call(token_type_ids=types + 2))
    assert_error("input_ids and attention_mask must have the same shape", lambda: ids_call(attention_mask=mask[:, :3]))
    assert_error("attention_mask row 1 has no 1s", lambda: ids_call(attention_mask=mask * np.array([[1], [0]], np.int32)))
    long_ids = np.full([1, 65], 10, np.int32)
    assert_error("longer than the 64 positions of the model",
                 lambda: ids_call(input_ids=long_ids, attention_mask=np.ones_like(long_ids),
                                  token_type_ids=np.zeros_like(long_ids)))


def test_classify_missing_feature(loaded):
    example = tf.train.Example(features=tf.train.Features(feature={
        "txt": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"typo in the feature name"]))}))
    with pytest.raises(tf.errors.InvalidArgumentError, match="text"):
        call(loaded, "sequence_classification", "classify", inputs=[example.SerializeToString()])
