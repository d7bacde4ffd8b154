"""Streaming ``tf.data`` input for pretraining records, sharded per worker, optionally re-masked in graph.

:func:`pretraining_dataset` reads the records :func:`~albert_tf.pretraining.create_pretraining_data`
writes. Under ``tf.distribute`` it takes an ``InputContext`` (``distribute_datasets_from_function``):
each input pipeline reads its own share of the files (or of the records, when there are fewer files than
pipelines) and yields per-replica batches.

The stream is a pure function of (files, seed, position): shuffling is seeded, interleaving is
deterministic, and resuming skips the records already consumed (``skip_examples``) before they are
parsed, which is how training resumes at the exact data position after a restart.

With ``dynamic_masking=True`` the stored masks are undone (the original ids are scattered back) and a new
n-gram whole-word mask is drawn in graph for every batch, from stateless random ops seeded by
(seed, record index): new masks every epoch, yet reproducible. The in-graph recipe is the one of
:mod:`.masking`; random replacements are drawn from ids ``>= first_ordinary_id`` (5 in ALBERT's layout,
after ``<pad> <unk> [CLS] [SEP] [MASK]``).

Example:
    >>> ds = pretraining_dataset("/tmp/wiki-*.tfrecord", batch_size=8)   # doctest: +SKIP
    >>> batch = next(iter(ds)); sorted(batch)                            # doctest: +SKIP
    ['input_ids', 'input_mask', 'masked_lm_ids', 'masked_lm_positions', 'masked_lm_weights', ...]
"""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf

from albert_tf.pretraining.data import STATS_SUFFIX
from albert_tf.pretraining.masking import ngram_probabilities
from albert_tf.tokenization import constants

MODEL_FEATURES = (
    "input_ids", "input_mask", "segment_ids", "masked_lm_positions", "masked_lm_ids", "masked_lm_weights",
    "sentence_order_label",
)


