"""Create ALBERT pretraining records: n-gram whole-word masked LM + sentence-order prediction.

Input: plain text files, one sentence or paragraph per line, a blank line between documents. Output:
``num_shards`` TFRecord files of ``tf.train.Example``s with the features of the google-research recipe:

====================== ===================== ==============================================================
feature                shape, type           meaning
====================== ===================== ==============================================================
input_ids              [max_seq_length] int  ``[CLS] A [SEP] B [SEP]`` after masking, 0-padded
input_mask             [max_seq_length] int  1 for real tokens
segment_ids            [max_seq_length] int  0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``
token_boundary         [max_seq_length] int  1 where a word starts (lets the reader re-mask on the fly)
masked_lm_positions    [max_predictions] int positions of the predictions, 0-padded
masked_lm_ids          [max_predictions] int original ids there
masked_lm_weights      [max_predictions] f32 1.0 for real predictions, 0.0 for padding
sentence_order_label   [1] int               1 if A and B were swapped
====================== ===================== ==============================================================

The recipe (ALBERT paper section 4.1 and google-research/albert ``create_pretraining_data.py``): documents
are shuffled; each is cut into chunks of consecutive segments filling ``max_seq_length - 3`` tokens
(a shorter random target with p = ``short_seq_prob``); a chunk is split at a random segment boundary
into A and B, which are swapped with p = 0.5 (label 1); the pair is trimmed to length by dropping
tokens from the front or back of the longer side at random; then :mod:`.masking` masks it.

Differences from the reference script, all documented choices:

- lines are split further into sentences (``split_sentences=True``) with a simple punctuation rule, so
  that segments are sentences even when lines are paragraphs;
- a chunk holding one segment only is split at a random word boundary inside it (the script takes B
  from a random other document then, which would make label 1 also mean "other document" rather than
  "swapped");
- instances are shuffled within each duplication round instead of all at once, so memory holds one
  round, and written round-robin to the shards;
- randomness comes from one seeded ``random.Random``: the same inputs and seed give identical files.

This module holds the driver (:func:`create_pretraining_data`, the atomic shard writers, the report) and the
record reader :func:`iterate_records`. Reading the corpus into documents (:func:`split_sentences`,
:func:`read_documents`, :func:`expand_input_files`) lives in :mod:`albert_tf.pretraining.documents`; one
document's instances and their serialization (:class:`Vocabulary`, :class:`TrainingInstance`,
:func:`instances_from_document`, :func:`serialize_instance`) in :mod:`albert_tf.pretraining.instances`. All
are still importable from here.

Example:
    >>> import glob, tempfile
    >>> from albert_tf.tokenization import train_tokenizer
    >>> spm = train_tokenizer(["data/wiki_sample.txt"], 1000, tempfile.mkdtemp(), max_lines=500)
    >>> report = create_pretraining_data(["data/wiki_sample.txt"], spm, tempfile.mkdtemp() + "/wiki",
    ...     max_seq_length=128, dupe_factor=1, num_shards=2, max_documents=3)
    >>> len(report.output_files), report.num_instances > 0
    (2, True)
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import random
from typing import Iterable, Iterator, Sequence

import numpy as np

from albert_tf.pretraining.documents import (  # noqa: F401
    _SENTENCE_END,
    _read_file_documents,
    expand_input_files,
    read_documents,
    split_sentences,
)
from albert_tf.pretraining.instances import (  # noqa: F401
    TrainingInstance,
    Vocabulary,
    _split_single_segment,
    _truncate_pair,
    instances_from_document,
    serialize_instance,
)
from albert_tf.utils.progress import ProgressBar, progress_enabled

logger = logging.getLogger("albert_tf")

FEATURE_NAMES = (
    "input_ids", "input_mask", "segment_ids", "token_boundary", "masked_lm_positions", "masked_lm_ids",
    "masked_lm_weights", "sentence_order_label",
)
STATS_SUFFIX = ".stats.json"


@dataclasses.dataclass
class PretrainingDataReport:
    """What was written, and the measured statistics of the recipe's random choices.

    ``drawn_ngram_counts[n]`` counts the n-gram lengths drawn from p(n) ∝ 1/n (where every length was
    possible); ``ngram_counts[n]`` the lengths of the n-grams masked in the end, which the recipe tilts
    towards unigrams (budget fall-back, overlaps). ``replacement_counts`` has keys mask/keep/random.
    """

    output_files: list[str]
    num_documents: int
    num_instances: int
    num_tokens: int
    num_predictions: int
    num_swapped: int
    drawn_ngram_counts: dict[int, int]
    ngram_counts: dict[int, int]
    replacement_counts: dict[str, int]
    settings: dict

    def summary(self) -> dict:
        """Shares that the recipe fixes: prediction rate, n-gram shares, 80/10/10, SOP swap rate."""
        total_ngrams = max(1, sum(self.ngram_counts.values()))
        total_drawn = max(1, sum(self.drawn_ngram_counts.values()))
        total_replaced = max(1, sum(self.replacement_counts.values()))
        return {
            "instances": self.num_instances,
            "documents": self.num_documents,
            "predicted_token_share": self.num_predictions / max(1, self.num_tokens),
            "ngram_share": {n: c / total_ngrams for n, c in sorted(self.ngram_counts.items())},
            "drawn_ngram_share": {n: c / total_drawn for n, c in sorted(self.drawn_ngram_counts.items())},
            "replacement_share": {k: c / total_replaced for k, c in sorted(self.replacement_counts.items())},
            "swapped_share": self.num_swapped / max(1, self.num_instances),
        }

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["summary"] = self.summary()
        return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def shard_file_names(output_prefix: str, num_shards: int) -> list[str]:
    """``PREFIX-00000-of-00004.tfrecord`` ... the names the shards are written under."""
    return [f"{output_prefix}-{i:05d}-of-{num_shards:05d}.tfrecord" for i in range(num_shards)]


def _load_tokenizer(spm_model_file):
    from albert_tf.tokenization import AlbertTokenizer

    if isinstance(spm_model_file, AlbertTokenizer):
        return spm_model_file
    path = os.fspath(spm_model_file)
    if os.path.isdir(path):
        return AlbertTokenizer.from_pretrained(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"SentencePiece model not found: {path}")
    # A bare .model file: read the tokenizer_config.json beside it when there is one (do_lower_case etc.).
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "spiece.model" and os.path.isfile(os.path.join(directory, "tokenizer_config.json")):
        return AlbertTokenizer.from_pretrained(directory)
    return AlbertTokenizer(path)


def create_pretraining_data(
    input_files: str | Sequence[str],
    spm_model_file,
    output_file: str,
    *,
    max_seq_length: int = 512,
    max_predictions_per_seq: int = 20,
    ngram: int = 3,
    dupe_factor: int = 10,
    random_seed: int = 12345,
    num_shards: int = 1,
    masked_lm_prob: float = 0.15,
    short_seq_prob: float = 0.1,
    sentence_split: bool = True,
    max_documents: int | None = None,
    progress: bool = False,
) -> PretrainingDataReport:
    """Writes sharded pretraining TFRecords and returns what was written with its statistics.

    Args:
        input_files: glob(s), comma-separated string or list.
        spm_model_file: ``spiece.model`` path, a directory with one (its tokenizer_config.json is honoured),
            or an ``AlbertTokenizer``.
        output_file: prefix; shards are named by :func:`shard_file_names`, and a ``PREFIX.stats.json``
            report is written beside them.
        dupe_factor: passes over the corpus, each with fresh random choices.
        max_documents: read at most this many documents (for quick runs).
        progress: draw a progress bar (documents x dupe_factor) on stderr when it is a terminal.

    Files are written atomically: a reader never sees a partial shard.
    """
    import tensorflow as tf

    from albert_tf.utils.io import atomic_path, atomic_write_text

    _check_positive(max_seq_length=max_seq_length, max_predictions_per_seq=max_predictions_per_seq, ngram=ngram,
                    dupe_factor=dupe_factor, num_shards=num_shards)
    if max_seq_length < 5:
        raise ValueError(f"max_seq_length must be at least 5 ([CLS] A [SEP] B [SEP]), got {max_seq_length}")
    if not 0.0 < masked_lm_prob < 1.0:
        raise ValueError(f"masked_lm_prob must be in (0, 1), got {masked_lm_prob}")
    if not 0.0 <= short_seq_prob <= 1.0:
        raise ValueError(f"short_seq_prob must be in [0, 1], got {short_seq_prob}")

    files = expand_input_files(input_files)
    tokenizer = _load_tokenizer(spm_model_file)
    vocab = Vocabulary.from_tokenizer(tokenizer)
    documents = read_documents(files, tokenizer, sentence_split=sentence_split, max_documents=max_documents)
    if not documents:
        raise ValueError(f"the input files hold no text: {files}")
    logger.info("Read %d documents from %d file(s)", len(documents), len(files))

    rng = random.Random(random_seed)
    rng.shuffle(documents)
    output_files = shard_file_names(output_file, num_shards)
    os.makedirs(os.path.dirname(os.path.abspath(output_file)), exist_ok=True)

    counts = collections.Counter()
    drawn_ngrams: collections.Counter = collections.Counter()
    used_ngrams: collections.Counter = collections.Counter()
    replacements: collections.Counter = collections.Counter()
    bar = ProgressBar(dupe_factor * len(documents), "create-pretraining-data", unit="documents",
                      enabled=progress_enabled(progress))
    with _AtomicShardWriters(output_files, atomic_path, tf) as writers, bar:
        for round_index in range(dupe_factor):
            round_instances: list[TrainingInstance] = []
            for document in documents:
                round_instances.extend(instances_from_document(
                    document, vocab, rng, max_seq_length=max_seq_length,
                    max_predictions_per_seq=max_predictions_per_seq, masked_lm_prob=masked_lm_prob,
                    short_seq_prob=short_seq_prob, max_ngram=ngram,
                ))
                bar.update(1, f"pass {round_index + 1}/{dupe_factor}")
            rng.shuffle(round_instances)
            for instance in round_instances:
                writers.write(serialize_instance(instance, max_seq_length, max_predictions_per_seq))
                counts["instances"] += 1
                counts["tokens"] += len(instance.input_ids)
                counts["predictions"] += len(instance.masked.positions)
                counts["swapped"] += int(instance.swapped)
                drawn_ngrams.update(instance.masked.drawn_ngram_lengths)
                used_ngrams.update(instance.masked.ngram_lengths)
                replacements.update(instance.masked.replacement)

    report = PretrainingDataReport(
        output_files=output_files, num_documents=len(documents), num_instances=counts["instances"],
        num_tokens=counts["tokens"], num_predictions=counts["predictions"], num_swapped=counts["swapped"],
        drawn_ngram_counts=dict(sorted(drawn_ngrams.items())), ngram_counts=dict(sorted(used_ngrams.items())),
        replacement_counts={k: replacements.get(k, 0) for k in ("mask", "keep", "random")},
        settings=dict(input_files=files, max_seq_length=max_seq_length,
                      max_predictions_per_seq=max_predictions_per_seq, ngram=ngram, dupe_factor=dupe_factor,
                      random_seed=random_seed, num_shards=num_shards, masked_lm_prob=masked_lm_prob,
                      short_seq_prob=short_seq_prob, sentence_split=sentence_split, vocab_size=vocab.size),
    )
    atomic_write_text(output_file + STATS_SUFFIX, report.to_json())
    _default_permissions(output_file + STATS_SUFFIX)
    logger.info("Wrote %d instances to %d shard(s): %s", report.num_instances, num_shards, report.summary())
    return report


class _AtomicShardWriters:
    """Round-robin TFRecord writers over temporary files, renamed into place only if all succeed."""

    def __init__(self, paths: list[str], atomic_path, tf):
        self._paths = paths
        self._atomic_path = atomic_path
        self._tf = tf
        self._contexts = []
        self._writers = []
        self._next = 0

    def __enter__(self):
        for path in self._paths:
            context = self._atomic_path(path)
            tmp = context.__enter__()
            _default_permissions(tmp)
            self._contexts.append(context)
            self._writers.append(self._tf.io.TFRecordWriter(tmp))
        return self

    def write(self, record: bytes) -> None:
        self._writers[self._next].write(record)
        self._next = (self._next + 1) % len(self._writers)

    def __exit__(self, exc_type, exc, tb):
        for writer in self._writers:
            writer.close()
        error = (exc_type, exc, tb) if exc_type else (None, None, None)
        for context in self._contexts:
            context.__exit__(*error)
        return False


def _default_permissions(path: str) -> None:
    """Temporary files are created private (0600); data files get the usual umask-based mode."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def iterate_records(files: Iterable[str]) -> Iterator[dict[str, np.ndarray]]:
    """Parsed records as numpy dicts (for inspection and statistics), file by file."""
    import tensorflow as tf

    for path in files:
        for raw in tf.data.TFRecordDataset(path).as_numpy_iterator():
            example = tf.train.Example.FromString(raw)
            row = {}
            for name, feature in example.features.feature.items():
                values = feature.int64_list.value if feature.HasField("int64_list") else feature.float_list.value
                row[name] = np.asarray(values)
            yield row
