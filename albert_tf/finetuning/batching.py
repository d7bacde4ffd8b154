"""Batches padded to their own longest sequence, with examples of similar length batched together.

Padding every batch to ``max_seq_length`` wastes most of the compute on short texts (a review snippet
is ~30 pieces, not 128); padding to the batch's longest and bucketing by length keeps CPU fine-tuning
fast. Training batches are re-shuffled every epoch (deterministically from the seed): examples are
shuffled, cut into chunks of ``bucket_batches`` batches, sorted by length inside a chunk, batched, and
the batch order is shuffled.

Example:
    >>> rows = [{"input_ids": [2, 9, 3], "labels": 1}, {"input_ids": [2, 9, 9, 9, 3], "labels": 0}]
    >>> batch = pad_batch(rows, {"input_ids": 0})
    >>> batch["input_ids"].tolist(), batch["labels"].tolist()
    ([[2, 9, 3, 0, 0], [2, 9, 9, 9, 3]], [1, 0])
"""

from __future__ import annotations

import random
from typing import Iterator, Mapping, Sequence

import keras
import numpy as np

# Keys padded with something other than 0 get their value from the caller (input_ids: the pad id);
# IGNORE_LABEL (HF's -100) is defined with the tasks and importable from here as before.
from albert_tf.tasks.base import IGNORE_LABEL  # noqa: F401


def sequence_length(row: Mapping) -> int:
    """Length that decides a row's bucket: its ``input_ids`` length (longest choice for multiple choice)."""
    ids = row["input_ids"]
    if ids and isinstance(ids[0], (list, tuple)):
        return max(len(choice) for choice in ids)
    return len(ids)


