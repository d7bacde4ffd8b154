"""Question answering in graph, as HF 4.x's ``pipeline("question-answering")`` with ALBERT's fast tokenizer.

A long context is cut into overlapping windows (HF's ``truncation="only_second"``,
``return_overflowing_tokens=True``, ``stride=doc_stride``: consecutive windows share ``doc_stride``
context tokens), every window of every row runs through the model as one flattened batch, and each row
gets the best span over its windows with the pipeline's rules: per window a softmax over the context
tokens and ``[CLS]``, p(start) * p(end) for spans of at most ``max_answer_len`` tokens, the 12 best spans
per window (HF's ``top_k * 2 + 10`` with ``align_to_words``) widened to whole words, candidates with the
same lowercased text summed, and, with ``handle_impossible_answer``, the empty answer when the smallest
``[CLS]`` score of the row's windows is higher. The numpy version of the same rules is
:mod:`albert_tf.tasks.answer_spans` (its defaults are used here).

Where HF raises, the graph stays total over rows (TF Serving batches several clients' rows together):
a question too long for ``max_seq_len`` leaves one context token per window, a ``doc_stride`` at least
as large as a row's window is lowered to the window minus one, and a row without context tokens (an
empty context) answers ``""`` with ``start == end == 0`` and score 0 (the ``[CLS]`` score with
``handle_impossible_answer``). Only ``top_k=1`` is exported.

Example:
    >>> resolve_options(max_seq_len=None, doc_stride=None, max_length=64)
    (64, 32)
"""

from __future__ import annotations

from albert_tf.tasks.answer_spans import DEFAULT_MAX_ANSWER_LEN, DEFAULT_MAX_QUESTION_LEN, DEFAULT_MAX_SEQ_LEN
from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.squad import SquadQuestions
from albert_tf.tasks.spec import CONTEXT, QUESTION, tensor
from albert_tf.tasks.text_spans import TextTokens
from albert_tf.tokenization.constants import SPIECE_UNDERLINE

__all__ = ["DEFAULT_MAX_ANSWER_LEN", "DEFAULT_MAX_QUESTION_LEN", "DEFAULT_MAX_SEQ_LEN", "QuestionAnsweringGraph",
           "QuestionAnsweringTask", "default_doc_stride", "resolve_options"]

# HF decodes top_k * 2 + 10 spans per window when it aligns answers to words (top_k = 1 here).
CANDIDATES_PER_WINDOW = 12
# HF's pipeline replaces excluded logits with this before the softmax.
_EXCLUDED_LOGIT = -10000.0


