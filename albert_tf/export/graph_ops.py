"""In-graph building blocks of the exported signatures: input checks, length-sorted sub-batching,
fill-mask top-k and the question-answering span search. Core TensorFlow ops only.

Example:
    >>> import tensorflow as tf
    >>> start = tf.constant([[0.0, 0.0, 3.0, 1.0, 0.0]])
    >>> end = tf.constant([[0.0, 0.0, 0.0, 2.0, 0.0]])
    >>> context = tf.constant([[False, False, True, True, False]])
    >>> s, e, score = best_spans(start, end, context, max_answer_length=15)
    >>> int(s[0]), int(e[0])
    (2, 3)
"""

from __future__ import annotations

from typing import Callable

import tensorflow as tf

# HF's question-answering pipeline replaces excluded logits with this before the softmax.
_EXCLUDED_LOGIT = -10000.0


# ------------------------------------------------------------------ checks
def assert_rows(ok: tf.Tensor, template: str) -> tf.Operation:
    """An Assert that fails, naming the first bad element, unless every element of ``ok`` is True.

    ``ok`` is [n] or [n, m]; ``template`` has one ``{}`` per dimension, filled with the first failing
    index (messages avoid quotes, which the Assert op escapes).
    """
    bad = tf.reshape(tf.logical_not(ok), [-1])
    # A trailing True keeps argmax defined on an empty batch (the index is unused when all rows pass).
    first = tf.argmax(tf.cast(tf.concat([bad, [True]], 0), tf.int32), output_type=tf.int32)
    if ok.shape.rank == 2:
        columns = tf.shape(ok)[1]
        index = [first // columns, first % columns]
    else:
        index = [first]
    return tf.debugging.Assert(tf.reduce_all(ok), [tf.strings.format(template, index)])


def assert_true(condition: tf.Tensor, message: str, *data: tf.Tensor) -> tf.Operation:
    """An Assert with a plain message (``data`` printed after it)."""
    return tf.debugging.Assert(condition, [message, *data])


def with_checks(checks: list, values):
    """``values`` (a tensor or a dict of tensors) made to run only after all ``checks`` pass.

    ``checks`` are zero-argument callables that build Assert ops. They are built one after the other, each
    under a control dependency on the previous one, so they run in order and the first failing check is
    the one reported (instead of whichever of several failing asserts the executor happens to run first,
    or some kernel's error further down).
    """
    previous = []
    for build in checks:
        with tf.control_dependencies(previous):
            previous = [build()]
    with tf.control_dependencies(previous):
        if isinstance(values, dict):
            return {k: tf.identity(v) for k, v in values.items()}
        return tf.identity(values)


def nonempty_check(name: str, strings: tf.Tensor):
    return lambda: assert_true(tf.shape(strings)[0] > 0, f"empty batch: input {name} has no rows")


def utf8_check(name: str, strings: tf.Tensor):
    def build():
        flat = tf.reshape(strings, [-1])
        # Valid UTF-8 transcodes to itself; every invalid sequence is replaced and so changes the string.
        fixed = tf.strings.unicode_transcode(flat, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD)
        return assert_rows(tf.equal(fixed, flat), f"input {name}[{{}}] is not valid UTF-8")

    return build


def same_rows_check(name: str, value: tf.Tensor, reference_name: str, reference: tf.Tensor):
    return lambda: assert_true(tf.equal(tf.shape(value)[0], tf.shape(reference)[0]),
                               f"inputs {name} and {reference_name} must have the same number of rows; got",
                               tf.shape(value)[0], "and", tf.shape(reference)[0])


def ids_checks(features: dict, vocab_size: int, type_vocab_size: int, max_positions: int) -> list:
    """Checks for the ``predict_ids`` inputs, in order: equal shapes, non-empty, no longer than the position
    embeddings, ids, types and mask values in range. None is per row: a row whose mask has no 1s is
    computed like any other (its outputs mean nothing), rather than failing a batch it shares."""
    ids, mask, types = features["input_ids"], features["attention_mask"], features["token_type_ids"]
    return [
        lambda: assert_true(tf.reduce_all(tf.equal(tf.shape(ids), tf.shape(mask))),
                            "input_ids and attention_mask must have the same shape; got", tf.shape(ids), tf.shape(mask)),
        lambda: assert_true(tf.reduce_all(tf.equal(tf.shape(ids), tf.shape(types))),
                            "input_ids and token_type_ids must have the same shape; got", tf.shape(ids),
                            tf.shape(types)),
        lambda: assert_true(tf.size(ids) > 0, "empty batch: input_ids has no elements; shape", tf.shape(ids)),
        lambda: assert_true(tf.shape(ids)[-1] <= max_positions,
                            f"sequences are longer than the {max_positions} positions of the model "
                            "(max_position_embeddings); length", tf.shape(ids)[-1]),
        lambda: assert_true(tf.reduce_all((ids >= 0) & (ids < vocab_size)),
                            f"input_ids has ids outside [0, {vocab_size})"),
        lambda: assert_true(tf.reduce_all((types >= 0) & (types < type_vocab_size)),
                            f"token_type_ids has values outside [0, {type_vocab_size})"),
        lambda: assert_true(tf.reduce_all((mask == 0) | (mask == 1)), "attention_mask values must be 0 or 1"),
    ]


def sequence_lengths(attention_mask: tf.Tensor) -> tf.Tensor:
    """Per row, one past the last attended position (robust to masks that are not a prefix)."""
    width = tf.shape(attention_mask)[1]
    positions = tf.range(1, width + 1)[tf.newaxis, :]
    return tf.reduce_max(tf.where(attention_mask > 0, positions, 0), axis=1)


# ------------------------------------------------------------------ sub-batching
def run_in_sorted_chunks(
    fn: Callable[[dict], dict],
    lengths: tf.Tensor,
    token_inputs: dict,
    row_inputs: dict,
    outputs: dict,
    num_chunks: int,
    multiple: int,
) -> dict:
    """Runs ``fn`` on length-sorted sub-batches, each cut to its own longest row, and restores the order.

    Rows are sorted by ``lengths`` and split into ``min(num_chunks, batch)`` contiguous groups of equal
    count; each group's token inputs are cut to the group's longest length rounded up to ``multiple``.
    Short rows then stop paying for the batch's longest. Outputs at attended positions are unchanged:
    a padded key gets zero attention weight however much padding follows it.

    Args:
        fn: sub-batch dict -> dict of outputs.
        lengths: [B] int32 lengths that the token inputs may be cut to.
        token_inputs: [B, L, ...] tensors, cut along axis 1 per group.
        row_inputs: [B, ...] tensors, only regrouped.
        outputs: name -> (dtype, has_token_axis); token-axis outputs are padded back to L with zeros.
        num_chunks, multiple: static Python ints.
    Returns:
        name -> [B, ...] outputs in the original row order.
    """
    batch = tf.shape(lengths)[0]
    full_length = tf.shape(next(iter(token_inputs.values())))[1]
    order = tf.argsort(lengths, stable=True)
    chunks = tf.maximum(tf.minimum(tf.constant(num_chunks, tf.int32), batch), 1)
    bounds = tf.range(chunks + 1) * batch // chunks
    arrays = {name: tf.TensorArray(dtype, size=chunks, infer_shape=False) for name, (dtype, _) in outputs.items()}

    def body(i, arrays):
        rows = order[bounds[i]:bounds[i + 1]]
        longest = tf.reduce_max(tf.gather(lengths, rows))
        cut = tf.minimum((longest + multiple - 1) // multiple * multiple, full_length)
        cut = tf.maximum(cut, 1)
        sub = {k: tf.gather(v, rows)[:, :cut] for k, v in token_inputs.items()}
        sub.update({k: tf.gather(v, rows) for k, v in row_inputs.items()})
        result = fn(sub)
        written = {}
        for name, (_, has_token_axis) in outputs.items():
            value = result[name]
            if has_token_axis:
                padding = tf.concat([[[0, 0], [0, full_length - cut]],
                                     tf.zeros([tf.rank(value) - 2, 2], tf.int32)], axis=0)
                value = tf.pad(value, padding)
            written[name] = arrays[name].write(i, value)
        return i + 1, written

    _, arrays = tf.while_loop(lambda i, _: i < chunks, body, (tf.constant(0), arrays))
    inverse = tf.math.invert_permutation(order)
    return {name: tf.gather(array.concat(), inverse) for name, array in arrays.items()}


# ------------------------------------------------------------------ fill-mask
def mask_positions(input_ids: tf.Tensor, attention_mask: tf.Tensor, mask_id: int) -> tf.Tensor:
    """[B, M] token indices of the [MASK] tokens of each row, in order; -1 pads rows with fewer.

    M is at least 1, so a batch without any [MASK] still has a position axis (all -1)."""
    width = tf.shape(input_ids)[1]
    is_mask = (input_ids == mask_id) & (attention_mask > 0)
    counts = tf.reduce_sum(tf.cast(is_mask, tf.int32), axis=1)
    most = tf.maximum(tf.reduce_max(counts), 1)
    positions = tf.where(is_mask, tf.range(width)[tf.newaxis, :], width)
    positions = tf.sort(positions, axis=1)[:, :most]
    return tf.where(positions < width, positions, -1)


def top_k_predictions(logits: tf.Tensor, k: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Softmax over the vocabulary, then the k best (HF fill-mask): (scores, ids), each [..., k]."""
    scores, ids = tf.math.top_k(tf.nn.softmax(logits, axis=-1), k=k)
    return scores, ids


# ------------------------------------------------------------------ question answering
def best_spans(start_logits: tf.Tensor, end_logits: tf.Tensor, allowed: tf.Tensor, max_answer_length: int):
    """HF's question-answering pipeline span search (``decode_spans`` with topk=1), batched.

    Logits outside ``allowed`` (question, special and padding tokens) are replaced by -10000, each row is
    softmax-normalized, and the best (start, end) with start <= end < start + max_answer_length maximizes
    p(start) * p(end).

    Returns:
        (start index [B], end index [B] inclusive, score [B]).
    """
    start = tf.nn.softmax(tf.where(allowed, start_logits, _EXCLUDED_LOGIT), axis=-1)
    end = tf.nn.softmax(tf.where(allowed, end_logits, _EXCLUDED_LOGIT), axis=-1)
    width = tf.shape(start)[1]
    outer = start[:, :, tf.newaxis] * end[:, tf.newaxis, :]
    offset = tf.range(width)[tf.newaxis, :] - tf.range(width)[:, tf.newaxis]  # end - start
    band = (offset >= 0) & (offset < max_answer_length)
    candidates = tf.where(band[tf.newaxis], outer, 0.0)
    flat = tf.reshape(candidates, [tf.shape(candidates)[0], -1])
    best = tf.argmax(flat, axis=1, output_type=tf.int32)
    return best // width, best % width, tf.reduce_max(flat, axis=1)