def _is_side_file(path: str) -> bool:
    """What create-pretraining-data writes beside the shards but is not records: PREFIX.stats.json and the
    hidden temporary files of atomic writes."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.endswith(STATS_SUFFIX) or name.startswith(".tmp-")


def resolve_files(file_patterns: str | Sequence[str]) -> list[str]:
    """Comma-separated globs or a list of them -> the sorted list of matching files (local or gs://).

    A glob skips the side files create-pretraining-data writes beside its shards (``PREFIX.stats.json``),
    so ``'data/wiki*'`` means the records; a file named exactly is kept (and checked by
    :func:`record_shapes`).
    """
    if isinstance(file_patterns, str):
        file_patterns = [p for p in file_patterns.split(",") if p.strip()]
    files: list[str] = []
    for pattern in file_patterns:
        pattern = pattern.strip()
        matches = sorted(tf.io.gfile.glob(pattern))
        if any(c in pattern for c in "*?["):
            matches = [m for m in matches if not _is_side_file(m)]
        if not matches:
            raise FileNotFoundError(f"no pretraining record file matches {pattern!r}")
        files.extend(matches)
    return sorted(dict.fromkeys(files))


def _first_record_shapes(path: str) -> tuple[int, int] | None:
    """(max_seq_length, max_predictions_per_seq) of the file's first record; None for an empty file."""
    try:
        raws = [raw.numpy() for raw in tf.data.TFRecordDataset([path]).take(1)]
    except tf.errors.OpError as err:
        reason = err.message.strip().splitlines()[0] if err.message.strip() else type(err).__name__
        raise ValueError(f"{path} is not a TFRecord file ({reason}); pass the .tfrecord shards "
                         "create-pretraining-data writes") from None
    if not raws:
        return None
    try:
        features = tf.train.Example.FromString(raws[0]).features.feature
    except Exception:  # noqa: BLE001 (any protobuf decode failure means the same thing)
        raise ValueError(f"{path} holds TFRecords that are not tf.train.Example protos") from None
    missing = [k for k in MODEL_FEATURES if k not in features]
    if missing:
        raise ValueError(f"{path} is not a pretraining record file: missing features {missing}")
    return len(features["input_ids"].int64_list.value), len(features["masked_lm_positions"].int64_list.value)


def record_shapes(files: Sequence[str]) -> tuple[int, int]:
    """(max_seq_length, max_predictions_per_seq), after checking that every file holds pretraining
    records of that one shape: a wrong file fails here, named, not deep inside the input pipeline."""
    shapes, first = None, None
    for path in files:
        found = _first_record_shapes(path)
        if found is None:
            continue
        if shapes is not None and found != shapes:
            raise ValueError(f"{path} has records of shape (max_seq_length, max_predictions_per_seq)={found}, "
                             f"{first} has {shapes}: the files come from different create-pretraining-data runs")
        if shapes is None:
            shapes, first = found, path
    if shapes is None:
        raise ValueError(f"{files[0]} holds no records" if len(files) == 1 else f"none of {len(files)} files holds "
                         "records")
    return shapes


def _feature_spec(max_seq_length: int, max_predictions: int, with_boundary: bool) -> dict:
    spec = {
        "input_ids": tf.io.FixedLenFeature([max_seq_length], tf.int64),
        "input_mask": tf.io.FixedLenFeature([max_seq_length], tf.int64),
        "segment_ids": tf.io.FixedLenFeature([max_seq_length], tf.int64),
        "masked_lm_positions": tf.io.FixedLenFeature([max_predictions], tf.int64),
        "masked_lm_ids": tf.io.FixedLenFeature([max_predictions], tf.int64),
        "masked_lm_weights": tf.io.FixedLenFeature([max_predictions], tf.float32),
        "sentence_order_label": tf.io.FixedLenFeature([1], tf.int64),
    }
    if with_boundary:
        spec["token_boundary"] = tf.io.FixedLenFeature([max_seq_length], tf.int64)
    return spec


def _parse_batch(serialized, spec):
    parsed = tf.io.parse_example(serialized, spec)
    out = {}
    for name, value in parsed.items():
        # int32 everywhere: what TPUs want, and what the model's embedding lookups take.
        out[name] = tf.cast(value, tf.int32) if value.dtype == tf.int64 else value
    out["sentence_order_label"] = tf.reshape(out["sentence_order_label"], [-1])
    return out


def pretraining_dataset(
    file_patterns: str | Sequence[str],
    batch_size: int,
    *,
    input_context: tf.distribute.InputContext | None = None,
    is_training: bool = True,
    seed: int = 0,
    shuffle_buffer_size: int = 10_000,
    skip_examples: int = 0,
    dynamic_masking: bool = False,
    vocab_size: int | None = None,
    max_ngram: int = 3,
    masked_lm_prob: float = 0.15,
    mask_token_id: int = constants.MASK_ID,
    first_ordinary_id: int = len(constants.SPECIAL_TOKENS_IN_ID_ORDER),
    max_seq_length: int | None = None,
    max_predictions_per_seq: int | None = None,
    drop_remainder: bool = True,
    cycle_length: int = 8,
) -> tf.data.Dataset:
    """Batches of pretraining features (int32; ``masked_lm_weights`` float32; ``sentence_order_label`` [B]).

    Args:
        file_patterns: globs of record files (comma-separated string or list).
        batch_size: the per-replica batch size. With a ``tf.distribute`` input context pass
            ``input_context.get_per_replica_batch_size(global_batch_size)``.
        input_context: shards the input per input pipeline (worker).
        is_training: shuffle and repeat forever; otherwise one ordered pass.
        seed: fixes the shuffling (and the dynamic masks).
        skip_examples: records this pipeline already consumed (resume position).
        dynamic_masking: draw fresh masks in graph (needs ``vocab_size``).
    """
    files = resolve_files(file_patterns)
    stored_length, stored_predictions = record_shapes(files)
    max_seq_length = max_seq_length or stored_length
    max_predictions_per_seq = max_predictions_per_seq or stored_predictions
    if (max_seq_length, max_predictions_per_seq) != (stored_length, stored_predictions):
        raise ValueError(
            f"records hold max_seq_length={stored_length}, max_predictions_per_seq={stored_predictions}; "
            f"asked for {max_seq_length}, {max_predictions_per_seq}")
    if dynamic_masking and not vocab_size:
        raise ValueError("dynamic_masking needs vocab_size (to draw random replacement tokens)")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")

    num_pipelines = input_context.num_input_pipelines if input_context else 1
    pipeline_id = input_context.input_pipeline_id if input_context else 0
    dataset = tf.data.Dataset.from_tensor_slices(files)
    shard_records = len(files) < num_pipelines
    if num_pipelines > 1 and not shard_records:
        dataset = dataset.shard(num_pipelines, pipeline_id)
    if is_training:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True).repeat()
    dataset = dataset.interleave(
        tf.data.TFRecordDataset, cycle_length=min(cycle_length, len(files)),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True,
    )
    if num_pipelines > 1 and shard_records:
        dataset = dataset.shard(num_pipelines, pipeline_id)
    if is_training and shuffle_buffer_size > 1:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=seed + 1, reshuffle_each_iteration=True)
    # The record's index in this pipeline's stream seeds its dynamic mask; skipping happens on raw
    # bytes, before any parsing, so resuming is cheap.
    dataset = dataset.enumerate()
    if skip_examples:
        dataset = dataset.skip(skip_examples)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    spec = _feature_spec(max_seq_length, max_predictions_per_seq, with_boundary=dynamic_masking)

    def parse(indexes, serialized):
        features = _parse_batch(serialized, spec)
        if dynamic_masking:
            batch_seed = tf.stack([tf.cast(seed, tf.int64) * 1_000_003 + pipeline_id, indexes[0]])
            features = mask_batch_in_graph(
                features, seed=batch_seed, vocab_size=vocab_size, max_ngram=max_ngram,
                masked_lm_prob=masked_lm_prob, mask_token_id=mask_token_id, first_ordinary_id=first_ordinary_id,
            )
            features.pop("token_boundary")
        return features

    dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    options.deterministic = True
    # We shard by hand above; tf.distribute must not shard again.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def unmask(features: dict) -> tf.Tensor:
    """The original ids of a batch: the stored ``masked_lm_ids`` scattered back into ``input_ids``."""
    input_ids = features["input_ids"]
    positions = features["masked_lm_positions"]
    real = features["masked_lm_weights"] > 0
    batch_index = tf.broadcast_to(tf.range(tf.shape(positions)[0])[:, None], tf.shape(positions))
    indices = tf.stack([tf.boolean_mask(batch_index, real), tf.boolean_mask(positions, real)], axis=-1)
    return tf.tensor_scatter_nd_update(input_ids, indices, tf.boolean_mask(features["masked_lm_ids"], real))


