"""Bad input gets a clear error naming the problem (InvalidArgument, which TF Serving returns as a 400),
never a crash or a kernel's internal error; over-long text is truncated, not refused. Errors concern a
request as a whole: a row that is merely odd (an empty string, fill-mask text without [MASK]) is answered,
so that under server-side batching it cannot fail the rows of other clients it shares a batch with."""

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


def test_empty_choice_axis_is_an_error(loaded):
    assert_error("input choices needs at least one choice per question",
                 lambda: call(loaded, "multiple_choice", question=["q"], choices=tf.zeros([1, 0], tf.string)))


def _numpy(out):
    return {k: v.numpy() for k, v in out.items()}


def test_an_empty_string_is_encoded_as_hf_does_and_leaves_other_rows_alone(loaded, exports, tokenizer):
    """Rows are independent: an empty (or blank) string is one more row, [CLS] [SEP] as HF's tokenizer
    encodes it, and the other rows' outputs are those they get without it."""
    assert tokenizer("")["input_ids"] == [tokenizer.cls_token_id, tokenizer.sep_token_id]
    alone = _numpy(call(loaded, "base", text=["a quiet film"]))
    mixed = _numpy(call(loaded, "base", text=["a quiet film", "", "   "]))
    n = int(alone["attention_mask"][0].sum())
    np.testing.assert_allclose(mixed["sequence_output"][0, :n], alone["sequence_output"][0, :n], atol=1e-5)
    np.testing.assert_allclose(mixed["pooled_output"][0], alone["pooled_output"][0], atol=1e-5)
    assert mixed["attention_mask"][1:].sum(axis=1).tolist() == [2, 2]
    keras_out = exports["base"].model(input_ids=np.array([[tokenizer.cls_token_id, tokenizer.sep_token_id]]))
    np.testing.assert_allclose(mixed["pooled_output"][1], np.asarray(keras_out.pooler_output)[0], atol=1e-5)
    for key, inputs in {
        "sequence_classification": dict(text=["fine", "fine"], text_pair=["", "ok"]),
        "question_answering": dict(question=["who?", "what?"], context=["Ann.", ""]),
        "multiple_choice": dict(question=["q", ""], choices=[["a", "b", "c"], ["d", "e", " "]]),
        "token_classification": dict(text=["", "Ann is here"]),
        "masked_lm": dict(text=["a [MASK].", "   "]),
    }.items():
        out = _numpy(call(loaded, key, **inputs))
        assert all(v.shape[0] == 2 for v in out.values()), (key, {k: v.shape for k, v in out.items()})
    tokens = _numpy(call(loaded, "token_classification", text=["", "Ann is here"]))
    assert tokens["label_ids"][0].tolist() == [-1] * tokens["label_ids"].shape[1]  # no real token, no label


def test_invalid_utf8(loaded):
    assert_error("input text[1] is not valid UTF-8",
                 lambda: call(loaded, "base", text=[b"fine", b"caf\xe9 au lait"]))
    assert_error("input context[0] is not valid UTF-8",
                 lambda: call(loaded, "question_answering", question=["who?"], context=[b"\xff\xfe"]))


def test_a_row_without_mask_gets_no_predictions_and_no_error(loaded):
    """A fill-mask row without [MASK] has only -1 mask positions (so -1 ids, empty tokens, zero scores);
    the rows with masks get what they get alone."""
    alone = _numpy(call(loaded, "masked_lm", text=["a [MASK] b"]))
    mixed = _numpy(call(loaded, "masked_lm", text=["a [MASK] b", "no mask here"]))
    assert mixed["mask_positions"].tolist() == [alone["mask_positions"][0].tolist(), [-1]]
    np.testing.assert_array_equal(mixed["top_k_ids"][0], alone["top_k_ids"][0])
    np.testing.assert_allclose(mixed["top_k_scores"][0], alone["top_k_scores"][0], atol=1e-5)
    assert (mixed["top_k_ids"][1] == -1).all() and (mixed["top_k_scores"][1] == 0).all()
    assert set(mixed["top_k_tokens"][1].ravel().tolist()) == {b""}
    ids = np.array([[2, 10, 11, 3]], np.int32)
    none = _numpy(call(loaded, "masked_lm", "predict_ids", input_ids=ids, attention_mask=np.ones_like(ids),
                       token_type_ids=np.zeros_like(ids)))
    assert none["mask_positions"].tolist() == [[-1]] and (none["top_k_ids"] == -1).all()


def test_long_text_is_truncated_to_max_length(loaded):
    out = call(loaded, "base", text=[LONG * 3, "short"])
    assert out["attention_mask"].shape[1] == MAX_LENGTH
    assert out["attention_mask"].numpy()[0].sum() == MAX_LENGTH


def test_question_too_long_for_a_window_fails_no_row(loaded):
    # Rows are never refused: the question is cut to what leaves one context token per window of
    # max_seq_len (32 here), so both rows get an answer from their context.
    context = "Ann was there with Bob."
    out = call(loaded, "question_answering", question=[LONG, "Who?"], context=[context, context])
    for answer, start, end in zip(out["answer"].numpy(), out["start"].numpy(), out["end"].numpy()):
        assert answer.decode("utf-8") == context[start:end] and end > start


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
    long_ids = np.full([1, 65], 10, np.int32)
    assert_error("longer than the 64 positions of the model",
                 lambda: ids_call(input_ids=long_ids, attention_mask=np.ones_like(long_ids),
                                  token_type_ids=np.zeros_like(long_ids)))


def test_classify_missing_feature(loaded):
    example = tf.train.Example(features=tf.train.Features(feature={
        "txt": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"typo in the feature name"]))}))
    with pytest.raises(tf.errors.InvalidArgumentError, match="text"):
        call(loaded, "sequence_classification", "classify", inputs=[example.SerializeToString()])