def default_doc_stride(max_seq_len: int) -> int:
    """HF's default overlap: ``min(max_seq_len // 2, 128)``."""
    return min(max_seq_len // 2, 128)


def resolve_options(max_seq_len: int | None, doc_stride: int | None, max_length: int) -> tuple[int, int]:
    """(max_seq_len, doc_stride) with HF's defaults; ``max_length`` is the export's resolved tokenizer
    length (the model's positions unless set), which plays the part of HF's ``model_max_length``."""
    if max_seq_len is None:
        max_seq_len = min(max_length, DEFAULT_MAX_SEQ_LEN)
    if doc_stride is None:
        doc_stride = default_doc_stride(max_seq_len)
    return max_seq_len, doc_stride


def validate_options(max_seq_len: int, doc_stride: int, max_question_len: int, max_answer_len: int,
                     positions: int) -> None:
    """One-line errors for options no row could use (HF's wording where HF has one)."""
    if not 4 <= max_seq_len <= positions:
        raise ValueError(f"max_seq_len must be in [4, {positions}] (max_position_embeddings), got {max_seq_len}")
    if doc_stride < 0:
        raise ValueError(f"doc_stride must be a non-negative integer, got {doc_stride}")
    if doc_stride > max_seq_len:
        raise ValueError(f"`doc_stride` ({doc_stride}) is larger than `max_seq_len` ({max_seq_len})")
    if max_question_len < 1:
        raise ValueError(f"max_question_len must be positive, got {max_question_len}")
    if max_answer_len < 1:
        raise ValueError(f"max_answer_len parameter should be >= 1 (got {max_answer_len})")


class QuestionAnsweringGraph:
    """The text path of a question-answering export: strings -> windows -> model -> best span per row.

    Args:
        tokenizer: the :class:`~albert_tf.tokenization.AlbertTokenizer` (piece strings, special ids).
        max_seq_len, doc_stride, max_question_len, max_answer_len, handle_impossible_answer: HF's
            pipeline parameters (see :func:`resolve_options`).
    """

    def __init__(self, tokenizer, *, max_seq_len: int, doc_stride: int, max_question_len: int,
                 max_answer_len: int, handle_impossible_answer: bool = False):
        self.max_seq_len, self.doc_stride = int(max_seq_len), int(doc_stride)
        self.max_question_len, self.max_answer_len = int(max_question_len), int(max_answer_len)
        self.handle_impossible_answer = bool(handle_impossible_answer)
        self._cls, self._sep, self._pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
        # HF-fast offsets and word boundaries of the context (shared with token classification).
        self._text = TextTokens(tokenizer)

    def ids_outputs(self, raw: dict, features: dict) -> dict:
        """``predict_ids``: token ids in, so one window per row as given, the best span of its context
        tokens (type 1) and the answer decoded from the vocabulary (no text to take a substring of)."""
        import tensorflow as tf

        from albert_tf.export import graph_ops

        ids, types, mask = features["input_ids"], features["token_type_ids"], features["attention_mask"]
        context = (types == 1) & (mask > 0) & (ids != self._sep) & (ids != self._cls)
        start, end, score = graph_ops.best_spans(raw["start_logits"], raw["end_logits"], context, self.max_answer_len)
        span = tf.range(tf.shape(ids)[1])[tf.newaxis, :]
        inside = (span >= start[:, tf.newaxis]) & (span <= end[:, tf.newaxis])
        joined = tf.strings.reduce_join(tf.where(inside, tf.gather(self._text.pieces, ids), ""), axis=1)
        return {"start_token": start, "end_token": end, "score": score,
                "answer": tf.strings.strip(tf.strings.regex_replace(joined, SPIECE_UNDERLINE, " "))}

    # ------------------------------------------------------------------ windows
    def windows(self, preprocessor, question, context) -> tuple[dict, dict]:
        """(model features [W, L] of all windows of all rows, bookkeeping for :meth:`outputs`)."""
        import tensorflow as tf

        rows = tf.shape(context)[0]
        # A window never outgrows max_seq_len: the question keeps room for 3 special tokens and one context
        # token (where HF would raise for the whole request).
        q_ids = preprocessor.tokenize(question)[:, :min(self.max_question_len, self.max_seq_len - 4)]
        q_len = tf.cast(q_ids.row_lengths(), tf.int32)
        ctx = self._text.tokens(preprocessor, context)
        c_len = ctx["count"]
        budget = tf.maximum(self.max_seq_len - q_len - 3, 1)  # [CLS] question [SEP] context [SEP]
        stride = tf.minimum(self.doc_stride, budget - 1)
        step = budget - stride
        overflow = c_len > budget
        count = tf.where(overflow, 1 + (c_len - budget + step - 1) // tf.maximum(step, 1), 1)
        window_row = tf.repeat(tf.range(rows), count)
        window_index = tf.ragged.range(count).flat_values
        w_start = window_index * tf.gather(step, window_row)
        w_len = tf.minimum(tf.gather(budget, window_row), tf.gather(c_len, window_row) - w_start)
        w_len = tf.maximum(w_len, 0)
        w_q = tf.gather(q_len, window_row)

        pieces = tf.ragged.range(w_start, w_start + w_len)
        width = tf.shape(ctx["ids"])[1]
        flat_index = tf.gather(window_row, pieces.value_rowids()) * width + pieces.flat_values
        context_ids = pieces.with_flat_values(tf.gather(tf.reshape(ctx["ids"], [-1]), flat_index))
        windows = tf.shape(window_row)[0]
        cls = tf.fill([windows, 1], self._cls)
        sep = tf.fill([windows, 1], self._sep)
        ids = tf.concat([cls, tf.gather(q_ids, window_row), sep, context_ids, sep], axis=1)
        total = tf.cast(ids.row_lengths(), tf.int32)
        ids = ids.to_tensor(self._pad)
        position = tf.range(tf.shape(ids)[1])[tf.newaxis, :]
        attended = position < total[:, tf.newaxis]
        features = {"input_ids": ids, "attention_mask": tf.cast(attended, tf.int32),
                    "token_type_ids": tf.cast(attended & (position >= w_q[:, tf.newaxis] + 2), tf.int32)}
        meta = dict(ctx, rows=rows, window_row=window_row, window_index=window_index, w_start=w_start,
                    w_len=w_len, w_q=w_q)
        return features, meta

    # ------------------------------------------------------------------ best span per row
    def outputs(self, raw: dict, features: dict, meta: dict, context) -> dict:
        """Model logits of every window -> per row ``answer``, ``start``, ``end``, ``score``, and the
        winning ``window`` (index among the row's windows) with ``start_token``/``end_token`` in it."""
        import tensorflow as tf

        ids, attended = features["input_ids"], features["attention_mask"] > 0
        width = tf.shape(ids)[1]
        position = tf.range(width)[tf.newaxis, :]
        first_context = meta["w_q"][:, tf.newaxis] + 2
        in_context = (position >= first_context) & (position < first_context + meta["w_len"][:, tf.newaxis])
        # HF's p_mask leaves the context and every [CLS] open to the softmax.
        open_ = in_context | tf.equal(position, 0) | (tf.equal(ids, self._cls) & attended)
        p_start = tf.nn.softmax(tf.where(open_, raw["start_logits"], _EXCLUDED_LOGIT), axis=-1)
        p_end = tf.nn.softmax(tf.where(open_, raw["end_logits"], _EXCLUDED_LOGIT), axis=-1)
        null = p_start[:, 0] * p_end[:, 0]
        keep = tf.cast(in_context, p_start.dtype)  # answers lie in the context ([CLS] is the null answer)
        p_start, p_end = p_start * keep, p_end * keep

        offset = position - tf.transpose(position)  # [start, end]: end - start
        band = (offset >= 0) & (offset < self.max_answer_len)
        pairs = tf.where(band[tf.newaxis], p_start[:, :, tf.newaxis] * p_end[:, tf.newaxis, :], 0.0)
        flat = tf.reshape(pairs, [tf.shape(pairs)[0], -1])
        flat = tf.pad(flat, [[0, 0], [0, CANDIDATES_PER_WINDOW]])  # k best exist however short the window
        scores, best = tf.math.top_k(flat, k=CANDIDATES_PER_WINDOW)
        valid = scores > 0
        s_tok, e_tok = best // width, best % width

        # Token in window -> token of the row's context -> whole words, within the window (HF's
        # word_to_chars on the window's encoding).
        row = meta["window_row"][:, tf.newaxis] + tf.zeros_like(s_tok)
        w_start = meta["w_start"][:, tf.newaxis]
        w_last = w_start + meta["w_len"][:, tf.newaxis] - 1
        last_token = tf.maximum(meta["count"] - 1, 0)

        def context_index(token):
            return tf.clip_by_value(w_start + token - first_context, 0, tf.gather(last_token, row))

        def lookup(name, index):
            return tf.gather_nd(meta[name], tf.stack([row, index], axis=-1))

        first = tf.maximum(lookup("first", context_index(s_tok)), w_start)
        last = tf.minimum(lookup("last", context_index(e_tok)), w_last)
        first, last = tf.clip_by_value(first, 0, tf.gather(last_token, row)), tf.maximum(last, 0)
        char_start = tf.where(valid, lookup("starts", first), 0)
        char_end = tf.where(valid, lookup("ends", last), 0)
        text = tf.strings.substr(tf.gather(context, row), char_start, char_end - char_start, unit="UTF8_CHAR")

        # Candidates of a row in HF's order (windows in order, each window's best first), then candidates
        # with the same lowercased text add up; the first of a group stands for it.
        rows = meta["rows"]
        flat_row = tf.reshape(row, [-1])

        def per_row(value, default):
            return tf.RaggedTensor.from_value_rowids(tf.reshape(value, [-1]), flat_row, nrows=rows).to_tensor(default)

        window_of = tf.broadcast_to(meta["window_index"][:, tf.newaxis], tf.shape(s_tok))
        cand = {"valid": per_row(valid, False), "score": per_row(scores, 0.0), "text": per_row(text, ""),
                "start": per_row(char_start, 0), "end": per_row(char_end, 0),
                "start_token": per_row(s_tok, 0), "end_token": per_row(e_tok, 0), "window": per_row(window_of, 0)}
        key = tf.strings.lower(cand["text"], encoding="utf-8")
        both = cand["valid"][:, :, tf.newaxis] & cand["valid"][:, tf.newaxis, :]
        same = tf.equal(key[:, :, tf.newaxis], key[:, tf.newaxis, :]) & both
        group = tf.reduce_sum(tf.where(same, tf.cast(cand["score"], tf.float64)[:, tf.newaxis, :], 0.0), axis=2)
        n = tf.shape(key)[1]
        earlier = tf.range(n)[tf.newaxis, :] < tf.range(n)[:, tf.newaxis]  # [i, j]: j before i
        leader = cand["valid"] & ~tf.reduce_any(same & earlier[tf.newaxis], axis=2)
        ranked = tf.where(leader, group, -1.0)
        pick = tf.argmax(ranked, axis=1, output_type=tf.int32)  # ties: the first, as HF's stable sort
        found = tf.reduce_any(leader, axis=1)
        chosen = {k: tf.gather(v, pick, batch_dims=1) for k, v in cand.items() if k not in ("valid", "score")}
        score = tf.cast(tf.where(found, tf.gather(group, pick, batch_dims=1), 0.0), tf.float32)

        empty = ~found
        if self.handle_impossible_answer:
            row_null = tf.math.unsorted_segment_min(null, meta["window_row"], rows)
            empty = empty | (row_null > score)  # HF appends the null answer last: a tie keeps the span
            score = tf.where(empty, row_null, score)
        zero = tf.zeros_like(pick)
        return {"answer": tf.where(empty, "", chosen["text"]),
                "start": tf.where(empty, zero, chosen["start"]), "end": tf.where(empty, zero, chosen["end"]),
                "score": score,
                "start_token": tf.where(empty, zero, chosen["start_token"]),
                "end_token": tf.where(empty, zero, chosen["end_token"]),
                "window": tf.where(empty, zero, chosen["window"])}


# ------------------------------------------------------------------ the task (export's view)
_TOKENS = (
    tensor("start_token", "int32", "B", "token index where the answer starts"),
    tensor("end_token", "int32", "B", "token index where the answer ends (inclusive)"),
    tensor("score", "float32", "B", "p(start) * p(end), softmax over the context tokens"),
)
_TEXT_OUTPUTS = (
    tensor("answer", "string", "B", "exact substring context[start:end] of the original context (HF's "
           "question-answering pipeline: the best span over the context's windows, widened to whole words); "
           "'' for the null answer or a context without tokens"),
    tensor("start", "int32", "B", "answer start, in characters (Python str index) of context"),
    tensor("end", "int32", "B", "answer end (exclusive), in characters of context"),
    tensor("score", "float32", "B", "HF's score: p(start) * p(end) in the winning window, summed over the "
           "candidates with the same (lowercased) answer"),
    tensor("start_token", "int32", "B", "token index where the answer starts, in the winning window"),
    tensor("end_token", "int32", "B", "token index where the answer ends (inclusive), in the winning window"),
    tensor("window", "int32", "B", "index of the winning window among the row's context windows (0 first)"),
)
_IDS_OUTPUTS = (tensor("answer", "string", "B", "the answer tokens decoded from the vocabulary (lowercased "
                       "like the tokenizer)"),) + _TOKENS


class QuestionAnsweringTask(SquadQuestions, Task):
    name = "question_answering"
    model_class = "TFAlbertForQuestionAnswering"
    truncation = "only_second"
    offsets = True

    def text_inputs(self, text_pair=False):
        return (QUESTION, CONTEXT)

    def outputs(self, *, regression=False, text=True, options=None):
        return _TEXT_OUTPUTS if text else _IDS_OUTPUTS

    def resolve_options(self, options):
        import dataclasses

        max_seq_len, doc_stride = resolve_options(options.max_seq_len, options.doc_stride, options.max_length)
        return dataclasses.replace(options, max_seq_len=max_seq_len, doc_stride=doc_stride)

    def validate_options(self, options, config):
        super().validate_options(options, config)
        validate_options(options.max_seq_len, options.doc_stride, options.max_question_len, options.max_answer_len,
                         config.max_position_embeddings)

    def serving_graph(self, model, tokenizer, options):
        return _QuestionAnsweringServingGraph(self, model, tokenizer, options)


class _QuestionAnsweringServingGraph(ServingGraph):
    """Text: windows over each context (:class:`QuestionAnsweringGraph`); ids: one window per row."""

    windowed = True

    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.spans = QuestionAnsweringGraph(
            tokenizer, max_seq_len=options.max_seq_len, doc_stride=options.doc_stride,
            max_question_len=options.max_question_len, max_answer_len=options.max_answer_len,
            handle_impossible_answer=options.handle_impossible_answer)

    def forward(self, features, run):
        import tensorflow as tf

        def logits(f):
            out = self.call(f)
            return {"start_logits": out.start_logits, "end_logits": out.end_logits}

        return run(logits, features, {}, {"start_logits": (tf.float32, True), "end_logits": (tf.float32, True)})

    def outputs(self, raw, features, strings):
        return self.spans.ids_outputs(raw, features)

    def text_outputs(self, preprocessor, strings, run_model):
        features, meta = self.spans.windows(preprocessor, strings["question"], strings["context"])
        return self.spans.outputs(run_model(features), features, meta, strings["context"])
