"""In-graph unigram Viterbi that breaks score ties like Python ``sentencepiece`` (what HF uses).

tensorflow-text bundles an older SentencePiece whose Viterbi resolves exact score ties differently
from ``sentencepiece`` 0.2.x: on ``"hmmm"`` it may return ``▁h mm m`` where Python returns ``▁h m mm``.
:class:`UnigramTieResolver` finds the few places where that can happen in tensorflow-text's output and
re-segments them with the rules of Python's encoder (``EncodeOptimized`` in ``unigram_model.cc``),
checked against ``sentencepiece`` 0.2.x:

* start positions are visited left to right and, for each end position, the first best candidate is
  kept (strict ``>``), so on a tie the candidate with the earliest start (longest last piece) wins;
* path scores are float32 sums accumulated along the path from the start of the *whole* input, so the
  same word can tie in one sentence and not in another (``X + a + b`` and ``X + b + a`` round
  differently for different prefixes ``X``);
* a character without a one-character piece is an ``<unk>`` node scoring ``min_score - 10``;
  user-defined pieces (ALBERT's ``( ) " - . – £ €``) score 0.1 per UTF-8 byte minus 0.1 instead of
  their own score; unused pieces are skipped; runs of ``<unk>`` are merged into one piece afterwards.

Where: two segmentations of a window that tie exactly use the same multiset of pieces (scores are
generic floats). Their first pieces differ and start at the same place, so one is a proper prefix of the
other and both occur in the window; likewise their last pieces, one a proper suffix of the other. Only
words of tensorflow-text's output with such a prefix pair *and* such a suffix pair among their pieces
(after the word-start piece, which cannot be in a window) can differ, about 1% of sentences, and only the
span from the first prefix pair to the last suffix pair is re-segmented: Python's path passes through
tensorflow-text's at both ends of it. The path score at a span's start is the float32 sum of the pieces
before it; where a span's corrected end score differs (tensorflow-text scores user-defined pieces
differently, so it can also deviate at a near-tie), the following spans are recomputed.
Not covered: two *different* piece multisets whose float32 sums coincide to the last bit (measured:
none in the 30,000-sentence test corpus, where the smallest such gap on a best path is 6e-4).

This module holds :class:`UnigramTieResolver`'s tables, the tie detection and the re-segmentation; the
word Viterbi itself is :mod:`albert_tf.tokenization.viterbi_lattice` (:class:`ViterbiLatticeMixin`) and the
offsets of re-segmented pieces :mod:`albert_tf.tokenization.resegmented_offsets`, both bases of the class.

Example:
    >>> import os, tempfile
    >>> import tensorflow as tf, tensorflow_text as tf_text
    >>> from albert_tf.tokenization import train_tokenizer
    >>> d = tempfile.mkdtemp(); _ = train_tokenizer(["data/reviews.csv"], 2000, d)
    >>> proto = open(os.path.join(d, "spiece.model"), "rb").read()
    >>> texts = tf.constant(["hmmm... the film", "fine"])
    >>> ids = tf_text.SentencepieceTokenizer(model=proto).tokenize(texts)
    >>> fixed = UnigramTieResolver(proto).fix(texts, ids)
    >>> fixed.shape[0]
    2
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from albert_tf.tokenization import constants, ragged_ops
from albert_tf.tokenization.resegmented_offsets import ResegmentedOffsetsMixin
from albert_tf.tokenization.viterbi_lattice import _NEG_INF, ViterbiLatticeMixin  # noqa: F401

# sentencepiece_model.proto piece types and model types.
_NORMAL, _UNKNOWN, _USER_DEFINED = 1, 2, 4
_UNIGRAM = 1
_UNK_PENALTY = np.float32(10.0)
_WS_BYTES = constants.SPIECE_UNDERLINE.encode("utf-8")


def _parse_model(model_proto: bytes):
    from sentencepiece import sentencepiece_model_pb2

    model = sentencepiece_model_pb2.ModelProto()
    model.ParseFromString(model_proto)
    return model


class UnigramTieResolver(ViterbiLatticeMixin, ResegmentedOffsetsMixin, tf.Module):
    """Corrects tensorflow-text SentencePiece ids to Python ``sentencepiece``'s on score ties.

    Args:
        model_proto: the ``spiece.model`` bytes the tensorflow-text tokenizer was built from.

    ``enabled`` is False for models where tensorflow-text and Python agree by construction (BPE / word /
    char models) or that this class does not model (byte fallback); :meth:`fix` is then the identity.
    """

    def __init__(self, model_proto: bytes, name: str | None = None):
        super().__init__(name=name)
        model = _parse_model(model_proto)
        spec = model.trainer_spec
        self.enabled = spec.model_type == _UNIGRAM and not spec.byte_fallback
        if not self.enabled:
            return
        pieces = [p.piece for p in model.pieces]
        types = np.array([p.type for p in model.pieces])
        scores = np.array([p.score for p in model.pieces], np.float32)
        unk = np.flatnonzero(types == _UNKNOWN)
        if unk.size != 1:
            raise ValueError(f"SentencePiece model must have exactly one <unk> piece, found {unk.size}")
        self.unk_id = int(unk[0])
        self.vocab_size = len(pieces)
        normal = types == _NORMAL
        min_score = np.float32(scores[normal].min()) if normal.any() else np.float32(0)
        self.unk_score = np.float32(min_score - _UNK_PENALTY)
        # Pieces the Viterbi may use (sentencepiece's trie): normal and user-defined, not unused/control.
        eligible = (types == _NORMAL) | (types == _USER_DEFINED)
        self.max_piece_chars = int(max(len(p) for p, ok in zip(pieces, eligible) if ok))
        # Whole words are independent only if no piece holds a word-start marker after its first char.
        self.word_mode = not any(constants.SPIECE_UNDERLINE in p[1:] for p, ok in zip(pieces, eligible) if ok)

        eligible_ids = np.flatnonzero(eligible).astype(np.int32)
        self._piece_ids = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant([pieces[i].encode("utf-8") for i in eligible_ids]), tf.constant(eligible_ids)),
            default_value=-1)
        step_scores = scores.copy()
        step_scores[self.unk_id] = self.unk_score
        # User-defined pieces get a length bonus instead of their score. Measured against sentencepiece
        # 0.2.x (thresholds where it switches between a user-defined piece and its characters, under
        # changed scores): 0.1 per UTF-8 byte minus 0.1, in float32 like all its path arithmetic.
        user = types == _USER_DEFINED
        byte_lengths = np.array([len(p.encode("utf-8")) for p in pieces], np.float32)
        step_scores[user] = byte_lengths[user] * np.float32(0.1) - np.float32(0.1)
        self._scores = tf.constant(step_scores)
        piece_chars = np.array([len(p) for p in pieces], np.int32)
        piece_chars[self.unk_id] = 1  # an <unk> lattice node is one character
        self._piece_chars = tf.constant(piece_chars)
        self._starts_word = tf.constant(
            np.array([p.startswith(constants.SPIECE_UNDERLINE) and ok for p, ok in zip(pieces, eligible)]))

        # Unordered id pairs (lo * V + hi) -> bit 1: one is a proper prefix of the other, bit 2: suffix.
        index = {pieces[i]: int(i) for i in eligible_ids}
        relation: dict[int, int] = {}
        for longer in eligible_ids:
            text = pieces[longer]
            for cut in range(1, len(text)):
                for part, bit in ((text[:cut], 1), (text[cut:], 2)):
                    shorter = index.get(part)
                    if shorter is not None:
                        lo, hi = sorted((shorter, int(longer)))
                        key = lo * self.vocab_size + hi
                        relation[key] = relation.get(key, 0) | bit
        keys = np.array(sorted(relation), np.int64)
        if keys.size == 0:  # StaticHashTable needs at least one entry; -1 is never looked up
            keys = np.array([-1], np.int64)
            values = np.array([0], np.int32)
        else:
            values = np.array([relation[k] for k in keys], np.int32)
        self._relations = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.constant(values)), default_value=0)
        self._tokenizer = tf_text.SentencepieceTokenizer(model=model_proto, out_type=tf.string)

    # ---------------------------------------------------------------- which segments to re-segment
    def _tie_runs(self, ids: tf.RaggedTensor, starts_word=None):
        """Pieces of words that may hold a tie (the prefix-pair and suffix-pair test of the module doc).

        Returns, per such word, the flat indices of the first and last piece of the span that holds all
        its possible tie windows, plus the row-start and word-start flags of all pieces. Only words with
        two or more pieces after their word-start piece can qualify, so everything after the first few
        whole-batch element-wise ops runs on those pieces alone.
        """
        flat = ids.flat_values
        n = tf.size(flat, out_type=tf.int64)
        row_starts = ids.row_splits[:-1]
        first = tf.scatter_nd(tf.expand_dims(row_starts, 1), tf.ones_like(row_starts, tf.int32),
                              tf.reshape(n + 1, [1]))[:-1] > 0
        if not self.word_mode:
            starts_word = tf.zeros_like(first)
        elif starts_word is None:
            starts_word = tf.gather(self._starts_word, flat)
        # The word-start piece cannot take part in a tie window (a window holds two of its first pieces).
        inner = tf.logical_not(starts_word)
        joins_previous = tf.logical_and(inner, tf.logical_not(first))  # same word as the previous piece
        # (Shifts written as concat-then-slice so that empty inputs keep their shape.)
        pair_with_previous = tf.logical_and(joins_previous, tf.concat([[False], inner], 0)[:n])
        pair_with_next = tf.concat([pair_with_previous, [False]], 0)[1:]
        multi = tf.where(tf.logical_or(pair_with_previous, pair_with_next))[:, 0]
        run_start = tf.logical_not(tf.gather(pair_with_previous, multi))
        run = tf.cumsum(tf.cast(run_start, tf.int64)) - 1  # one run per word with 2+ inner pieces
        n_runs = tf.reduce_sum(tf.cast(run_start, tf.int64))
        m = tf.size(multi, out_type=tf.int64)
        position = tf.range(m)
        run_begin = ragged_ops.select(position, run_start)
        run_last = tf.concat([run_begin[1:] - 1, tf.reshape(m - 1, [1])], 0)
        last = tf.gather(run_last, run)
        # All pairs (i, j), i < j, within each run.
        pairs = tf.ragged.range(position + 1, last + 1)
        pair_first, partner = ragged_ops.row_ids(pairs), pairs.flat_values
        pair_ids = tf.gather(flat, multi)
        a, b = tf.gather(pair_ids, pair_first), tf.gather(pair_ids, partner)
        lo, hi = tf.minimum(a, b), tf.maximum(a, b)
        bits = self._relations.lookup(tf.cast(lo, tf.int64) * self.vocab_size + tf.cast(hi, tf.int64))
        # An <unk> piece may be any characters: assume both relations.
        bits = tf.where(tf.logical_or(tf.equal(a, self.unk_id), tf.equal(b, self.unk_id)), 3, bits)
        pair_run = tf.gather(run, pair_first)
        # A tie window starts at the earlier piece of a prefix pair and ends at the later piece of a
        # suffix pair; every window of a word lies in [earliest such start, latest such end].
        none = tf.cast(m, tf.int64)
        span_first = tf.math.unsorted_segment_min(
            tf.where((bits & 1) > 0, pair_first, none), pair_run, n_runs)
        span_last = tf.math.unsorted_segment_max(tf.where((bits & 2) > 0, partner, -1), pair_run, n_runs)
        flagged = span_first < span_last
        return (tf.gather(multi, ragged_ops.select(span_first, flagged)),
                tf.gather(multi, ragged_ops.select(span_last, flagged)), first, starts_word)

    def suspicious(self, ids: tf.RaggedTensor) -> tf.Tensor:
        """``[rows]`` bool: rows of tensorflow-text ids that may differ from Python's on a tie."""
        pieces = self._tie_runs(ids)[0]
        rows = tf.searchsorted(ids.row_splits, pieces, side="right", out_type=tf.int64) - 1
        hits = tf.scatter_nd(tf.expand_dims(rows, 1), tf.ones_like(rows, tf.int32), tf.reshape(ids.nrows(), [1]))
        return hits > 0

    # ---------------------------------------------------------------- the fix
    def fix(self, texts, ids, begins=None, ends=None):
        """Return ``ids`` (and byte ``begins``/``ends`` into ``texts``, if given) with the rows that may
        contain a score tie re-segmented like Python ``sentencepiece``.

        ``texts`` are the ``[rows]`` strings tensorflow-text tokenized into ``ids`` (ragged int32).
        """
        with_offsets = begins is not None
        if not self.enabled:
            return (ids, begins, ends) if with_offsets else ids
        flagged = self.suspicious(ids)

        def resegment():
            rows = tf.where(flagged)[:, 0]
            new = self._resegment(tf.gather(texts, rows), with_offsets)
            n = ids.nrows()
            source = tf.tensor_scatter_nd_update(
                tf.range(n), tf.expand_dims(rows, 1), n + tf.range(tf.size(rows, out_type=tf.int64)))
            merged_ids = tf.gather(ragged_ops.concat_rows(ids, new[0]), source)
            if not with_offsets:
                return merged_ids
            merged_b = tf.gather(ragged_ops.concat_rows(begins, new[1]), source)
            merged_e = tf.gather(ragged_ops.concat_rows(ends, new[2]), source)
            return merged_ids, merged_b, merged_e

        keep = (lambda: (ids, begins, ends)) if with_offsets else (lambda: ids)
        return tf.cond(tf.reduce_any(flagged), resegment, keep)

    def _resegment(self, texts, with_offsets: bool):
        """Python ``sentencepiece`` ids (and byte offsets) of ``texts``: tensorflow-text's pieces with the
        spans that may hold a tie replaced by this module's Viterbi."""
        if with_offsets:
            pieces, p_begin, p_end = self._tokenizer.tokenize_with_offsets(texts)
            p_begin, p_end = tf.cast(p_begin.flat_values, tf.int64), tf.cast(p_end.flat_values, tf.int64)
        else:
            pieces = self._tokenizer.tokenize(texts)
        flat = pieces.flat_values
        looked = self._piece_ids.lookup(flat)
        is_unk = looked < 0  # tensorflow-text returns the text of (merged) unknown pieces
        piece_ids = tf.where(is_unk, self.unk_id, looked)
        ids = pieces.with_flat_values(piece_ids)
        starts_word = tf.equal(tf.strings.substr(flat, 0, len(_WS_BYTES)), _WS_BYTES)
        span_first, span_last, _, _ = self._tie_runs(ids, starts_word)

        # Units: each piece on its own, except that the pieces of each span form one unit.
        n = tf.size(flat, out_type=tf.int64)
        depth = tf.scatter_nd(tf.expand_dims(span_first + 1, 1), tf.ones_like(span_first, tf.int32),
                              tf.reshape(n + 1, [1]))
        depth -= tf.scatter_nd(tf.expand_dims(span_last + 1, 1), tf.ones_like(span_last, tf.int32),
                               tf.reshape(n + 1, [1]))
        unit_start = tf.equal(tf.cumsum(depth)[:-1], 0)
        unit_of_piece = tf.cumsum(tf.cast(unit_start, tf.int64)) - 1
        num_units = tf.reduce_sum(tf.cast(unit_start, tf.int64))
        unit_row = ragged_ops.select(ragged_ops.row_ids(ids), unit_start)
        # Pieces by unit; the other per-piece values reuse this row partition (with_values).
        units = tf.RaggedTensor.from_value_rowids(flat, unit_of_piece, nrows=num_units, validate=False)
        spans = tf.gather(unit_of_piece, span_first)
        span_text = ragged_ops.join_rows(tf.gather(units, spans))

        # Lattice nodes: an unknown piece of n characters is n nodes (sentencepiece merges them only
        # after the Viterbi). Nodes are laid out per row with a fixed slot per unit (a span's slot has one
        # place per character, unused places score 0), so a float32 cumsum gives sentencepiece's path
        # score at every slot whatever segmentation a span currently has.
        n_nodes = tf.where(is_unk, tf.strings.length(flat, unit="UTF8_CHAR"), 1)
        span_chars = tf.strings.length(span_text, unit="UTF8_CHAR")
        slot_width = tf.math.unsorted_segment_sum(n_nodes, unit_of_piece, num_units)
        slot_width = tf.tensor_scatter_nd_update(slot_width, tf.expand_dims(spans, 1), span_chars)
        slot_start = tf.cumsum(tf.cast(slot_width, tf.int64), exclusive=True)
        slots_per_row = tf.math.unsorted_segment_sum(tf.cast(slot_width, tf.int64), unit_row, pieces.nrows())
        row_of_slot_start = tf.concat([[0], tf.cumsum(slots_per_row)], 0)
        total_slots = row_of_slot_start[-1]
        in_span = tf.gather(tf.tensor_scatter_nd_update(tf.zeros([num_units], tf.bool), tf.expand_dims(spans, 1),
                                                        tf.ones_like(spans, tf.bool)), unit_of_piece)
        # Fixed nodes: the pieces outside spans, their nodes at the start of their unit's slot.
        outside = tf.where(tf.logical_not(in_span))[:, 0]
        out_nodes = tf.gather(n_nodes, outside)
        node_slot = (ragged_ops.repeat(tf.gather(slot_start, tf.gather(unit_of_piece, outside)), out_nodes)
                     + tf.ragged.range(tf.cast(out_nodes, tf.int64)).flat_values)
        node_score = ragged_ops.repeat(tf.gather(self._scores, tf.gather(piece_ids, outside)), out_nodes)
        fixed_layout = tf.scatter_nd(tf.expand_dims(node_slot, 1), node_score, tf.reshape(total_slots, [1]))
        span_slot_start = tf.gather(slot_start, spans)
        span_row = tf.gather(unit_row, spans)
        width = tf.reduce_max(tf.concat([span_chars, [0]], 0))
        place = tf.range(width)[tf.newaxis, :]
        span_places = span_slot_start[:, tf.newaxis] + tf.cast(place, tf.int64)
        valid_place = place < span_chars[:, tf.newaxis]
        # Position of a slot within its row's dense layout.
        slot_column = lambda slot, row: slot - tf.gather(row_of_slot_start, row)
        start_at = tf.stack([span_row, slot_column(span_slot_start, span_row)], 1)
        end_at = tf.stack([span_row, slot_column(span_slot_start + tf.cast(span_chars, tf.int64), span_row)], 1)

        def path_scores(span_nodes):
            """Score before each span and at its end, for spans segmented as ``span_nodes``."""
            values = tf.where(span_nodes >= 0, tf.gather(self._scores, tf.maximum(span_nodes, 0)), 0.0)
            layout = tf.tensor_scatter_nd_update(
                fixed_layout, tf.reshape(ragged_ops.select(span_places, valid_place), [-1, 1]),
                ragged_ops.select(values, valid_place))
            dense = tf.RaggedTensor.from_row_lengths(layout, slots_per_row, validate=False).to_tensor(0.0)
            # Sequential per row in float32, like sentencepiece's loop; column 0 = nothing consumed yet.
            totals = tf.concat([tf.zeros([tf.shape(dense)[0], 1]), tf.cumsum(dense, axis=1)], 1)
            return tf.gather_nd(totals, start_at), tf.gather_nd(totals, end_at)

        # tensorflow-text's span pieces as nodes, padded to the span width with -1.
        span_pieces = tf.gather(units.with_values(piece_ids), spans)
        span_piece_nodes = tf.gather(n_nodes, tf.gather(units.with_values(tf.range(n)), spans).flat_values)
        initial = tf.RaggedTensor.from_row_lengths(
            ragged_ops.repeat(span_pieces.flat_values, span_piece_nodes),
            tf.math.segment_sum(tf.cast(span_piece_nodes, tf.int64), ragged_ops.row_ids(span_pieces)), validate=False)
        initial = initial.to_tensor(-1, shape=tf.stack([tf.size(spans), width]))
        viterbi = self._viterbi_setup(span_text)

        # Python's path runs through tensorflow-text's at every span edge, and at a span's start it has
        # the score of the corrected path before it. Ties leave the score at a span's end unchanged;
        # where tensorflow-text deviated from Python at a strict (near-)tie (user-defined pieces score
        # differently there), the corrected score propagates to the following spans, so repeat until
        # every span's end score agrees with the layout it was computed from.
        def body(_, span_nodes):
            before, after = path_scores(span_nodes)
            nodes, end_score = viterbi(before)
            return tf.reduce_any(tf.not_equal(end_score, after)), nodes

        # The first pass always runs, inside the loop (one copy of the Viterbi in the graph).
        _, nodes = tf.while_loop(lambda again, _: again, body, (tf.constant(True), initial),
                                 shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, None])),
                                 maximum_iterations=tf.size(spans) + 1)
        # Each row: its pieces, then -1 padding.
        is_node = nodes >= 0
        new_ids = tf.RaggedTensor.from_row_lengths(
            ragged_ops.select(nodes, is_node), tf.reduce_sum(tf.cast(is_node, tf.int64), 1), validate=False)

        n_spans = tf.size(spans, out_type=tf.int64)
        source = tf.tensor_scatter_nd_update(
            tf.range(num_units), tf.expand_dims(spans, 1), num_units + tf.range(n_spans))
        units_per_row = tf.math.bincount(unit_row, minlength=pieces.nrows(), maxlength=pieces.nrows(),
                                         dtype=tf.int64)
        regroup = lambda unit_values: tf.RaggedTensor.from_row_lengths(
            tf.gather(unit_values, source), units_per_row, validate=False).merge_dims(1, 2)
        per_unit = units.with_values  # the units' row partition, built once
        out_ids = regroup(ragged_ops.concat_rows(per_unit(piece_ids), new_ids))
        if with_offsets:
            new_b, new_e = self._map_offsets(units, spans, unit_of_piece, p_begin, p_end, span_text, new_ids)
            out_b = regroup(ragged_ops.concat_rows(per_unit(p_begin), new_b))
            out_e = regroup(ragged_ops.concat_rows(per_unit(p_end), new_e))
            return self._merge_unknown_runs(out_ids, out_b, out_e)
        return self._merge_unknown_runs(out_ids)

    def _merge_unknown_runs(self, ids, begins=None, ends=None):
        """sentencepiece merges consecutive unknown pieces into one ``<unk>``."""
        flat_unk = tf.equal(ids.flat_values, self.unk_id)
        # The previous piece in the same row is <unk> too (never across a row start).
        previous = tf.concat([[False], flat_unk], 0)[:-1]
        row_start = ragged_ops.row_start_flags(ids)
        keep = tf.logical_not(tf.logical_and(flat_unk, tf.logical_and(previous, tf.logical_not(row_start))))
        out = ragged_ops.mask_values(ids, keep)
        if begins is None:
            return (out,)
        run = tf.cumsum(tf.cast(keep, tf.int64)) - 1
        n_runs = tf.reduce_sum(tf.cast(keep, tf.int64))
        merged_b = tf.math.unsorted_segment_min(begins.flat_values, run, n_runs)
        merged_e = tf.math.unsorted_segment_max(ends.flat_values, run, n_runs)
        return out, out.with_flat_values(merged_b), out.with_flat_values(merged_e)