def mask_batch_in_graph(features: dict, *, seed, vocab_size: int, max_ngram: int = 3,
                        masked_lm_prob: float = 0.15, mask_token_id: int = constants.MASK_ID,
                        first_ordinary_id: int = len(constants.SPECIAL_TOKENS_IN_ID_ORDER)) -> dict:
    """Re-masks a parsed batch with the n-gram whole-word recipe, in TensorFlow ops.

    Needs ``input_ids`` (any masking is undone first), ``input_mask``, ``segment_ids``, ``token_boundary``,
    and the stored ``masked_lm_*`` (for undoing and for the number of prediction slots). ``seed`` is a
    shape-[2] int tensor for stateless random ops. Returns new ``input_ids`` and ``masked_lm_*``.
    """
    original = unmask(features)
    input_mask = features["input_mask"]
    segment_ids = features["segment_ids"]
    boundary = features["token_boundary"]
    max_predictions = features["masked_lm_positions"].shape[1] or tf.shape(features["masked_lm_positions"])[1]
    batch = tf.shape(original)[0]
    length = tf.shape(original)[1]

    # Candidates: real tokens except [CLS] (position 0), the [SEP] closing segment A and the final [SEP].
    positions = tf.range(length)[None, :]
    lengths = tf.reduce_sum(input_mask, axis=1)
    len_a = tf.reduce_sum(input_mask * (1 - segment_ids), axis=1)  # [CLS] A [SEP]
    candidate = ((input_mask > 0) & (positions > 0) & (positions != len_a[:, None] - 1)
                 & (positions != lengths[:, None] - 1))
    # Word index per candidate token: a new word at a boundary or after a non-candidate token.
    previous_candidate = tf.pad(candidate[:, :-1], [[0, 0], [1, 0]])
    starts = candidate & ((boundary > 0) | ~previous_candidate)
    word_of_token = tf.where(candidate, tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1, -1)
    num_words = tf.reduce_sum(tf.cast(starts, tf.int32), axis=1)
    width = length  # an upper bound on words per row
    # tokens per word, and its prefix sums for n-gram token counts
    flat_word = tf.where(candidate, tf.range(batch)[:, None] * width + word_of_token, batch * width)
    flat_word = tf.reshape(flat_word, [-1])
    tokens_per_word = tf.reshape(tf.math.unsorted_segment_sum(
        tf.ones_like(flat_word), flat_word, batch * width + 1)[:-1], [batch, width])
    prefix = tf.pad(tf.cumsum(tokens_per_word, axis=1), [[0, 0], [1, 0]])

    budget = tf.minimum(
        max_predictions,
        tf.maximum(1, tf.cast(tf.round(tf.cast(lengths, tf.float32) * masked_lm_prob), tf.int32)))
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=5)
    # A random visiting order of the words (invalid slots last).
    word_valid = tf.range(width)[None, :] < num_words[:, None]
    scores = tf.random.stateless_uniform([batch, width], seeds[0])
    order = tf.argsort(tf.where(word_valid, scores, 2.0), axis=1, stable=True)
    # The n-gram length each word start would draw, p(n) ∝ 1/n over the n-grams that fit.
    available = tf.clip_by_value(num_words[:, None] - tf.range(width)[None, :], 1, max_ngram)
    probabilities = tf.constant(ngram_probabilities(max_ngram), tf.float32)
    cumulative = tf.cumsum(probabilities)
    totals = tf.gather(cumulative, available - 1)
    draws = tf.random.stateless_uniform([batch, width], seeds[1]) * totals
    sampled = 1 + tf.reduce_sum(tf.cast(draws[..., None] >= cumulative[None, None, :], tf.int32), axis=-1)
    sampled = tf.minimum(sampled, available)

    def span_tokens(first, n):
        end = tf.minimum(first + n, width)
        return (tf.gather(prefix, end, batch_dims=1) - tf.gather(prefix, first, batch_dims=1))

    def body(k, covered, masked_count):
        first = order[:, k]
        active = (k < num_words) & (masked_count < budget)
        n = tf.gather(sampled, first, batch_dims=1)
        # Fall back to shorter n-grams while the n-gram would exceed the budget.
        for _ in range(max_ngram - 1):
            too_long = (masked_count + span_tokens(first, n) > budget) & (n > 1)
            n = n - tf.cast(too_long, tf.int32)
        size = span_tokens(first, n)
        fits = masked_count + size <= budget
        in_span = (tf.range(width)[None, :] >= first[:, None]) & (tf.range(width)[None, :] < (first + n)[:, None])
        overlap = tf.reduce_any(in_span & covered, axis=1)
        take = active & fits & ~overlap
        covered = covered | (in_span & take[:, None])
        masked_count = masked_count + tf.where(take, size, 0)
        return k + 1, covered, masked_count

    def keep_going(k, covered, masked_count):
        return (k < width) & tf.reduce_any((k < num_words) & (masked_count < budget))

    _, covered_words, _ = tf.while_loop(
        keep_going, body,
        (tf.constant(0), tf.zeros([batch, width], tf.bool), tf.zeros([batch], tf.int32)),
        maximum_iterations=width,
    )
    chosen = tf.gather(covered_words, tf.maximum(word_of_token, 0), batch_dims=1) & candidate

    # 80% [MASK], 10% unchanged, 10% random ordinary token.
    u_mask = tf.random.stateless_uniform([batch, length], seeds[2])
    u_keep = tf.random.stateless_uniform([batch, length], seeds[3])
    random_tokens = tf.random.stateless_uniform(
        [batch, length], seeds[4], minval=first_ordinary_id, maxval=vocab_size, dtype=tf.int32)
    replaced = tf.where(u_mask < 0.8, mask_token_id, tf.where(u_keep < 0.5, original, random_tokens))
    input_ids = tf.where(chosen, replaced, original)

    # Masked positions ascending, padded with 0 / weight 0 to max_predictions.
    sort_key = tf.where(chosen, positions, length + positions)
    ordered = tf.argsort(sort_key, axis=1, stable=True)[:, :max_predictions]
    count = tf.reduce_sum(tf.cast(chosen, tf.int32), axis=1)
    slot_valid = tf.range(max_predictions)[None, :] < count[:, None]
    masked_positions = tf.where(slot_valid, ordered, 0)
    masked_ids = tf.where(slot_valid, tf.gather(original, ordered, batch_dims=1), 0)
    out = dict(features)
    out.update(
        input_ids=input_ids,
        masked_lm_positions=masked_positions,
        masked_lm_ids=masked_ids,
        masked_lm_weights=tf.cast(slot_valid, tf.float32),
    )
    return out


