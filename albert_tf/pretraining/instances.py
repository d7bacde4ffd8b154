"""Pretraining instances: one document's chunking, A/B split, swap, truncation and masking, and its records.

:class:`Vocabulary` is what the recipe needs to know about the tokenizer's pieces; :func:`instances_from_document`
yields the :class:`TrainingInstance`s of one document (the recipe of :mod:`albert_tf.pretraining.data`), and
:func:`serialize_instance` writes one as a ``tf.train.Example`` with the features listed there.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Iterator

import numpy as np

from albert_tf.pretraining import masking


@dataclasses.dataclass
class Vocabulary:
    """What the recipe needs to know about the tokenizer's vocabulary, by id."""

    word_start: np.ndarray  # [vocab] bool: piece starts a word
    random_ids: np.ndarray  # ids random replacements are drawn from (ordinary pieces)
    cls_id: int
    sep_id: int
    mask_id: int
    pad_id: int
    size: int

    @classmethod
    def from_tokenizer(cls, tokenizer) -> "Vocabulary":
        sp = tokenizer.sp_model
        size = sp.get_piece_size()
        word_start = np.array([masking.is_word_start_piece(sp.id_to_piece(i)) for i in range(size)], bool)
        special = {tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id,
                   tokenizer.sep_token_id, tokenizer.mask_token_id}
        ordinary = [i for i in range(size)
                    if i not in special and not (sp.is_control(i) or sp.is_unknown(i) or sp.is_unused(i))]
        return cls(word_start=word_start, random_ids=np.array(ordinary, np.int32), cls_id=tokenizer.cls_token_id,
                   sep_id=tokenizer.sep_token_id, mask_id=tokenizer.mask_token_id, pad_id=tokenizer.pad_token_id,
                   size=size)


@dataclasses.dataclass
class TrainingInstance:
    input_ids: list[int]
    segment_ids: list[int]
    token_boundary: list[int]
    masked: masking.MaskedSequence
    swapped: bool


def _truncate_pair(tokens_a: list[int], tokens_b: list[int], max_num_tokens: int, rng: random.Random) -> None:
    """Drops tokens from the front or back (at random) of the longer side until the pair fits."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _split_single_segment(segment: np.ndarray, vocab: Vocabulary, rng: random.Random):
    """A one-segment chunk is cut at a random word start (any token if it is one word)."""
    cuts = [i for i in range(1, len(segment)) if vocab.word_start[segment[i]]] or list(range(1, len(segment)))
    if not cuts:
        return None
    cut = cuts[rng.randrange(len(cuts))]
    return list(segment[:cut]), list(segment[cut:])


def instances_from_document(document: list[np.ndarray], vocab: Vocabulary, rng: random.Random, *,
                            max_seq_length: int, max_predictions_per_seq: int, masked_lm_prob: float,
                            short_seq_prob: float, max_ngram: int) -> Iterator[TrainingInstance]:
    """The recipe's chunking, A/B split, swap, truncation and masking for one document."""
    max_num_tokens = max_seq_length - 3  # [CLS], [SEP], [SEP]
    target_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_length = rng.randint(2, max_num_tokens)
    chunk: list[np.ndarray] = []
    chunk_length = 0
    for index, segment in enumerate(document):
        chunk.append(segment)
        chunk_length += len(segment)
        if index != len(document) - 1 and chunk_length < target_length:
            continue
        if len(chunk) >= 2:
            a_end = rng.randint(1, len(chunk) - 1)
            tokens_a = [int(t) for s in chunk[:a_end] for t in s]
            tokens_b = [int(t) for s in chunk[a_end:] for t in s]
        else:
            pair = _split_single_segment(chunk[0], vocab, rng)
            chunk, chunk_length = [], 0
            if pair is None:
                continue
            tokens_a, tokens_b = [int(t) for t in pair[0]], [int(t) for t in pair[1]]
        chunk, chunk_length = [], 0
        swapped = rng.random() < 0.5
        if swapped:
            tokens_a, tokens_b = tokens_b, tokens_a
        _truncate_pair(tokens_a, tokens_b, max_num_tokens, rng)
        input_ids = [vocab.cls_id] + tokens_a + [vocab.sep_id] + tokens_b + [vocab.sep_id]
        segment_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
        special = [False] * len(input_ids)
        for i in (0, len(tokens_a) + 1, len(input_ids) - 1):
            special[i] = True
        word_starts = [bool(s or vocab.word_start[t]) for t, s in zip(input_ids, special)]
        masked = masking.mask_sequence(
            input_ids, word_starts, special, mask_id=vocab.mask_id, random_ids=vocab.random_ids,
            max_predictions=max_predictions_per_seq, rng=rng, masked_lm_prob=masked_lm_prob, max_ngram=max_ngram,
        )
        yield TrainingInstance(input_ids=masked.input_ids, segment_ids=segment_ids,
                               token_boundary=[int(w) for w in word_starts], masked=masked, swapped=swapped)


def serialize_instance(instance: TrainingInstance, max_seq_length: int, max_predictions_per_seq: int) -> bytes:
    """One ``tf.train.Example`` with the features listed in :mod:`albert_tf.pretraining.data`'s docstring."""
    import tensorflow as tf

    n = len(instance.input_ids)
    pad = max_seq_length - n
    positions = instance.masked.positions
    p_pad = max_predictions_per_seq - len(positions)

    def ints(values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))

    features = {
        "input_ids": ints(instance.input_ids + [0] * pad),
        "input_mask": ints([1] * n + [0] * pad),
        "segment_ids": ints(instance.segment_ids + [0] * pad),
        "token_boundary": ints(instance.token_boundary + [0] * pad),
        "masked_lm_positions": ints(positions + [0] * p_pad),
        "masked_lm_ids": ints(instance.masked.labels + [0] * p_pad),
        "masked_lm_weights": tf.train.Feature(
            float_list=tf.train.FloatList(value=[1.0] * len(positions) + [0.0] * p_pad)),
        "sentence_order_label": ints([int(instance.swapped)]),
    }
    # deterministic=True: map fields otherwise serialize in a per-process order, breaking "same seed, same bytes".
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString(deterministic=True)