def _round_up(n: int, multiple: int | None) -> int:
    if not multiple:
        return n
    return -(-n // multiple) * multiple


def pad_batch(rows: Sequence[Mapping], pad_values: Mapping[str, int], *, pad_to_multiple_of: int | None = None,
              length: int | None = None) -> dict[str, np.ndarray]:
    """Stacks rows into arrays. Sequence fields (lists, or lists of lists for multiple choice) are padded
    on the right to the batch's longest (rounded up to ``pad_to_multiple_of``) or to ``length``, with
    ``pad_values[key]`` (0 when absent); scalar fields are stacked as they are. Integers become int32,
    floats float32."""
    if not rows:
        raise ValueError("cannot pad an empty batch")
    target = length if length is not None else _round_up(max(sequence_length(r) for r in rows), pad_to_multiple_of)
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        first = values[0]
        if isinstance(first, (list, tuple)):
            pad = pad_values.get(key, 0)
            if first and isinstance(first[0], (list, tuple)):
                out[key] = np.asarray([[list(c) + [pad] * (target - len(c)) for c in v] for v in values], np.int32)
            else:
                out[key] = np.asarray([list(v) + [pad] * (target - len(v)) for v in values], np.int32)
        else:
            dtype = np.float32 if isinstance(first, float) else np.int32
            out[key] = np.asarray(values, dtype)
    return out


class LengthBucketedBatches:
    """A re-iterable source of padded batches: each ``iter()`` is one epoch.

    Args:
        rows: feature dicts (Python lists, unpadded).
        batch_size: rows per batch (the global batch size under a distribution strategy).
        pad_values: pad value per sequence key (``input_ids``: the tokenizer's pad id; token labels: -100).
        shuffle: training order (True) or file order without bucketing (False, for evaluation).
        seed: shuffling seed; epoch ``k`` uses ``seed + k``.
        bucket_batches: how many batches' worth of rows are sorted by length together.
        length: pad every batch to this length instead (static shapes, e.g. for TPUs).
        drop_remainder: drop the last, smaller batch (static batch shapes).
    """

    def __init__(self, rows: Sequence[Mapping], batch_size: int, pad_values: Mapping[str, int], *,
                 shuffle: bool = True, seed: int = 0, bucket_batches: int = 50, pad_to_multiple_of: int | None = None,
                 length: int | None = None, drop_remainder: bool = False):
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not rows:
            raise ValueError("no rows to batch")
        self.rows = list(rows)
        self.batch_size = int(batch_size)
        self.pad_values = dict(pad_values)
        self.shuffle = shuffle
        self.seed = seed
        self.bucket_batches = bucket_batches
        self.pad_to_multiple_of = pad_to_multiple_of
        self.length = length
        self.drop_remainder = drop_remainder
        self.epoch = 0
        self._lengths = [sequence_length(r) for r in self.rows]

    def __len__(self) -> int:
        full, rest = divmod(len(self.rows), self.batch_size)
        return full + (1 if rest and not self.drop_remainder else 0)

    def batch_indices(self, epoch: int) -> list[list[int]]:
        """Row indices of each batch of ``epoch``, in the order they are served."""
        order = list(range(len(self.rows)))
        if not self.shuffle:
            batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        else:
            rng = random.Random(self.seed + epoch)
            rng.shuffle(order)
            chunk = self.batch_size * max(1, self.bucket_batches)
            batches = []
            for start in range(0, len(order), chunk):
                part = sorted(order[start:start + chunk], key=self._lengths.__getitem__)
                batches.extend(part[i:i + self.batch_size] for i in range(0, len(part), self.batch_size))
            # Only the last chunk can leave a short batch; keep it last so drop_remainder drops it.
            short = [b for b in batches if len(b) < self.batch_size]
            batches = [b for b in batches if len(b) == self.batch_size]
            rng.shuffle(batches)
            batches += short
        if self.drop_remainder:
            batches = [b for b in batches if len(b) == self.batch_size]
        return batches

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        epoch = self.epoch
        self.epoch += 1
        for indices in self.batch_indices(epoch):
            yield pad_batch([self.rows[i] for i in indices], self.pad_values,
                            pad_to_multiple_of=self.pad_to_multiple_of, length=self.length)

    def to_dataset(self):
        """A ``tf.data.Dataset`` over the batches; each new iterator over it (each Keras epoch) is a new
        epoch of this source. Shapes are left unknown so one traced step serves every length."""
        import tensorflow as tf

        example = pad_batch(self.rows[: min(len(self.rows), 2)], self.pad_values)
        signature = {k: tf.TensorSpec([None] * v.ndim, tf.as_dtype(v.dtype)) for k, v in example.items()}
        dataset = tf.data.Dataset.from_generator(lambda: iter(self), output_signature=signature)
        options = tf.data.Options()
        # A generator cannot be split by file; under multi-worker training each worker keeps every
        # n-th batch of the same sequence.
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        # A known length lets Keras show a real progress bar and end epochs without a warning.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(self)))
        return dataset.with_options(options).prefetch(2)

    def to_py_dataset(self):
        """The batches as a ``keras.utils.PyDataset`` of numpy dicts: what ``fit`` reads on the JAX and torch
        backends, where no TensorFlow is needed. Keras calls ``on_epoch_end`` after each epoch, which
        moves this source on to its next epoch's order, as a new iterator does for :meth:`to_dataset`.

        >>> rows = [{"input_ids": [2, 9, 3], "labels": 1}, {"input_ids": [2, 9, 9, 9, 3], "labels": 0}]
        >>> data = LengthBucketedBatches(rows, 1, {"input_ids": 0}, shuffle=False).to_py_dataset()
        >>> data.num_batches, data[1]["input_ids"].tolist()
        (2, [[2, 9, 9, 9, 3]])
        """
        return EpochBatches(self)


class EpochBatches(keras.utils.PyDataset):
    """A :class:`LengthBucketedBatches` epoch by epoch, as Keras' ``PyDataset`` (see ``to_py_dataset``)."""

    def __init__(self, source: LengthBucketedBatches):
        # One worker, no multiprocessing: batches are cheap numpy padding, and Keras then asks for the
        # indices in order (fit(shuffle=False)), so an epoch's order is the source's own.
        super().__init__(workers=1, use_multiprocessing=False)
        self.source = source
        self._epoch = source.epoch
        self._batches = source.batch_indices(self._epoch)

    @property
    def num_batches(self) -> int:
        return len(self._batches)

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        if not 0 <= index < len(self._batches):
            raise IndexError(f"batch {index} of an epoch of {len(self._batches)} batches")
        source = self.source
        return pad_batch([source.rows[i] for i in self._batches[index]], source.pad_values,
                         pad_to_multiple_of=source.pad_to_multiple_of, length=source.length)

    def on_epoch_end(self):
        self._epoch += 1
        self.source.epoch = self._epoch
        self._batches = self.source.batch_indices(self._epoch)