def hf_pretraining_features(features: dict) -> dict:
    """Maps record features to ``TFAlbertForPreTraining``'s HF inputs, for ``model.fit`` users.

    ``labels`` holds the original id at masked positions and -100 elsewhere (HF's ignore index).

    Example:
        >>> ds = pretraining_dataset(files, 16).map(hf_pretraining_features)   # doctest: +SKIP
        >>> model.compile(optimizer="adam"); model.fit(ds, steps_per_epoch=100)  # doctest: +SKIP
    """
    input_ids = features["input_ids"]
    positions = features["masked_lm_positions"]
    real = features["masked_lm_weights"] > 0
    batch_index = tf.broadcast_to(tf.range(tf.shape(positions)[0])[:, None], tf.shape(positions))
    indices = tf.stack([tf.boolean_mask(batch_index, real), tf.boolean_mask(positions, real)], axis=-1)
    labels = tf.tensor_scatter_nd_update(
        tf.fill(tf.shape(input_ids), tf.constant(-100, input_ids.dtype)), indices,
        tf.boolean_mask(features["masked_lm_ids"], real))
    return {
        "input_ids": input_ids,
        "attention_mask": features["input_mask"],
        "token_type_ids": features["segment_ids"],
        "labels": labels,
        "sentence_order_label": features["sentence_order_label"],
    }


def examples_per_pipeline(global_batch_size: int, num_input_pipelines: int) -> int:
    """Records one input pipeline consumes per training step."""
    if global_batch_size % num_input_pipelines:
        raise ValueError(f"global batch size {global_batch_size} is not divisible by the {num_input_pipelines} "
                         "input pipelines (workers)")
    return global_batch_size // num_input_pipelines


__all__ = [
    "MODEL_FEATURES", "examples_per_pipeline", "hf_pretraining_features", "mask_batch_in_graph",
    "pretraining_dataset", "record_shapes", "resolve_files", "unmask",
]
