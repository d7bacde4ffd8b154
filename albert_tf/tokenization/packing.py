"""Truncation and packing of token-id rows into ALBERT's model inputs, in graph, with HF's rules.

``truncation_side`` / ``padding_side`` mean what they mean on HF's tokenizers: ``"right"`` (the default)
cuts tokens off the end and pads after the sequence, ``"left"`` cuts them off the start and pads before it.
"""

from __future__ import annotations

import tensorflow as tf

from albert_tf.tokenization.ragged_ops import keep_first, keep_last

SIDES = ("right", "left")
TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second")


def check_side(name: str, side: str) -> str:
    if side not in SIDES:
        raise ValueError(f"{name} must be 'right' or 'left', got {side!r}")
    return side


def keep(rt: tf.RaggedTensor, n, side: str) -> tf.RaggedTensor:
    """Per row, ``n[row]`` elements kept on the side opposite to ``side`` (the truncation side)."""
    return keep_first(rt, n) if side == "right" else keep_last(rt, n)


def kept_lengths(n_a, n_b, max_length: int | None, strategy: str):
    """How many tokens of each sequence HF's ``truncation=strategy`` keeps (``n_b`` None: single sequences).

    Single sequences keep ``max_length - 2``. For pairs, ``longest_first`` takes tokens from the longer
    one until both are equal, then alternately (the first sequence gets the odd one), and ``only_first`` /
    ``only_second`` cut only that one, or nothing when it is too short (HF logs an error and keeps all).
    """
    if max_length is None:
        return n_a, n_b
    if n_b is None:
        return tf.minimum(n_a, max_length - 2), None
    remove = n_a + n_b + 3 - max_length
    over = remove > 0
    if strategy == "longest_first":
        first = tf.minimum(tf.abs(n_b - n_a), remove)
        second = remove - first
        a_longer = n_a > n_b
        cut_a = tf.where(a_longer, first + second // 2, second // 2)
        cut_b = tf.where(a_longer, second - second // 2, first + second - second // 2)
        return (tf.where(over, tf.maximum(n_a - cut_a, 0), n_a),
                tf.where(over, tf.maximum(n_b - cut_b, 0), n_b))
    if strategy == "only_first":
        return tf.where(tf.logical_and(over, n_a > remove), n_a - remove, n_a), n_b
    return n_a, tf.where(tf.logical_and(over, n_b > remove), n_b - remove, n_b)


def pack(a, b, *, cls_id: int, sep_id: int, pad_id: int, pad_to_multiple_of: int | None = None,
         padding_side: str = "right", special_tokens_mask: bool = False, a_off=None, b_off=None) -> dict:
    """``[CLS] a [SEP]`` or ``[CLS] a [SEP] b [SEP]``, padded to the longest row (rounded up to
    ``pad_to_multiple_of``) on ``padding_side``. Built with dense per-position rules rather than ragged
    concatenation: this is the hot path of the layer."""
    n = tf.cast(a.nrows(), tf.int32)
    n_a = tf.cast(a.row_lengths(), tf.int32)[:, tf.newaxis]
    n_b = tf.cast(b.row_lengths(), tf.int32)[:, tf.newaxis] if b is not None else None
    total = n_a + 2 if b is None else n_a + n_b + 3
    length = tf.reduce_max(tf.concat([tf.reshape(total, [-1]), [0]], 0))
    if pad_to_multiple_of:
        m = pad_to_multiple_of
        length = (length + m - 1) // m * m
    position = tf.range(length)[tf.newaxis, :]
    first_sep = tf.equal(position, n_a + 1)
    body = tf.concat([tf.fill(tf.stack([n, 1]), tf.constant(cls_id, a.dtype)),
                      a.to_tensor(default_value=pad_id, shape=tf.stack([n, tf.maximum(length - 1, 0)]))], 1)
    body = body[:, :length]
    ids = tf.where(first_sep, tf.constant(sep_id, a.dtype), body)
    inside = position < total
    second = tf.zeros_like(inside)
    last_sep = tf.zeros_like(inside)
    if b is not None:
        b_dense = b.to_tensor(default_value=pad_id, shape=tf.stack([n, length]))
        in_b = tf.logical_and(position >= n_a + 2, position < n_a + 2 + n_b)
        b_at = tf.gather(b_dense, tf.clip_by_value(position - n_a - 2, 0, tf.maximum(length - 1, 0)), batch_dims=1)
        last_sep = tf.equal(position, total - 1)
        ids = tf.where(in_b, b_at, ids)
        ids = tf.where(last_sep, tf.constant(sep_id, a.dtype), ids)
        second = tf.logical_and(position >= n_a + 2, inside)
    out = {
        "input_ids": tf.cast(ids, tf.int32),
        "attention_mask": tf.cast(inside, tf.int32),
        "token_type_ids": tf.cast(second, tf.int32),
    }
    # What HF pads each output with (special_tokens_mask: 1, padding counts as special).
    fill = {"input_ids": pad_id, "attention_mask": 0, "token_type_ids": 0, "special_tokens_mask": 1, "offsets": 0}
    if special_tokens_mask:
        special = tf.logical_or(tf.logical_or(tf.equal(position, 0), first_sep),
                                tf.logical_or(last_sep, tf.logical_not(inside)))
        out["special_tokens_mask"] = tf.cast(special, tf.int32)
    if a_off is not None:
        zero = tf.RaggedTensor.from_tensor(tf.zeros(tf.stack([n, 1, 2]), tf.int32))
        parts = [zero, a_off, zero]
        if b is not None:
            parts += [b_off, zero]
        offsets = tf.concat(parts, axis=1)
        out["offsets"] = offsets.to_tensor(default_value=0, shape=tf.stack([n, length, 2]))
    if padding_side == "left":
        out = _move_padding_left(out, total, length, position, fill)
    return out


def _move_padding_left(out: dict, total, length, position, fill: dict) -> dict:
    """Right-padded rows -> the same tokens at the end of each row, padding before them."""
    pad = length - total  # [n, 1]
    source = tf.clip_by_value(position - pad, 0, tf.maximum(length - 1, 0))
    is_pad = position < pad
    moved = {}
    for key, value in out.items():
        shifted = tf.gather(value, source, batch_dims=1)
        mask = is_pad if value.shape.rank == 2 else is_pad[..., tf.newaxis]
        moved[key] = tf.where(mask, tf.constant(fill[key], value.dtype), shifted)
    return moved
